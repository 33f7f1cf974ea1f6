import { KafkaMessage } from 'kafkajs';
import { chunksOf } from './inbound-consumer.js';

const message = (offset: number, bytes: number): KafkaMessage =>
  ({ key: Buffer.from('k'), value: Buffer.alloc(bytes - 1), offset: String(offset), timestamp: '0', attributes: 0, headers: {} }) as unknown as KafkaMessage;
const offsets = (chunks: KafkaMessage[][]) => chunks.map((c) => c.map((m) => Number(m.offset)));

// Memory is bounded by bytes, not counts: a batch of large messages is applied a few at a time.
describe('chunks of a batch', () => {
  it('hold at most the count of small messages', () => {
    expect(
      offsets(
        chunksOf(
          [0, 1, 2, 3, 4].map((o) => message(o, 10)),
          2,
          1000,
        ),
      ),
    ).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('end before their keys and values pass the byte bound', () => {
    expect(
      offsets(
        chunksOf(
          [0, 1, 2, 3].map((o) => message(o, 400)),
          1000,
          1000,
        ),
      ),
    ).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('give a message bigger than the bound a chunk of its own, in order', () => {
    expect(offsets(chunksOf([message(0, 10), message(1, 5000), message(2, 10)], 1000, 1000))).toEqual([[0], [1], [2]]);
  });

  it('keep every message exactly once', () => {
    const batch = Array.from({ length: 100 }, (_, i) => message(i, 1 + ((i * 37) % 900)));
    expect(
      chunksOf(batch, 7, 2000)
        .flat()
        .map((m) => Number(m.offset)),
    ).toEqual(batch.map((_, i) => i));
  });
});
