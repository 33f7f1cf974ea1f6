import { DLQ_HEADERS, TOPICS } from '#contracts';
import { SeenMessage } from '../../support/kafka.js';
import { waitFor } from '#testing';
import { NotifierWorld, PAYMENT_METHOD_URL, aFailure, anAutobook } from './notifier-harness.js';

// How long this file's notifier lets a payment.failed wait for its autobook before dead-lettering it.
const WAIT_MS = 15000;

// R16: a failed payment emails the client (the session, the amount, what to do, PAYMENT_METHOD_URL) and
// the coach (the next automatic booking waits), once per failed autobook. payment.failed carries no
// contacts nor amount: the notifier takes them from the session.autobooked it recorded under
// autobookEventId, waits a while for one it has not seen yet, and dead-letters what it cannot use.
describe('notifier: the failed-payment emails (R16)', () => {
  let world: NotifierWorld;
  const autobook = anAutobook('paid', { clientId: 'client-paid', sequence: 4, rate: { amount: 8000, currency: 'BHD' }, occurredAt: '2026-11-24T18:30:00Z' });
  const failure = aFailure(autobook, { occurredAt: '2026-11-24T18:35:00Z', reason: 'Card declined by the issuer.' });
  let letters: SeenMessage[] = [];

  beforeAll(async () => {
    world = await NotifierWorld.create();
    await world.startNotifier({ PAYMENT_FAILED_AUTOBOOK_WAIT_MS: String(WAIT_MS) });
    await world.probe.watch([world.dlqOf(TOPICS.PAYMENT_FAILED)]);
    await world.produce(autobook);
    await world.waitForEmails([autobook]);
    await world.produceTo(TOPICS.PAYMENT_FAILED, failure);
    await world.waitForEmailsTo([autobook.client.email, autobook.coach.email], 2);
  });

  afterAll(async () => {
    await world?.close();
  });

  const paymentEmail = (address: string) => {
    const emails = world.emailsTo(address).filter((e) => e.subject?.includes('payment'));
    expect(emails).toHaveLength(1);
    return emails[0];
  };

  it('tells the client which session, the amount, what to do, and links to PAYMENT_METHOD_URL', () => {
    const email = paymentEmail(autobook.client.email);
    expect(email.envelopeTo).toEqual([autobook.client.email]);
    expect(email.to).toContain(autobook.client.name);
    expect(email.subject).toBe(`Ongoing Training: the payment of BHD 8.000 for your session with ${autobook.coach.name} did not go through`);
    expect(email.text).toContain('booked automatically on 24 Nov 2026, 18:30 UTC (automatic booking no. 4)');
    expect(email.text).toContain('The payment provider said: Card declined by the issuer.');
    expect(email.text).toContain('What to do: check your payment details and update your payment method');
    expect(email.text).toContain(`Update your payment method: ${PAYMENT_METHOD_URL}`);
    const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
    expect(hrefs.filter((href) => href === PAYMENT_METHOD_URL)).toHaveLength(2);
    expect(email.messageId).toMatch(/^<payment-failed\.[0-9a-f]{40}@mail\.coachup\.test>$/);
  });

  it('tells the coach that the next automatic booking waits for the payment', () => {
    const email = paymentEmail(autobook.coach.email);
    expect(email.envelopeTo).toEqual([autobook.coach.email]);
    expect(email.subject).toBe(`Ongoing Training: the next automatic booking for ${autobook.client.name} waits for a payment`);
    expect(email.text).toContain(`The next automatic booking for ${autobook.client.name} waits for this payment`);
    expect(email.text).toContain('BHD 8.000');
    expect(email.text).not.toContain('Card declined');
  });

  it('emails once per failed autobook: the same event again, or another failure of the same autobook, sends nothing more', async () => {
    const retried = aFailure(autobook, { eventId: 'failed-paid-retry', occurredAt: '2026-11-25T08:00:00Z', reason: 'Insufficient funds.' });
    await world.produceTo(TOPICS.PAYMENT_FAILED, failure, retried, failure);
    // A marker failure of another autobook on the same key (same partition), after them.
    const marker = anAutobook('paid-marker', { clientId: autobook.clientId });
    await world.produce(marker);
    await world.produceTo(TOPICS.PAYMENT_FAILED, aFailure(marker));
    await world.waitForEmailsTo([marker.client.email, marker.coach.email], 2);
    expect([world.emailsTo(autobook.client.email).length, world.emailsTo(autobook.coach.email).length]).toEqual([2, 2]);
    const ledger = await world.ledger();
    const claims = await ledger.claims.find({ eventId: autobook.eventId }).toArray();
    expect(claims.map((c) => [(c as unknown as { kind?: string }).kind ?? 'autobooked', c.recipient]).sort()).toEqual(
      [
        ['autobooked', 'client'],
        ['autobooked', 'coach'],
        ['payment-failed', 'client'],
        ['payment-failed', 'coach'],
      ].sort(),
    );
  });

  it('waits for an autobook it has not seen yet, staying ready, and emails once the autobook arrives', async () => {
    const late = anAutobook('late', { clientId: 'client-late' });
    const waitsBefore = await world.metric('notifier_event_retries_total', { topic: TOPICS.PAYMENT_FAILED, kind: 'waiting' });
    await world.produceTo(TOPICS.PAYMENT_FAILED, aFailure(late));
    // The notifier has looked for the autobook and is waiting for it.
    await waitFor(
      'the failure to wait for its autobook',
      async () => (await world.metric('notifier_event_retries_total', { topic: TOPICS.PAYMENT_FAILED, kind: 'waiting' })) > waitsBefore,
      10000,
    );
    expect(world.emailsTo(late.client.email)).toHaveLength(0);
    // Waiting for another input is no failure of the notifier's own.
    expect((await fetch(`${world.apps[0].url}/health/ready`)).status).toBe(200);
    await world.produce(late);
    await world.waitForEmailsTo([late.client.email, late.coach.email], 2);
    const subjects = world.emailsTo(late.client.email).map((e) => e.subject);
    expect(subjects.filter((s) => s?.includes('did not go through'))).toHaveLength(1);
    expect(await world.dlqSize(TOPICS.PAYMENT_FAILED)).toBe(0);
  });

  it('dead-letters a failure whose pair is not its autobook’s at once, emailing no one', async () => {
    const other = aFailure(autobook, { eventId: 'failed-other-pair', clientId: 'client-eve', coachId: autobook.coachId });
    await world.produceTo(TOPICS.PAYMENT_FAILED, other);
    letters = await world.probe.waitForCount(world.dlqOf(TOPICS.PAYMENT_FAILED), 1, 30000);
    const letter = letters.find((l) => l.value?.toString() === JSON.stringify(other));
    expect(letter?.key).toBe('client-eve');
    expect(letter?.headers[DLQ_HEADERS.REASON]).toMatch(/^AUTOBOOK_OF_ANOTHER_PAIR: .*client-eve.*client-paid/);
    expect(world.emailsTo(autobook.client.email)).toHaveLength(2);
  });

  it('dead-letters bad input: not JSON, and a failure without its autobookEventId', async () => {
    const { autobookEventId: _id, ...noAutobook } = aFailure(autobook, { eventId: 'failed-no-autobook' });
    await world.probe.produce(world.topicOf(TOPICS.PAYMENT_FAILED), [
      { key: autobook.clientId, value: Buffer.from('not json', 'utf8') },
      { key: autobook.clientId, value: Buffer.from(JSON.stringify(noAutobook), 'utf8') },
    ]);
    letters = await world.probe.waitForCount(world.dlqOf(TOPICS.PAYMENT_FAILED), 3, 30000);
    const reasons = letters.map((l) => l.headers[DLQ_HEADERS.REASON]);
    expect(reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/not valid UTF-8 JSON/), expect.stringMatching(/payment\.failed contract: autobookEventId/)]),
    );
    for (const letter of letters) expect(letter.headers[DLQ_HEADERS.SOURCE_TOPIC]).toBe(world.topicOf(TOPICS.PAYMENT_FAILED));
  });

  it('dead-letters a failure for an autobook never seen, once PAYMENT_FAILED_AUTOBOOK_WAIT_MS has passed, naming it', async () => {
    const never = aFailure(anAutobook('never', { clientId: 'client-never' }));
    const produced = Date.now();
    await world.produceTo(TOPICS.PAYMENT_FAILED, never);
    letters = await world.probe.waitForCount(world.dlqOf(TOPICS.PAYMENT_FAILED), 4, WAIT_MS + 30000);
    expect(Date.now() - produced).toBeGreaterThanOrEqual(WAIT_MS);
    const letter = letters.find((l) => l.value?.toString() === JSON.stringify(never));
    expect(letter?.headers[DLQ_HEADERS.REASON]).toMatch(/^AUTOBOOK_UNKNOWN: .*autobook-never.*not seen on session\.autobooked/);
    expect(world.emailsTo('client.never@example.com')).toHaveLength(0);
  });
});
