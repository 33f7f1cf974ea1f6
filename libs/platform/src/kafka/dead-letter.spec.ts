import { DLQ_HEADERS } from '#contracts';
import { createHash } from 'node:crypto';
import { KafkaMessage } from 'kafkajs';
import { deadLetterOf, isTooLarge, letterBytes, truncatedLetter } from './dead-letter.js';

const message = (overrides: Partial<KafkaMessage> = {}): KafkaMessage =>
  ({
    key: Buffer.from('client-1'),
    value: Buffer.from('{"a":1}'),
    offset: '42',
    timestamp: '0',
    attributes: 0,
    headers: {},
    ...overrides,
  }) as unknown as KafkaMessage;
const SOURCE = { topic: 'package.booked', partition: 2 };
const AT = new Date('2026-11-24T12:00:00Z');

describe('dead letters (R12)', () => {
  it('carry the key and value byte for byte and say why and where from', () => {
    const letter = deadLetterOf(message(), SOURCE, 'not valid JSON', AT);
    expect(letter.key).toEqual(Buffer.from('client-1'));
    expect(letter.value).toEqual(Buffer.from('{"a":1}'));
    expect(letter.headers).toMatchObject({
      [DLQ_HEADERS.REASON]: 'not valid JSON',
      [DLQ_HEADERS.SOURCE_TOPIC]: 'package.booked',
      [DLQ_HEADERS.SOURCE_PARTITION]: '2',
      [DLQ_HEADERS.SOURCE_OFFSET]: '42',
      [DLQ_HEADERS.FAILED_AT]: '2026-11-24T12:00:00.000Z',
    });
  });

  it("rename a message's own dlq-* headers, whatever their case, and keep its other headers", () => {
    const forged = {
      'dlq-reason': Buffer.from('all fine'),
      'DLQ-Source-Topic': Buffer.from('elsewhere'),
      'dlq-truncated': Buffer.from('true'),
      traceparent: Buffer.from('00-abc'),
    };
    const letter = deadLetterOf(message({ headers: forged }), SOURCE, 'wrong key', AT);
    expect(letter.headers[DLQ_HEADERS.REASON]).toBe('wrong key');
    expect(letter.headers[DLQ_HEADERS.TRUNCATED]).toBeUndefined();
    expect(letter.headers['incoming-dlq-reason']).toEqual(Buffer.from('all fine'));
    expect(letter.headers['incoming-DLQ-Source-Topic']).toEqual(Buffer.from('elsewhere'));
    expect(letter.headers['incoming-dlq-truncated']).toEqual(Buffer.from('true'));
    expect(letter.headers.traceparent).toEqual(Buffer.from('00-abc'));
  });

  it('bound the reason to 1,000 characters', () => {
    expect(String(deadLetterOf(message(), SOURCE, 'x'.repeat(1_300_000), AT).headers[DLQ_HEADERS.REASON]).length).toBe(1000);
  });

  it('too big for their topic are cut to fit, with the original size and SHA-256', () => {
    const value = Buffer.alloc(1_048_000, 'v');
    const letter = deadLetterOf(message({ value }), SOURCE, 'not valid JSON', AT);
    const cut = truncatedLetter(letter, 1_048_588);
    expect(letterBytes(cut)).toBeLessThanOrEqual(1_048_588);
    expect(cut.value!.length).toBeGreaterThan(1_040_000);
    expect(value.subarray(0, cut.value!.length).equals(cut.value!)).toBe(true);
    expect(cut.key).toEqual(letter.key);
    expect(cut.headers).toMatchObject({
      [DLQ_HEADERS.TRUNCATED]: 'true',
      [DLQ_HEADERS.ORIGINAL_BYTES]: '1048000',
      [DLQ_HEADERS.ORIGINAL_SHA256]: createHash('sha256').update(value).digest('hex'),
      [DLQ_HEADERS.REASON]: 'not valid JSON',
      [DLQ_HEADERS.SOURCE_OFFSET]: '42',
    });
  });

  it('leave off original headers too big to keep and cut a key that alone leaves no room', () => {
    const letter = deadLetterOf(message({ key: Buffer.alloc(900_000, 'k'), headers: { big: Buffer.alloc(100_000, 'h') } }), SOURCE, 'wrong key', AT);
    const cut = truncatedLetter(letter, 1_048_588);
    expect(cut.headers.big).toBeUndefined();
    expect(cut.key!.length).toBe(524_294);
    expect(letterBytes(cut)).toBeLessThanOrEqual(1_048_588);
  });

  it("know the broker's size refusal from other failures", () => {
    const tooLarge = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), {
      type: 'MESSAGE_TOO_LARGE',
    });
    expect(isTooLarge(tooLarge)).toBe(true);
    expect(isTooLarge(Object.assign(new Error('retries exceeded'), { originalError: tooLarge }))).toBe(true);
    expect(isTooLarge(Object.assign(new Error('broker away'), { type: 'NOT_LEADER_FOR_PARTITION' }))).toBe(false);
    expect(isTooLarge(new Error('connection refused'))).toBe(false);
  });
});
