import { waitFor } from '#testing';
import { LedgerEntry, NotifierWorld, anAutobook, emailCounts } from './notifier-harness.js';

// An SMTP server that is down is a transient failure: the notifier keeps the event, retries, and once
// the server is back sends each email exactly once (R10: none lost, none doubled).
describe('notifier: SMTP server down, then back', () => {
  let world: NotifierWorld;

  beforeAll(async () => {
    world = await NotifierWorld.create();
    // Retries fast and many: the outage below lasts a few of them, far from the limit.
    await world.startNotifier({ SMTP_MAX_ATTEMPTS: '100', SMTP_RETRY_MAX_MS: '300' });
  });

  afterAll(async () => {
    await world?.close();
  });

  it('retries while the server is down and sends each email exactly once when it is back', async () => {
    const event = anAutobook('outage', { clientId: 'client-outage' });
    await world.sink.close();
    await world.produce(event);

    const ledger = await world.ledger();
    const failedAttempt = await waitFor(
      `a failed SMTP attempt recorded in the ledger\n${world.appLogs()}`,
      async () => {
        const entry = await ledger.findOne({ eventId: event.eventId, recipient: 'coach' });
        return entry && entry.attempts >= 1 && entry.lastError ? entry : undefined;
      },
      30000,
      50,
    );
    expect(failedAttempt).toMatchObject<Partial<LedgerEntry>>({ status: 'sending' });
    expect(failedAttempt.lastError).toMatch(/ECONNREFUSED|ECONNECTION|connect/i);
    expect(world.sink.received).toHaveLength(0);

    await world.sink.listen();
    await world.waitForEmails([event]);
    // Everything after the event on its partition is handled once the marker's emails are in.
    const markers = await world.drain([event.clientId], 'after-outage');
    expect(emailCounts(world, [event, ...markers])).toEqual({ [event.eventId]: 2, [markers[0].eventId]: 2 });
    expect(world.sink.to(event.coach.email)).toHaveLength(1);
    expect(world.sink.to(event.client.email)).toHaveLength(1);

    const entries = await ledger.entries({ eventId: event.eventId });
    expect(entries.map((e) => [e.recipient, e.status, e.lastError]).sort()).toEqual([
      ['client', 'sent', null],
      ['coach', 'sent', null],
    ]);
    expect(entries.find((e) => e.recipient === 'coach')!.attempts).toBeGreaterThan(1);
    // Nothing was given up on, so nothing was dead-lettered.
    expect(await world.dlqSize()).toBe(0);
  });
});
