import { INPUT_TOPICS, SessionAutobooked, TOPICS } from '#contracts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tokenFor } from '../support/jwt.js';
import { OngoingTrainingHarness, aPair } from '../support/ongoing-training.js';
import { waitFor } from '#testing';
import { waitForGroupCaughtUp } from '../support/kafka.js';

// R13..R16 through the real Kafka, database and HTTP: the heads-up, the pause (ended through the API
// and by time, with the service's clock moved), a completion undone, a payment hold.
describe('ongoing-training beyond the coach guide (R13..R16)', () => {
  let ot: OngoingTrainingHarness;
  let clockFile: string;
  const HOUR = 3600 * 1000;

  /** Moves the service's clock (CLOCK_OFFSET_FILE) this far ahead of the system clock. */
  const moveClock = (ms: number) => fs.writeFileSync(clockFile, String(ms));

  beforeAll(async () => {
    clockFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ot-clock-')), 'offset');
    moveClock(0);
    ot = await OngoingTrainingHarness.create('beyond');
    await ot.startApp({ CLOCK_OFFSET_FILE: clockFile, PAUSE_CHECK_MS: '200' });
  });

  afterAll(() => ot?.close());

  const entriesOf = async (pair: { clientId: string; coachId: string }, count: number) =>
    waitFor(`${count} decisions for ${pair.clientId}`, async () => {
      const entries = await ot.history(pair.clientId, pair.coachId).catch(() => undefined);
      return entries && entries.length >= count ? entries : undefined;
    });
  const base = (pair: { clientId: string; coachId: string }) => `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`;
  const autobookOf = async (pair: { clientId: string }, sequence: number): Promise<SessionAutobooked> =>
    waitFor(`autobook #${sequence} of ${pair.clientId}`, () => ot.distinctAutobooks(pair.clientId).find((a) => a.sequence === sequence));

  it('gives a heads-up once when one session is left before the first autobook of a package, and not again after it (R13)', async () => {
    const pair = aPair('r13');
    await ot.book(pair.packageBooked({ sessionCount: 3, price: { amount: 24000, currency: 'USD' }, ongoingTraining: true }));
    await entriesOf(pair, 1);
    await ot.complete(pair.sessionCompleted());
    await entriesOf(pair, 2);
    expect(ot.published(TOPICS.SESSION_AUTOBOOK_UPCOMING, pair.clientId)).toEqual([]);
    await ot.complete(pair.sessionCompleted());
    const [headsUp] = await waitFor('the heads-up', () => {
      const list = ot.published(TOPICS.SESSION_AUTOBOOK_UPCOMING, pair.clientId);
      return list.length > 0 && list;
    });
    expect(headsUp).toMatchObject({ sequence: 1, rate: { amount: 8000, currency: 'USD' }, coachId: pair.coachId, client: { email: expect.any(String) } });
    await ot.complete(pair.sessionCompleted());
    await autobookOf(pair, 1);
    // After the autobook, on deck is 1 again: its own email said what comes next, so no heads-up.
    await ot.complete(pair.sessionCompleted());
    await autobookOf(pair, 2);
    const entries = await entriesOf(pair, 5);
    expect(entries.filter((e) => e.changes.headsUp)).toHaveLength(1);
    expect(ot.published(TOPICS.SESSION_AUTOBOOK_UPCOMING, pair.clientId)).toEqual([headsUp]);
  });

  it('pauses auto-booking, answers 409 NOT_ENROLLED and 400 where it must, and books with trigger resume when the pause is ended through the API (R14)', async () => {
    const pair = aPair('r14-api');
    const token = tokenFor('client', pair.clientId);
    const until = new Date(Date.now() + 2 * HOUR).toISOString();
    expect(await ot.api('PUT', `${base(pair)}/pause`, { token, body: { until } })).toMatchObject({ status: 409, body: { code: 'NOT_ENROLLED' } });
    await ot.book(pair.packageBooked({ sessionCount: 1, price: { amount: 7000, currency: 'USD' } }));
    await entriesOf(pair, 1);
    expect(await ot.api('PUT', `${base(pair)}/pause`, { token, body: { until } })).toMatchObject({ status: 409, body: { code: 'NOT_ENROLLED' } });
    expect(await ot.api('PUT', base(pair), { token, body: { enrolled: true } })).toMatchObject({ status: 200, body: { enrolled: true, sessionsOnDeck: 1 } });
    for (const bad of [new Date(Date.now() - HOUR).toISOString(), new Date(Date.now() + 181 * 24 * HOUR).toISOString(), 'tomorrow']) {
      expect(await ot.api('PUT', `${base(pair)}/pause`, { token, body: { until: bad } })).toMatchObject({ status: 400, body: { code: 'INVALID_BODY' } });
    }
    expect(await ot.api('PUT', `${base(pair)}/pause`, { token: tokenFor('coach', pair.coachId), body: { until } })).toMatchObject({ status: 403 });
    expect(await ot.api('PUT', `${base(pair)}/pause`, { token, body: { until } })).toMatchObject({ status: 200, body: { pausedUntil: until, enrolled: true } });

    await ot.complete(pair.sessionCompleted());
    const [paused] = await entriesOf(pair, 4);
    expect(paused).toMatchObject({ outcome: 'no-autobook', reason: 'paused', changes: { sessionsOnDeck: { to: 0 } } });
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({ pausedUntil: until, sessionsOnDeck: 0 });

    const ended = await ot.api('DELETE', `${base(pair)}/pause`, { token });
    expect(ended).toMatchObject({ status: 200, body: { pausedUntil: null, sessionsOnDeck: 1, autobooked: { sequence: 1, trigger: { type: 'resume' } } } });
    expect((await autobookOf(pair, 1)).trigger).toEqual({ type: 'resume' });
    // Ending it again changes nothing and stores nothing.
    expect(await ot.api('DELETE', `${base(pair)}/pause`, { token })).toMatchObject({ status: 200, body: { pausedUntil: null } });
    expect(await ot.history(pair.clientId, pair.coachId)).toHaveLength(5);
  });

  it('ends a pause by itself when its time comes, exactly once, even with a second instance checking too (R14)', async () => {
    const pair = aPair('r14-time');
    const token = tokenFor('client', pair.clientId);
    await ot.book(pair.packageBooked({ sessionCount: 1, ongoingTraining: true }));
    await entriesOf(pair, 1);
    const until = new Date(Date.now() + 3 * HOUR).toISOString();
    expect(await ot.api('PUT', `${base(pair)}/pause`, { token, body: { until } })).toMatchObject({ status: 200 });
    await ot.complete(pair.sessionCompleted());
    await entriesOf(pair, 3);
    // A second instance of the service, with the same clock: both look for due pauses every 200 ms.
    const second = await ot.startApp({ CLOCK_OFFSET_FILE: clockFile, PAUSE_CHECK_MS: '200', KAFKA_GROUP_ID: `${ot.groupId}-second` });
    moveClock(3 * HOUR + 60 * 1000);
    const autobook = await autobookOf(pair, 1);
    expect(autobook.trigger).toEqual({ type: 'resume' });
    const entries = await entriesOf(pair, 4);
    expect(entries.filter((e) => e.input.type === 'resume')).toEqual([
      expect.objectContaining({ input: { type: 'resume', cause: 'time' }, outcome: 'autobooked' }),
    ]);
    // Both instances kept checking meanwhile: still one resume, one autobook.
    await ot.complete(pair.sessionCompleted());
    await entriesOf(pair, 5);
    expect((await ot.history(pair.clientId, pair.coachId)).filter((e: { input: { type: string } }) => e.input.type === 'resume')).toHaveLength(1);
    expect(ot.distinctAutobooks(pair.clientId).filter((a) => a.trigger.type === 'resume')).toHaveLength(1);
    await second.stop();
    moveClock(0);
  });

  it('voids the autobook a completion made when that completion is undone, once, and never reuses its sequence (R15)', async () => {
    const pair = aPair('r15');
    await ot.book(pair.packageBooked({ sessionCount: 1, price: { amount: 9000, currency: 'EUR' }, ongoingTraining: true }));
    const trigger = pair.sessionCompleted();
    await ot.complete(trigger);
    const first = await autobookOf(pair, 1);
    const revert = pair.completionReverted(trigger.sessionId);
    await ot.send(TOPICS.SESSION_COMPLETION_REVERTED, revert);
    const [voided] = await waitFor('the void', () => {
      const list = ot.published(TOPICS.SESSION_AUTOBOOK_VOIDED, pair.clientId);
      return list.length > 0 && list;
    });
    expect(voided).toMatchObject({
      autobookEventId: first.eventId,
      sequence: 1,
      rate: { amount: 9000, currency: 'EUR' },
      reason: { type: 'completion-reverted', sessionId: trigger.sessionId, eventId: revert.eventId },
    });
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({ sessionsOnDeck: 1 });
    // The same revert again, under a new eventId too: changes nothing.
    await ot.send(TOPICS.SESSION_COMPLETION_REVERTED, revert, { ...revert, eventId: `${revert.eventId}-again` });
    await ot.complete(pair.sessionCompleted());
    const second = await autobookOf(pair, 2);
    expect(second.eventId).not.toBe(first.eventId);
    const entries = await entriesOf(pair, 4);
    expect(entries.map((e) => e.input.type)).toEqual(['session.completed', 'session.completion.reverted', 'session.completed', 'package.booked']);
    expect(ot.published(TOPICS.SESSION_AUTOBOOK_VOIDED, pair.clientId)).toHaveLength(1);
  });

  it('holds autobooks while a payment failed and books again when it succeeds; dead-letters payments of autobooks the pair never made (R16)', async () => {
    const pair = aPair('r16');
    await ot.book(pair.packageBooked({ sessionCount: 1, ongoingTraining: true }));
    await ot.complete(pair.sessionCompleted());
    const first = await autobookOf(pair, 1);
    await ot.send(TOPICS.PAYMENT_FAILED, pair.paymentFailed(first.eventId, { occurredAt: '2026-11-20T10:00:00Z' }));
    await ot.waitForPair(pair.clientId, pair.coachId, 'the payment hold', (p) => p.paymentPending?.length === 1);
    await ot.complete(pair.sessionCompleted({ packageId: first.eventId }));
    const [held] = await entriesOf(pair, 4);
    expect(held).toMatchObject({ outcome: 'no-autobook', reason: 'payment-pending', changes: { sessionsOnDeck: { to: 0 } } });
    // An older success arriving late does not release it (latest by occurredAt wins).
    await ot.send(TOPICS.PAYMENT_SUCCEEDED, pair.paymentSucceeded(first.eventId, { occurredAt: '2026-11-19T10:00:00Z' }));
    await ot.send(TOPICS.PAYMENT_SUCCEEDED, pair.paymentSucceeded(first.eventId, { occurredAt: '2026-11-21T10:00:00Z' }));
    const second = await autobookOf(pair, 2);
    expect(second.trigger).toMatchObject({ type: 'payment.succeeded' });
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({ paymentPending: [], sessionsOnDeck: 1 });

    await ot.send(TOPICS.PAYMENT_FAILED, pair.paymentFailed('an-autobook-of-no-one'));
    const letter = await waitFor('the dead letter', () => ot.deadLetters(TOPICS.PAYMENT_FAILED).find((m) => m.key === pair.clientId));
    expect(ot.probe.deadLetterReason(letter)).toContain('UNKNOWN_AUTOBOOK');
  });

  it('publishes no second void, heads-up or autobook when every new topic is produced again (R10)', async () => {
    const pair = aPair('replay-new');
    await ot.book(pair.packageBooked({ sessionCount: 2, ongoingTraining: true }));
    await ot.complete(pair.sessionCompleted());
    const trigger = pair.sessionCompleted();
    await ot.complete(trigger);
    const first = await autobookOf(pair, 1);
    const revert = pair.completionReverted(trigger.sessionId);
    const failed = pair.paymentFailed(first.eventId, { occurredAt: '2026-11-20T10:00:00Z' });
    const succeeded = pair.paymentSucceeded(first.eventId, { occurredAt: '2026-11-21T10:00:00Z' });
    await ot.send(TOPICS.PAYMENT_FAILED, failed);
    await ot.send(TOPICS.PAYMENT_SUCCEEDED, succeeded);
    await ot.send(TOPICS.SESSION_COMPLETION_REVERTED, revert);
    await waitFor('the void', () => ot.published(TOPICS.SESSION_AUTOBOOK_VOIDED, pair.clientId).length === 1);
    const settled = await entriesOf(pair, 6);

    await ot.send(TOPICS.PAYMENT_FAILED, failed);
    await ot.send(TOPICS.PAYMENT_SUCCEEDED, succeeded);
    await ot.send(TOPICS.SESSION_COMPLETION_REVERTED, revert);
    const admin = ot.probe.kafka.admin();
    await admin.connect();
    try {
      await waitForGroupCaughtUp(
        admin,
        ot.groupId,
        INPUT_TOPICS.map((t) => ot.topic(t)),
      );
    } finally {
      await admin.disconnect();
    }
    expect(await ot.history(pair.clientId, pair.coachId)).toEqual(settled);
    expect(ot.published(TOPICS.SESSION_AUTOBOOK_VOIDED, pair.clientId)).toHaveLength(1);
    expect(ot.published(TOPICS.SESSION_AUTOBOOK_UPCOMING, pair.clientId)).toHaveLength(1);
    expect(ot.distinctAutobooks(pair.clientId)).toHaveLength(1);
  });

  it('counts heads-ups, voids, resumes by cause and payment outcomes in its metrics (R13..R16)', async () => {
    const metrics = await (await fetch(`${ot.app.metricsUrl}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? 0);
    expect(value(/^ongoing_training_heads_ups_total (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^ongoing_training_autobooks_voided_total (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^ongoing_training_resumes_total\{cause="api"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^ongoing_training_payment_outcomes_total\{status="failed"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^ongoing_training_payment_outcomes_total\{status="succeeded"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^ongoing_training_events_published_total\{topic="session.autobook.upcoming"\} \d+/m);
    expect(metrics).toMatch(/^ongoing_training_pauses_active \d+/m);
  });

  it('after a SIGKILL while a pause is due and reverts and payments are in flight, ends the pause once and voids, holds and books once each (R10, R14..R16)', async () => {
    // An instance that never looks for due pauses (60 s), so the pause is due, and not yet ended, at the crash.
    const crashing = await ot.startApp({ CLOCK_OFFSET_FILE: clockFile, PAUSE_CHECK_MS: '60000', KAFKA_GROUP_ID: `${ot.groupId}-crash` });
    await Promise.all(ot.apps.filter((a) => a !== crashing && a.running).map((a) => a.stop()));
    const paused = aPair('crash-pause');
    const reverted = aPair('crash-revert');
    const held = aPair('crash-hold');
    for (const p of [paused, reverted, held]) await ot.book(p.packageBooked({ sessionCount: 1, ongoingTraining: true }));
    await entriesOf(paused, 1);
    const until = new Date(Date.now() + HOUR).toISOString();
    expect(await ot.api('PUT', `${base(paused)}/pause`, { token: tokenFor('client', paused.clientId), body: { until } })).toMatchObject({ status: 200 });
    await ot.complete(paused.sessionCompleted());
    const trigger = reverted.sessionCompleted();
    await ot.complete(trigger, held.sessionCompleted());
    const [voidable, holdable] = await Promise.all([autobookOf(reverted, 1), autobookOf(held, 1)]);
    moveClock(HOUR + 60 * 1000);
    // In flight at the crash: the revert, a failed then a succeeded payment, more completions.
    await ot.send(TOPICS.SESSION_COMPLETION_REVERTED, reverted.completionReverted(trigger.sessionId));
    await ot.send(TOPICS.PAYMENT_FAILED, held.paymentFailed(holdable.eventId, { occurredAt: '2026-11-20T10:00:00Z' }));
    await ot.complete(held.sessionCompleted());
    await ot.send(TOPICS.PAYMENT_SUCCEEDED, held.paymentSucceeded(holdable.eventId, { occurredAt: '2026-11-21T10:00:00Z' }));
    await crashing.kill();
    expect(crashing.exitSignal).toBe('SIGKILL');

    await ot.startApp({ CLOCK_OFFSET_FILE: clockFile, PAUSE_CHECK_MS: '200', KAFKA_GROUP_ID: `${ot.groupId}-crash` });
    const resumed = await autobookOf(paused, 1);
    expect(resumed.trigger).toEqual({ type: 'resume' });
    await waitFor('the void', () => ot.published(TOPICS.SESSION_AUTOBOOK_VOIDED, reverted.clientId).length === 1);
    expect(ot.published(TOPICS.SESSION_AUTOBOOK_VOIDED, reverted.clientId)[0]).toMatchObject({ autobookEventId: voidable.eventId });
    // The completion and the payments come on three topics: whichever order they are read in, one more autobook.
    await autobookOf(held, 2);
    const admin = ot.probe.kafka.admin();
    await admin.connect();
    try {
      await waitForGroupCaughtUp(
        admin,
        `${ot.groupId}-crash`,
        INPUT_TOPICS.map((t) => ot.topic(t)),
      );
    } finally {
      await admin.disconnect();
    }
    expect((await ot.history(paused.clientId, paused.coachId)).filter((e: { input: { type: string } }) => e.input.type === 'resume')).toHaveLength(1);
    expect(ot.distinctAutobooks(paused.clientId)).toHaveLength(1);
    expect(ot.distinctAutobooks(reverted.clientId)).toHaveLength(1);
    expect(ot.distinctAutobooks(held.clientId)).toHaveLength(2);
    for (const p of [paused, reverted, held]) expect(ot.published(TOPICS.SESSION_AUTOBOOK_UPCOMING, p.clientId)).toHaveLength(1);
    moveClock(0);
  });
});
