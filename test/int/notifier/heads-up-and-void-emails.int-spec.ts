import { DLQ_HEADERS, SessionAutobookUpcoming, SessionAutobookVoided, TOPICS } from '#contracts';
import { SeenMessage } from '../../support/kafka.js';
import { runId } from '#testing';
import { NotifierWorld, PREFERENCES_URL, aVoid, anUpcoming } from './notifier-harness.js';

// R13: the heads-up goes to the client only; R15: the void goes to the coach and to the client. Each
// exactly once per event and recipient (R10), whatever is delivered again or replayed; bad input is
// dead-lettered and consumption goes on (R12).
describe('notifier: the heads-up (R13) and void (R15) emails', () => {
  let world: NotifierWorld;
  const upcoming = anUpcoming('up-1', { clientId: 'client-up-1', rate: { amount: 8000, currency: 'JPY' }, sequence: 2 });
  const voided = aVoid('void-1', {
    clientId: 'client-void-1',
    sequence: 5,
    rate: { amount: 8333, currency: 'EUR' },
    reason: { type: 'completion-reverted', sessionId: 'S-77', eventId: 'reverted-77' },
  });

  beforeAll(async () => {
    world = await NotifierWorld.create();
    await world.startNotifier({ EMAIL_PREVIEW: 'true' });
    await world.probe.watch([world.dlqOf(TOPICS.SESSION_AUTOBOOK_UPCOMING), world.dlqOf(TOPICS.SESSION_AUTOBOOK_VOIDED)]);
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_UPCOMING, upcoming);
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_VOIDED, voided);
    await world.waitForEmailsTo([upcoming.client.email, voided.client.email, voided.coach.email]);
  });

  afterAll(async () => {
    await world?.close();
  });

  /** Markers on a topic after what was produced before: once their emails are in, so is all before them on their partitions. */
  async function drainUpcoming(clientIds: string[], tag: string): Promise<SessionAutobookUpcoming[]> {
    const markers = clientIds.map((clientId, i) => anUpcoming(`${tag}-m${i}`, { clientId }));
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_UPCOMING, ...markers);
    await world.waitForEmailsTo(markers.map((m) => m.client.email));
    return markers;
  }

  async function drainVoided(clientIds: string[], tag: string): Promise<SessionAutobookVoided[]> {
    const markers = clientIds.map((clientId, i) => aVoid(`${tag}-m${i}`, { clientId }));
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_VOIDED, ...markers);
    await world.waitForEmailsTo(markers.flatMap((m) => [m.client.email, m.coach.email]));
    return markers;
  }

  it('sends the heads-up to the client only: the next completed session books 1 more at the rate, with the links to manage and pause', () => {
    expect(world.emailsTo(upcoming.coach.email)).toHaveLength(0);
    const [email] = world.emailsTo(upcoming.client.email);
    expect(world.emailsTo(upcoming.client.email)).toHaveLength(1);
    expect(email.envelopeTo).toEqual([upcoming.client.email]);
    expect(email.subject).toBe(`Ongoing Training: your next completed session with ${upcoming.coach.name} books 1 more at JPY 8000`);
    expect(email.text).toContain(
      `When ${upcoming.coach.name} marks that session as complete, 1 more session will be booked automatically at your current rate of JPY 8000 per session`,
    );
    expect(email.text).toContain(`Manage Ongoing Training Program Preferences: ${PREFERENCES_URL}`);
    expect(email.text).toContain(`Pause Ongoing Training: ${PREFERENCES_URL}`);
    expect(email.html).toContain('Pause Ongoing Training</a>');
    expect(email.parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
  });

  it('sends the void to the coach and to the client: cancelled, why, and not charged or refunded', () => {
    const [client] = world.emailsTo(voided.client.email);
    const [coach] = world.emailsTo(voided.coach.email);
    expect([world.emailsTo(voided.client.email).length, world.emailsTo(voided.coach.email).length]).toEqual([1, 1]);
    expect(client.subject).toBe(`Ongoing Training: the session booked automatically with ${voided.coach.name} is cancelled, you will not be charged`);
    expect(coach.subject).toBe(`Ongoing Training: the session booked automatically for ${voided.client.name} is cancelled`);
    for (const email of [client, coach]) {
      expect(email.text).toContain('that Ongoing Training booked automatically has been cancelled (automatic booking no. 5, at EUR 83.33)');
      expect(email.text).toContain('it was booked because session S-77 was marked as complete, and that completion has been undone');
    }
    expect(client.text).toContain('You will not be charged for the cancelled session. If you have already paid for it, the EUR 83.33 will be refunded.');
    expect(coach.text).toContain(`${voided.client.name} will not be charged for the cancelled session, or will be refunded the EUR 83.33`);
  });

  it('gives every email a Message-ID of its own kind, stable for the event and recipient', async () => {
    const ids = [world.emailsTo(upcoming.client.email)[0], world.emailsTo(voided.client.email)[0], world.emailsTo(voided.coach.email)[0]].map(
      (e) => e.messageId,
    );
    expect(ids[0]).toMatch(/^<autobook-upcoming\.[0-9a-f]{40}@mail\.coachup\.test>$/);
    expect(ids[1]).toMatch(/^<autobook-voided\.[0-9a-f]{40}@mail\.coachup\.test>$/);
    expect(new Set(ids).size).toBe(3);
    const ledger = await world.ledger();
    const claims = await ledger.claims.find({ eventId: { $in: [upcoming.eventId, voided.eventId] } }).toArray();
    expect(claims.map((c) => [c.eventId, (c as unknown as { kind: string }).kind, c.recipient, c.messageId]).sort()).toEqual(
      [
        [upcoming.eventId, 'autobook-upcoming', 'client', ids[0]],
        [voided.eventId, 'autobook-voided', 'client', ids[1]],
        [voided.eventId, 'autobook-voided', 'coach', ids[2]],
      ].sort(),
    );
  });

  it('sends nothing more when the same events are delivered again', async () => {
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_UPCOMING, upcoming, upcoming);
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_VOIDED, voided, voided);
    await drainUpcoming([upcoming.clientId], 'again-up');
    await drainVoided([voided.clientId], 'again-void');
    expect([upcoming.client.email, voided.client.email, voided.coach.email].map((a) => world.emailsTo(a).length)).toEqual([1, 1, 1]);
    expect(world.emailsTo(upcoming.coach.email)).toHaveLength(0);
    const ledger = await world.ledger();
    expect(await ledger.outcomes.countDocuments({ eventId: { $in: [upcoming.eventId, voided.eventId] } })).toBe(3);
  });

  it('sends nothing more when a second notifier (new consumer group, same database) replays both topics', async () => {
    const before = world.sink.received.length;
    const groupId = runId('notifier-replay');
    await world.startNotifier({ KAFKA_GROUP_ID: groupId });
    // The markers reach both groups; the replaying one handles them after everything older on their partitions.
    const markers = [...(await drainUpcoming([upcoming.clientId], 'replay-up')), ...(await drainVoided([voided.clientId], 'replay-void'))];
    await world.waitForGroupAtEnd(groupId, [world.topicOf(TOPICS.SESSION_AUTOBOOK_UPCOMING), world.topicOf(TOPICS.SESSION_AUTOBOOK_VOIDED)]);
    // Only the markers' own emails are new: 1 for the heads-up marker, 2 for the void marker.
    expect(world.sink.received.length - before).toBe(3);
    expect(markers.flatMap((m) => [m.client.email, m.coach.email]).map((a) => world.emailsTo(a).length)).toEqual([1, 0, 1, 1]);
    await world.apps[1].stop();
  });

  it('serves every new email at /preview (EMAIL_PREVIEW=true), and no coach heads-up', async () => {
    const get = (path: string) => fetch(`${world.apps[0].url}${path}`);
    const index = await (await get('/preview')).text();
    for (const path of ['upcoming-usd/client', 'voided-eur/coach', 'voided-eur/client', 'payment-failed-usd/coach', 'payment-failed-usd/client'])
      expect(index).toContain(`/preview/${path}`);
    expect(index).not.toContain('/preview/upcoming-usd/coach');
    const payment = await get('/preview/payment-failed-usd/client');
    expect(payment.status).toBe(200);
    expect(await payment.text()).toContain('Update your payment method</a>');
    expect((await get('/preview/upcoming-usd/coach')).status).toBe(404);
  });

  describe('bad input', () => {
    let letters: SeenMessage[];
    const upTopic = () => world.topicOf(TOPICS.SESSION_AUTOBOOK_UPCOMING);
    const voidTopic = () => world.topicOf(TOPICS.SESSION_AUTOBOOK_VOIDED);
    const { client: _client, ...noClient } = anUpcoming('bad-no-client', { clientId: 'client-bad' });
    const badReason = { ...aVoid('bad-reason', { clientId: 'client-bad' }), reason: { type: 'mistake', sessionId: 'S-1', eventId: 'r' } };
    const wrongKey = aVoid('bad-key', { clientId: 'client-bad' });

    beforeAll(async () => {
      await world.probe.produce(upTopic(), [
        { key: 'client-bad', value: Buffer.from('{"eventId": oops', 'utf8') },
        { key: 'client-bad', value: Buffer.from(JSON.stringify(noClient), 'utf8') },
      ]);
      await world.probe.produce(voidTopic(), [
        { key: 'client-bad', value: Buffer.from(JSON.stringify(badReason), 'utf8') },
        { key: 'someone-else', value: Buffer.from(JSON.stringify(wrongKey), 'utf8') },
      ]);
      letters = [
        ...(await world.probe.waitForCount(world.dlqOf(TOPICS.SESSION_AUTOBOOK_UPCOMING), 2)),
        ...(await world.probe.waitForCount(world.dlqOf(TOPICS.SESSION_AUTOBOOK_VOIDED), 2)),
      ];
    });

    it('dead-letters each unchanged, saying why and where it came from', () => {
      const reasons = letters.map((l) => [l.headers[DLQ_HEADERS.SOURCE_TOPIC], l.headers[DLQ_HEADERS.REASON]]);
      expect(reasons).toEqual(
        expect.arrayContaining([
          [upTopic(), expect.stringMatching(/not valid UTF-8 JSON/)],
          [upTopic(), expect.stringMatching(/session\.autobook\.upcoming contract: client/)],
          [voidTopic(), expect.stringMatching(/session\.autobook\.voided contract: reason\.type/)],
          [voidTopic(), expect.stringMatching(/wrong key/)],
        ]),
      );
      expect(letters.find((l) => l.key === 'someone-else')?.value?.toString()).toBe(JSON.stringify(wrongKey));
    });

    it('emails nothing for them, and goes on with the next events', async () => {
      const markers = [...(await drainUpcoming(['client-bad'], 'after-bad-up')), ...(await drainVoided(['client-bad', 'someone-else'], 'after-bad-void'))];
      expect(markers).toHaveLength(3);
      for (const address of [wrongKey.client.email, wrongKey.coach.email, badReason.client.email, badReason.coach.email]) {
        expect([address, world.emailsTo(address).length]).toEqual([address, 0]);
      }
    });
  });
});
