import { DLQ_HEADERS } from '#contracts';
import { waitFor } from '#testing';
import { LedgerEntry, NotifierWorld, anAutobook } from './notifier-harness.js';

const REFUSED = 'client.refused@example.com';

// A recipient the SMTP server refuses for good (550) is not retried forever: the other email still goes
// out, the refusal is recorded in the ledger, and the event is dead-lettered unchanged with the reason
// (R12: nothing skipped silently, nothing stops the service).
describe('notifier: a recipient refused for good (550)', () => {
  let world: NotifierWorld;
  const refused = anAutobook('refused', { clientId: 'client-refused' });
  refused.client = { ...refused.client, email: REFUSED };
  // Bytes that a re-serialisation would not give back: pretty-printed, with a field the contract ignores.
  const originalBytes = Buffer.from(JSON.stringify({ ...refused, note: 'kept as is' }, null, 2), 'utf8');

  beforeAll(async () => {
    world = await NotifierWorld.create((address) => address === REFUSED);
    await world.startNotifier({ SMTP_MAX_ATTEMPTS: '3', SMTP_RETRY_MAX_MS: '50' });
    await world.probe.watch([world.dlq]);
    await world.probe.produce(world.topic, [{ key: refused.clientId, value: originalBytes }]);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('still delivers the email to the recipient who was not refused', async () => {
    await waitFor(`the coach email\n${world.appLogs()}`, () => world.sink.to(refused.coach.email).length === 1);
    expect(world.sink.to(REFUSED)).toHaveLength(0);
  });

  it('records the refused email in the ledger as failed, with the reason', async () => {
    const ledger = await world.ledger();
    const entry = await waitFor(
      `the refused delivery marked failed\n${world.appLogs()}`,
      async () => (await ledger.findOne({ eventId: refused.eventId, recipient: 'client', status: 'failed' })) ?? undefined,
    );
    expect(entry).toMatchObject<Partial<LedgerEntry>>({ address: REFUSED, status: 'failed' });
    expect(entry.lastError).toBe(`refused: 550 mailbox ${REFUSED} unavailable`);
    // Refused means refused: one attempt, no retries.
    expect(entry.attempts).toBeLessThanOrEqual(1);
    expect(await ledger.findOne({ eventId: refused.eventId, recipient: 'coach' })).toMatchObject({ status: 'sent' });
  });

  it('dead-letters the event unchanged, with a dlq-reason naming the refusal and where it came from', async () => {
    const [letter] = await world.probe.waitForCount(world.dlq, 1);
    expect(letter.key).toBe(refused.clientId);
    expect(Buffer.compare(letter.value!, originalBytes)).toBe(0);
    const reason = letter.headers[DLQ_HEADERS.REASON];
    expect(reason).toContain(REFUSED);
    expect(reason).toMatch(/refused: 550 mailbox client\.refused@example\.com unavailable/);
    expect(reason).not.toContain('550 550');
    expect(letter.headers[DLQ_HEADERS.SOURCE_TOPIC]).toBe(world.topic);
    expect(Number(letter.headers[DLQ_HEADERS.SOURCE_PARTITION])).toBeGreaterThanOrEqual(0);
    expect(letter.headers[DLQ_HEADERS.SOURCE_OFFSET]).toMatch(/^\d+$/);
    expect(Number.isNaN(Date.parse(letter.headers[DLQ_HEADERS.FAILED_AT]))).toBe(false);
  });

  it('goes on with later events, and does not dead-letter or resend the refused one again', async () => {
    const markers = await world.drain([refused.clientId], 'after-refusal');
    expect(world.sink.to(markers[0].coach.email)).toHaveLength(1);
    expect(world.sink.to(markers[0].client.email)).toHaveLength(1);
    expect(world.sink.to(refused.coach.email)).toHaveLength(1);
    expect(await world.dlqSize()).toBe(1);
  });
});
