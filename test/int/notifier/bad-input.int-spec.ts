import { DLQ_HEADERS } from '#contracts';
import { SeenMessage } from '../../support/kafka.js';
import { NotifierWorld, anAutobook, emailCounts } from './notifier-harness.js';

// R12: a message that is not JSON or breaks the session.autobooked contract is moved to the dead-letter
// topic unchanged, with the reason and its origin; the valid events around it are emailed as usual.
describe('notifier: bad input goes to the dead-letter topic (R12)', () => {
  let world: NotifierWorld;
  const clientId = 'client-bad-input';
  const before = anAutobook('before-bad', { clientId });
  const after = anAutobook('after-bad', { clientId });
  const { rate: _rate, ...withoutRate } = anAutobook('no-rate', { clientId });
  const wrongKey = anAutobook('wrong-key', { clientId });
  const bad = {
    notJson: Buffer.from('{"eventId": "autobook-not-json", oops', 'utf8'),
    missingField: Buffer.from(JSON.stringify(withoutRate), 'utf8'),
    wrongKey: Buffer.from(JSON.stringify(wrongKey), 'utf8'),
  };
  let letters: SeenMessage[];

  beforeAll(async () => {
    world = await NotifierWorld.create();
    await world.startNotifier();
    await world.probe.watch([world.dlq]);
    await world.produce(before);
    await world.probe.produce(world.topic, [
      { key: clientId, value: bad.notJson },
      { key: clientId, value: bad.missingField },
      // Keyed by another client: the contract says producers key by clientId.
      { key: 'someone-else', value: bad.wrongKey },
    ]);
    await world.produce(after);
    letters = await world.probe.waitForCount(world.dlq, 3);
  });

  afterAll(async () => {
    await world?.close();
  });

  const letterOf = (value: Buffer): SeenMessage => {
    const found = letters.filter((m) => m.value !== null && Buffer.compare(m.value, value) === 0);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('dead-letters a message that is not JSON, byte for byte, saying so', () => {
    const letter = letterOf(bad.notJson);
    expect(letter.key).toBe(clientId);
    expect(letter.headers[DLQ_HEADERS.REASON]).toMatch(/not valid UTF-8 JSON/);
  });

  it('dead-letters a payload missing a field, naming the field', () => {
    const letter = letterOf(bad.missingField);
    expect(letter.key).toBe(clientId);
    expect(letter.headers[DLQ_HEADERS.REASON]).toMatch(/session\.autobooked contract/);
    expect(letter.headers[DLQ_HEADERS.REASON]).toMatch(/\brate\b/);
  });

  it('dead-letters a message keyed by something other than its clientId, naming both', () => {
    const letter = letterOf(bad.wrongKey);
    expect(letter.key).toBe('someone-else');
    expect(letter.headers[DLQ_HEADERS.REASON]).toMatch(/wrong key/);
    expect(letter.headers[DLQ_HEADERS.REASON]).toContain(clientId);
    expect(letter.headers[DLQ_HEADERS.REASON]).toContain('someone-else');
  });

  it('says where every dead letter came from', () => {
    for (const letter of letters) {
      expect(letter.headers[DLQ_HEADERS.SOURCE_TOPIC]).toBe(world.topic);
      expect(letter.headers[DLQ_HEADERS.SOURCE_PARTITION]).toMatch(/^\d+$/);
      expect(letter.headers[DLQ_HEADERS.SOURCE_OFFSET]).toMatch(/^\d+$/);
      expect(Number.isNaN(Date.parse(letter.headers[DLQ_HEADERS.FAILED_AT]))).toBe(false);
    }
    // Each points at a message of its own.
    expect(new Set(letters.map((l) => `${l.headers[DLQ_HEADERS.SOURCE_PARTITION]}/${l.headers[DLQ_HEADERS.SOURCE_OFFSET]}`)).size).toBe(3);
  });

  it('emails the valid events around the bad ones, and nothing for the bad ones', async () => {
    await world.waitForEmails([before, after]);
    const markers = await world.drain([clientId, 'someone-else'], 'after-bad');
    expect(emailCounts(world, [before, after, ...markers])).toEqual(Object.fromEntries([before, after, ...markers].map((e) => [e.eventId, 2])));
    expect(world.sink.to(wrongKey.coach.email)).toHaveLength(0);
    expect(world.sink.to(wrongKey.client.email)).toHaveLength(0);
    expect(world.sink.received.some((m) => m.envelopeTo.some((a) => a.includes('no-rate')))).toBe(false);
    const ledger = await world.ledger();
    expect(await ledger.countDocuments({ eventId: { $in: ['autobook-wrong-key', 'autobook-no-rate', 'autobook-not-json'] } })).toBe(0);
    expect(await world.dlqSize()).toBe(3);
  });
});
