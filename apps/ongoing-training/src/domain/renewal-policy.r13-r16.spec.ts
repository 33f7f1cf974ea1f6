// R13..R16: heads-up, pause, completion undone, payment hold. Each `it` reads as the rule it checks.
import { NotEnrolledError, UnknownAutobookError } from './errors.js';
import { emptyPair, PairState, sessionsOnDeck } from './pair-state.js';
import { toPairView } from './pair-view.js';
import type { RenewalInput } from './renewal-input.js';
import { decide } from './renewal-policy.js';
import {
  at,
  booked,
  CLIENT,
  CLIENT_ID,
  COACH,
  COACH_ID,
  completed,
  deepFreeze,
  enrollment,
  enrolledWith,
  entryOf,
  lastDecision,
  minute,
  outcomeOf,
  pause,
  paymentFailed,
  paymentSucceeded,
  play,
  publishedAutobooks,
  publishedHeadsUps,
  readableAutobookEventId,
  readableUpcomingEventId,
  resume,
  reverted,
  usd,
} from './testing/builders.js';

const T1 = '2026-11-01T10:00:00Z';
const T2 = '2026-11-02T10:00:00Z';
const T3 = '2026-11-03T10:00:00Z';
const NOW = '2026-12-01T12:00:00Z';
/** Pause dates, after the test clock (which runs on 2026-12-01). */
const U1 = '2026-12-10T09:00:00.000Z';
const U2 = '2026-12-20T09:00:00.000Z';

const AB = (sequence: number) => readableAutobookEventId(CLIENT_ID, COACH_ID, sequence);
const UPCOMING = (sequence: number) => readableUpcomingEventId(CLIENT_ID, COACH_ID, sequence);

/** A pair (package p1 of 1 session, switched on) whose completion of s1 made autobook 1: 1 on deck. */
function withOneAutobook(): PairState {
  const { state } = play([completed({ sessionId: 's1', eventId: 'e-s1' })], enrolledWith(1));
  expect(state.autobookCount).toBe(1);
  return state;
}

describe('R13 heads-up before the first autobook of a package', () => {
  it('publishes the heads-up when an input leaves exactly 1 on deck on an enrolled, offered pair with no autobook since its package (R13)', () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2, price: usd(30000), ongoingTraining: true }),
      completed({ sessionId: 's1' }),
    ]);
    expect(played.decisions[0]!.upcoming).toBeNull(); // 2 on deck
    const decision = lastDecision(played);
    expect(decision.upcoming).toEqual({
      eventId: UPCOMING(1),
      occurredAt: minute(2),
      clientId: CLIENT_ID,
      coachId: COACH_ID,
      sequence: 1,
      rate: usd(15000),
      ratePackageId: 'p1',
      client: CLIENT,
      coach: COACH,
    });
    // Nothing is booked yet, and the history says a heads-up went out for sequence 1.
    expect(decision.autobooked).toBeNull();
    expect(entryOf(decision)).toMatchObject({
      outcome: 'no-autobook',
      reason: 'sessions-on-deck',
      changes: { headsUp: { sequence: 1, eventId: UPCOMING(1) } },
    });
    expect(decision.state.headsUpSequence).toBe(1);
  });

  it('publishes it at checkout when the package alone leaves 1 on deck, and when the switch is turned on at 1 on deck (R13)', () => {
    expect(lastDecision(play([booked({ packageId: 'p1', sessionCount: 1, ongoingTraining: true })])).upcoming).toMatchObject({ sequence: 1 });
    const switched = play([booked({ packageId: 'p1', sessionCount: 1 }), enrollment(true)]);
    expect(switched.decisions[0]!.upcoming).toBeNull(); // not enrolled yet
    expect(lastDecision(switched).upcoming).toMatchObject({ sequence: 1, eventId: UPCOMING(1) });
  });

  it('sends it once per sequence: on deck 1 -> 2 -> 1 sends no second one (R13)', () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2, ongoingTraining: true }),
      completed({ sessionId: 's1' }), // 1 on deck: heads-up
      reverted({ sessionId: 's1' }), // 2 on deck
      completed({ sessionId: 's2' }), // 1 on deck again
      booked({ packageId: 'p2', occurredAt: T2, sessionCount: 1 }), // 2 on deck, a new package
      completed({ sessionId: 's3' }), // 1 on deck again, sequence 1 still next
    ]);
    expect(played.decisions.map((d) => sessionsOnDeck(d.state))).toEqual([2, 1, 2, 1, 2, 1]);
    expect(publishedHeadsUps(played.decisions).map((u) => u.sequence)).toEqual([1]);
    expect(played.decisions.map((d) => d.upcoming !== null)).toEqual([false, true, false, false, false, false]);
  });

  it('sends none after an autobook: its own email said the next completion books another (R13)', () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2, ongoingTraining: true }),
      completed({ sessionId: 's1' }), // heads-up 1
      completed({ sessionId: 's2' }), // autobook 1, 1 on deck
      completed({ sessionId: 'auto-1' }), // autobook 2, 1 on deck
      reverted({ sessionId: 's1' }), // an older completion undone: 2 on deck
      completed({ sessionId: 's3' }), // 1 on deck, but autobooks were made since the package
    ]);
    expect(publishedAutobooks(played.decisions).map((a) => a.sequence)).toEqual([1, 2]);
    expect(sessionsOnDeck(lastDecision(played).state)).toBe(1);
    expect(publishedHeadsUps(played.decisions).map((u) => u.sequence)).toEqual([1]);
    // An autobook decision never carries a heads-up.
    for (const decision of played.decisions) if (decision.autobooked) expect(decision.upcoming).toBeNull();
  });

  it('sends one again once a new package arrives after an autobook, for the next sequence (R13)', () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 1, ongoingTraining: true }), // heads-up 1
      completed({ sessionId: 's1' }), // autobook 1
      booked({ packageId: 'p2', occurredAt: T2, sessionCount: 2, price: usd(9000) }), // 3 on deck
      completed({ sessionId: 's2' }), // 2
      completed({ sessionId: 's3' }), // 1: heads-up 2, at the new rate
    ]);
    expect(publishedHeadsUps(played.decisions).map((u) => [u.sequence, u.eventId])).toEqual([
      [1, UPCOMING(1)],
      [2, UPCOMING(2)],
    ]);
    expect(lastDecision(played).upcoming).toMatchObject({ rate: usd(4500), ratePackageId: 'p2' });
  });

  it('sends none while paused, while a payment is pending, on a custom package, or while switched off (R13)', () => {
    const paused = play([pause(U1), completed({ sessionId: 's1' })], enrolledWith(2));
    expect(sessionsOnDeck(paused.state)).toBe(1);
    expect([outcomeOf(lastDecision(paused)), lastDecision(paused).upcoming]).toEqual(['paused', null]);

    const held = play(
      [
        paymentFailed({ autobookEventId: AB(1) }),
        booked({ packageId: 'p2', occurredAt: T2, sessionCount: 2 }),
        completed({ sessionId: 's2' }),
        completed({ sessionId: 's3' }),
      ],
      withOneAutobook(),
    );
    expect(sessionsOnDeck(held.state)).toBe(1);
    expect([outcomeOf(lastDecision(held)), lastDecision(held).upcoming]).toEqual(['payment-pending', null]);

    const custom = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2, autoRenewal: false, ongoingTraining: true }),
      completed({ sessionId: 's1' }),
    ]);
    expect(custom.state.enrolled).toBe(true);
    expect([outcomeOf(lastDecision(custom)), lastDecision(custom).upcoming]).toEqual(['auto-renewal-not-offered', null]);

    const off = play([booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2 }), completed({ sessionId: 's1' })]);
    expect([outcomeOf(lastDecision(off)), lastDecision(off).upcoming]).toEqual(['not-enrolled', null]);
  });

  it('gives the heads-up a stable eventId: the same pair and sequence, the same id, whenever it is decided (R13)', () => {
    const state = enrolledWith(2);
    const first = decide(state, completed({ sessionId: 's1' }), at(NOW));
    const again = decide(state, completed({ sessionId: 's1', eventId: 'other' }), at('2026-12-02T08:00:00Z'));
    expect(first.upcoming!.eventId).toBe(UPCOMING(1));
    expect(again.upcoming!.eventId).toBe(first.upcoming!.eventId);
    // Another pair, the same sequence: another id.
    const other = play([
      booked({ clientId: 'client-2', packageId: 'p9', sessionCount: 2, ongoingTraining: true }),
      completed({ clientId: 'client-2', sessionId: 's1' }),
    ]);
    expect(lastDecision(other).upcoming!.eventId).toBe(readableUpcomingEventId('client-2', COACH_ID, 1));
    expect(lastDecision(other).upcoming!.eventId).not.toBe(first.upcoming!.eventId);
  });

  it("gives it the next autobook's sequence, a voided one counted (R13, R15)", () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 1, ongoingTraining: true }), // heads-up 1
      completed({ sessionId: 's1' }), // autobook 1
      reverted({ sessionId: 's1' }), // autobook 1 voided
      booked({ packageId: 'p2', occurredAt: T2, sessionCount: 2 }), // 3 on deck
      completed({ sessionId: 's2' }),
      completed({ sessionId: 's3' }), // 1 on deck: heads-up for sequence 2
      completed({ sessionId: 's4' }), // autobook 2
    ]);
    expect(played.decisions[2]!.voided).toMatchObject({ sequence: 1 });
    const headsUps = publishedHeadsUps(played.decisions);
    const autobooks = publishedAutobooks(played.decisions);
    expect(headsUps.map((u) => u.sequence)).toEqual([1, 2]);
    expect(autobooks.map((a) => a.sequence)).toEqual([1, 2]);
    expect(headsUps[1]).toMatchObject({ rate: autobooks[1]!.rate, ratePackageId: autobooks[1]!.ratePackageId });
  });

  it('sends it when a resume leaves 1 on deck (R13, R14)', () => {
    const played = play([pause(U1), completed({ sessionId: 's1' }), resume('api')], enrolledWith(2));
    expect(played.decisions.map((d) => d.upcoming?.sequence ?? null)).toEqual([null, null, 1]);
    expect(outcomeOf(lastDecision(played))).toBe('sessions-on-deck');
  });

  it('sends it when a payment success that lifts the hold leaves 1 on deck (R13, R16)', () => {
    const played = play(
      [
        paymentFailed({ autobookEventId: AB(1) }),
        booked({ packageId: 'p2', occurredAt: T2, sessionCount: 2 }),
        completed({ sessionId: 's2' }),
        completed({ sessionId: 's3' }),
        paymentSucceeded({ autobookEventId: AB(1) }),
      ],
      withOneAutobook(),
    );
    expect(played.decisions.map((d) => d.upcoming?.sequence ?? null)).toEqual([null, null, null, null, 2]);
    expect(lastDecision(played).autobooked).toBeNull();
  });
});

describe('R14 pause until a date', () => {
  it('pauses an enrolled pair until a time, keeps the switch on and books nothing while paused (R14)', () => {
    const played = play([pause(U1), completed({ sessionId: 's1' }), completed({ sessionId: 's2' })], enrolledWith(1));
    const [paused, first, second] = played.decisions;
    expect(entryOf(paused!)).toMatchObject({ input: { type: 'pause', until: U1 }, changes: { pausedUntil: { from: null, to: U1 } } });
    expect(paused!.state).toMatchObject({ enrolled: true, pausedUntil: U1 });
    expect([outcomeOf(first!), outcomeOf(second!)]).toEqual(['paused', 'paused']);
    expect(publishedAutobooks(played.decisions)).toEqual([]);
    expect(sessionsOnDeck(played.state)).toBe(-1);
    expect(toPairView(played.state)).toMatchObject({ enrolled: true, pausedUntil: U1, sessionsOnDeck: -1 });
  });

  it('refuses to pause a pair that is not enrolled, or has no package, with NOT_ENROLLED and stores nothing (R14)', () => {
    expect(() => decide(null, pause(U1), at(NOW))).toThrow(NotEnrolledError);
    const notEnrolled = deepFreeze(play([booked({ packageId: 'p1' })]).state);
    expect(() => decide(notEnrolled, pause(U1), at(NOW))).toThrow(NotEnrolledError);
    const switchedOff = deepFreeze(play([enrollment(false)], enrolledWith(2)).state);
    try {
      decide(switchedOff, pause(U1), at(NOW));
      throw new Error('expected a NotEnrolledError');
    } catch (error) {
      expect(error).toBeInstanceOf(NotEnrolledError);
      expect(error).toMatchObject({ code: 'NOT_ENROLLED', clientId: CLIENT_ID, coachId: COACH_ID });
    }
    expect(switchedOff.pausedUntil).toBeNull();
  });

  it('replaces the date with a new pause, and ignores the same date again (R14)', () => {
    const played = play([pause(U1), pause(U2), pause(U2)], enrolledWith(2));
    expect(entryOf(played.decisions[1]!).changes.pausedUntil).toEqual({ from: U1, to: U2 });
    expect(played.decisions[2]!.ignored).toBe('unchanged');
    expect(played.state.pausedUntil).toBe(U2);
  });

  it('ends the pause when the switch is turned off through the API (R14)', () => {
    const played = play([pause(U1), enrollment(false)], enrolledWith(2));
    expect(entryOf(lastDecision(played)).changes.pausedUntil).toEqual({ from: U1, to: null });
    expect(played.state).toMatchObject({ enrolled: false, pausedUntil: null });
    // Switched on again, it is not paused any more.
    expect(play([enrollment(true)], played.state).state).toMatchObject({ enrolled: true, pausedUntil: null });
  });

  it('ends the pause when a checkout turns the switch off (ongoingTraining false) (R14)', () => {
    const played = play([pause(U1), booked({ packageId: 'p2', occurredAt: T2, ongoingTraining: false })], enrolledWith(2));
    expect(entryOf(lastDecision(played)).changes.pausedUntil).toEqual({ from: U1, to: null });
    expect(played.state).toMatchObject({ enrolled: false, pausedUntil: null });
    // A checkout that leaves the switch on keeps the pause.
    const kept = play([pause(U1), booked({ packageId: 'p2', occurredAt: T2, ongoingTraining: true })], enrolledWith(2));
    expect(kept.state).toMatchObject({ enrolled: true, pausedUntil: U1 });
  });

  it('books one session with trigger resume when the pause ends with 0 on deck, once (R14)', () => {
    const played = play([pause(U1), completed({ sessionId: 's1' }), resume('api'), resume('api')], enrolledWith(1));
    const [, held, resumed, again] = played.decisions;
    expect(outcomeOf(held!)).toBe('paused');
    expect(resumed!.autobooked).toMatchObject({ sequence: 1, eventId: AB(1), trigger: { type: 'resume' }, rate: usd(30000) });
    expect(entryOf(resumed!)).toMatchObject({ input: { type: 'resume', cause: 'api' }, changes: { pausedUntil: { from: U1, to: null } } });
    expect(again!.ignored).toBe('unchanged');
    expect(publishedAutobooks(played.decisions)).toHaveLength(1);
    expect(played.state).toMatchObject({ pausedUntil: null, autobookCount: 1 });
  });

  it('books the same way when the pause ends by its time (R14)', () => {
    const played = play([pause(U1), completed({ sessionId: 's1' }), resume('time', U1)], enrolledWith(1));
    expect(lastDecision(played).autobooked).toMatchObject({ sequence: 1, trigger: { type: 'resume' } });
    expect(entryOf(lastDecision(played)).input).toEqual({ type: 'resume', cause: 'time' });
  });

  it('books nothing when the pause ends with sessions on deck (R14)', () => {
    const played = play([pause(U1), resume('api')], enrolledWith(3));
    expect(lastDecision(played).autobooked).toBeNull();
    expect(outcomeOf(lastDecision(played))).toBe('sessions-on-deck');
    expect(played.state.pausedUntil).toBeNull();
  });

  it('ignores a time resume whose until is not the current pause: replaced, or ended and paused again (R14)', () => {
    const replaced = play([pause(U1), completed({ sessionId: 's1' }), pause(U2)], enrolledWith(1)).state;
    const stale = decide(replaced, resume('time', U1), at(NOW));
    expect(stale).toMatchObject({ ignored: 'unchanged', autobooked: null, entry: null });
    expect(stale.state).toBe(replaced);
    expect(decide(replaced, resume('time', U2), at(NOW)).autobooked).toMatchObject({ trigger: { type: 'resume' } });

    const ended = play([pause(U1), resume('api')], enrolledWith(2)).state;
    expect(decide(ended, resume('time', U1), at(NOW)).ignored).toBe('unchanged');
  });

  it('changes nothing when a pair that is not paused is resumed (R14)', () => {
    const state = enrolledWith(1);
    expect(decide(state, resume('api'), at(NOW))).toEqual({ state, autobooked: null, upcoming: null, voided: null, entry: null, ignored: 'unchanged' });
    const notEnrolled = play([booked({ packageId: 'p1' })]).state;
    expect(decide(notEnrolled, resume('api'), at(NOW)).ignored).toBe('unchanged');
    expect(decide(notEnrolled, resume('time', U1), at(NOW)).ignored).toBe('unchanged');
    // With no package there is no switch to pause or resume: refused like the pause.
    expect(() => decide(null, resume('api'), at(NOW))).toThrow(NotEnrolledError);
  });
});

describe('R15 a completion undone', () => {
  it('voids the latest autobook when its triggering completion is reverted, and on deck goes back to before that completion (R15)', () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2, price: usd(30000), ongoingTraining: true }),
      completed({ sessionId: 's1' }), // 1 on deck
      completed({ sessionId: 's2', eventId: 'e-s2' }), // autobook 1, 1 on deck
      reverted({ sessionId: 's2', eventId: 'r-s2' }),
    ]);
    const onDeckBeforeCompletion = sessionsOnDeck(played.decisions[1]!.state);
    const decision = lastDecision(played);
    expect(decision.voided).toEqual({
      eventId: `${AB(1)}.voided`,
      occurredAt: minute(4),
      clientId: CLIENT_ID,
      coachId: COACH_ID,
      autobookEventId: AB(1),
      sequence: 1,
      rate: usd(15000),
      reason: { type: 'completion-reverted', sessionId: 's2', eventId: 'r-s2' },
      client: CLIENT,
      coach: COACH,
    });
    expect(decision.autobooked).toBeNull();
    expect(sessionsOnDeck(decision.state)).toBe(onDeckBeforeCompletion);
    expect(entryOf(decision).changes).toMatchObject({
      completionReverted: { sessionId: 's2', pending: false },
      voided: { sequence: 1, autobookEventId: AB(1), eventId: `${AB(1)}.voided`, rate: usd(15000) },
      sessionsOnDeck: { from: 1, to: 1 },
    });
    expect(decision.state).toMatchObject({ completedSessionIds: ['s1'], voidedSequences: [1], autobookCount: 1 });
  });

  it('gives the void a stable eventId: the same autobook voided, the same id (R15)', () => {
    const before = play([completed({ sessionId: 's1' })], enrolledWith(1)).state;
    const once = decide(before, reverted({ sessionId: 's1', eventId: 'r1' }), at(NOW));
    const replayed = decide(before, reverted({ sessionId: 's1', eventId: 'r1' }), at('2026-12-03T08:00:00Z'));
    expect(once.voided!.eventId).toBe(replayed.voided!.eventId);
    expect(once.voided!.eventId).toBe(`${AB(1)}.voided`);
  });

  it('only adds 1 on deck when an older completion is reverted (R15)', () => {
    const played = play([completed({ sessionId: 's1' }), completed({ sessionId: 's2' }), reverted({ sessionId: 's1' })], enrolledWith(2));
    const decision = lastDecision(played);
    expect(publishedAutobooks(played.decisions).map((a) => a.trigger.sessionId)).toEqual(['s2']);
    expect(decision.voided).toBeNull();
    expect(entryOf(decision).changes.sessionsOnDeck).toEqual({ from: 1, to: 2 });
    expect(decision.state).toMatchObject({ voidedSequences: [], autobookCount: 1 });
  });

  it('does not void an older autobook: only the latest one is taken back (R15)', () => {
    // s1 made autobook 1, auto-1 made autobook 2; reverting s1 leaves both.
    const played = play([completed({ sessionId: 's1' }), completed({ sessionId: 'auto-1' }), reverted({ sessionId: 's1' })], enrolledWith(1));
    expect(lastDecision(played).voided).toBeNull();
    expect(sessionsOnDeck(played.state)).toBe(2);
  });

  it('cancels out a completion that arrives after its revert: nothing is booked for it (R15, R11)', () => {
    const revertFirst = play([reverted({ sessionId: 's1' }), completed({ sessionId: 's1' })], enrolledWith(1));
    const [revert, completion] = revertFirst.decisions;
    expect(entryOf(revert!).changes.completionReverted).toEqual({ sessionId: 's1', pending: true });
    expect(sessionsOnDeck(revert!.state)).toBe(1);
    expect(completion).toMatchObject({ ignored: 'duplicate', autobooked: null, entry: null });
    expect(revertFirst.state).toMatchObject({ autobookCount: 0, completedSessionIds: [] });

    // In occurredAt order the autobook is made then voided: the same on deck, no autobook standing.
    const inOrder = play([completed({ sessionId: 's1' }), reverted({ sessionId: 's1' })], enrolledWith(1));
    expect(sessionsOnDeck(inOrder.state)).toBe(sessionsOnDeck(revertFirst.state));
    expect(inOrder.state.autobookCount - inOrder.state.voidedSequences.length).toBe(0);
  });

  it('treats the same session reverted twice as a duplicate, whatever its eventId (R15, R10)', () => {
    const played = play(
      [completed({ sessionId: 's1' }), reverted({ sessionId: 's1', eventId: 'r1' }), reverted({ sessionId: 's1', eventId: 'r2' })],
      enrolledWith(1),
    );
    const [, first, second] = played.decisions;
    expect(first!.voided).not.toBeNull();
    expect(second).toMatchObject({ ignored: 'duplicate', voided: null, entry: null });
    expect(second!.state).toBe(first!.state);
  });

  it('never reuses a voided sequence: the next autobook has the next number (R15)', () => {
    const played = play([completed({ sessionId: 's1' }), reverted({ sessionId: 's1' }), completed({ sessionId: 's2' })], enrolledWith(1));
    expect(publishedAutobooks(played.decisions).map((a) => [a.sequence, a.eventId])).toEqual([
      [1, AB(1)],
      [2, AB(2)],
    ]);
    expect(played.state).toMatchObject({ autobookCount: 2, voidedSequences: [1] });
    expect(sessionsOnDeck(played.state)).toBe(1);
  });

  it('lifts the payment hold of the autobook it voids, and keeps one on deck (R15, R16, R5)', () => {
    const played = play([paymentFailed({ autobookEventId: AB(1) }), completed({ sessionId: 's2' }), reverted({ sessionId: 's1' })], withOneAutobook());
    const [, held, revert] = played.decisions;
    expect(outcomeOf(held!)).toBe('payment-pending');
    expect(revert!.voided).toMatchObject({ sequence: 1 });
    expect(revert!.autobooked).toMatchObject({ sequence: 2 });
    expect(toPairView(played.state)).toMatchObject({ paymentPending: [], sessionsOnDeck: 1 });
  });
});

describe('R16 payment hold', () => {
  it('puts the autobook in paymentPending and blocks autobooks on payment.failed (R16)', () => {
    const played = play([paymentFailed({ autobookEventId: AB(1), eventId: 'pf1', occurredAt: T2 }), completed({ sessionId: 'auto-1' })], withOneAutobook());
    const [failed, held] = played.decisions;
    expect(entryOf(failed!)).toMatchObject({
      input: { type: 'payment.failed', eventId: 'pf1', occurredAt: T2, autobookEventId: AB(1) },
      changes: { payment: { autobookEventId: AB(1), sequence: 1, status: 'failed', occurredAt: T2, eventId: 'pf1' } },
      reason: 'payment-pending',
    });
    expect(toPairView(failed!.state).paymentPending).toEqual([AB(1)]);
    expect(sessionsOnDeck(held!.state)).toBe(0);
    expect([outcomeOf(held!), held!.autobooked]).toEqual(['payment-pending', null]);
  });

  it('releases the hold on payment.succeeded and, with 0 on deck, books one with trigger payment.succeeded, once (R16)', () => {
    const played = play(
      [
        paymentFailed({ autobookEventId: AB(1), occurredAt: T2 }),
        completed({ sessionId: 'auto-1' }),
        paymentSucceeded({ autobookEventId: AB(1), eventId: 'ps1', occurredAt: T3 }),
        paymentSucceeded({ autobookEventId: AB(1), eventId: 'ps1', occurredAt: T3 }), // redelivered
      ],
      withOneAutobook(),
    );
    const [, , released, redelivered] = played.decisions;
    expect(released!.autobooked).toMatchObject({ sequence: 2, eventId: AB(2), trigger: { type: 'payment.succeeded', eventId: 'ps1' } });
    expect(redelivered).toMatchObject({ autobooked: null, entry: null });
    expect(redelivered!.ignored).not.toBeNull();
    expect(publishedAutobooks(played.decisions).map((a) => a.sequence)).toEqual([2]);
    expect(toPairView(played.state)).toMatchObject({ paymentPending: [], sessionsOnDeck: 1 });
  });

  it('keeps nothing pending when a success arrives before an older failure: the latest occurredAt wins (R16, R11)', () => {
    const played = play(
      [
        paymentSucceeded({ autobookEventId: AB(1), occurredAt: T3 }),
        paymentFailed({ autobookEventId: AB(1), occurredAt: T2 }),
        completed({ sessionId: 'auto-1' }),
      ],
      withOneAutobook(),
    );
    expect(played.decisions[1]!.ignored).toBe('unchanged');
    expect(toPairView(played.decisions[1]!.state).paymentPending).toEqual([]);
    expect(lastDecision(played).autobooked).toMatchObject({ sequence: 2, trigger: { type: 'session.completed' } });
    // A failure newer than the success holds again.
    const newer = play(
      [paymentSucceeded({ autobookEventId: AB(1), occurredAt: T2 }), paymentFailed({ autobookEventId: AB(1), occurredAt: T3 })],
      withOneAutobook(),
    );
    expect(toPairView(newer.state).paymentPending).toEqual([AB(1)]);
  });

  it('needs every pending autobook to succeed before it books again (R16)', () => {
    const twoAutobooks = play([completed({ sessionId: 'auto-1' })], withOneAutobook()).state; // autobook 2
    const played = play(
      [
        paymentFailed({ autobookEventId: AB(1) }),
        paymentFailed({ autobookEventId: AB(2) }),
        completed({ sessionId: 'auto-2' }), // 0 on deck
        paymentSucceeded({ autobookEventId: AB(1) }),
        paymentSucceeded({ autobookEventId: AB(2) }),
      ],
      twoAutobooks,
    );
    const [, bothFailed, zero, first, last] = played.decisions;
    expect(toPairView(bothFailed!.state).paymentPending).toEqual([AB(1), AB(2)]);
    expect(outcomeOf(zero!)).toBe('payment-pending');
    expect([outcomeOf(first!), toPairView(first!.state).paymentPending]).toEqual(['payment-pending', [AB(2)]]);
    expect(last!.autobooked).toMatchObject({ sequence: 3, trigger: { type: 'payment.succeeded' } });
  });

  it('throws UnknownAutobookError for a payment of an autobook the pair never made (R16, R12)', () => {
    const state = deepFreeze(withOneAutobook());
    for (const input of [
      paymentFailed({ autobookEventId: AB(2) }),
      paymentSucceeded({ autobookEventId: 'autobook-unknown' }),
      paymentFailed({ autobookEventId: readableAutobookEventId('client-2', COACH_ID, 1) }),
    ] as RenewalInput[]) {
      expect(() => decide(state, input, at(NOW))).toThrow(UnknownAutobookError);
    }
    try {
      decide(null, paymentFailed({ autobookEventId: AB(1) }), at(NOW));
      throw new Error('expected an UnknownAutobookError');
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownAutobookError);
      expect(error).toMatchObject({ code: 'UNKNOWN_AUTOBOOK', clientId: CLIENT_ID, coachId: COACH_ID, autobookEventId: AB(1) });
    }
  });

  it('knows the payment of an older autobook, not only of the latest (R16)', () => {
    const state = play([completed({ sessionId: 'auto-1' }), completed({ sessionId: 'auto-2' })], withOneAutobook()).state;
    expect(state.autobookCount).toBe(3);
    const decision = decide(state, paymentFailed({ autobookEventId: AB(1) }), at(NOW));
    expect(entryOf(decision).changes.payment).toMatchObject({ autobookEventId: AB(1), sequence: 1, status: 'failed' });
  });

  it('books once when the success releases a hold that reached 0 on deck, whatever is redelivered (R16, R10)', () => {
    const played = play(
      [
        paymentFailed({ autobookEventId: AB(1), occurredAt: T2 }),
        completed({ sessionId: 'auto-1' }),
        completed({ sessionId: 'auto-1', eventId: 'again' }),
        paymentSucceeded({ autobookEventId: AB(1), occurredAt: T3 }),
        paymentSucceeded({ autobookEventId: AB(1), eventId: 'other-success', occurredAt: T3 }),
      ],
      withOneAutobook(),
    );
    expect(played.decisions.map(outcomeOf)).toEqual(['payment-pending', 'payment-pending', 'duplicate', 'autobooked', 'unchanged']);
    expect(publishedAutobooks(played.decisions)).toHaveLength(1);
    expect(played.state.autobookCount).toBe(2);
  });

  it('shows no hold for a pair nothing is known about (R16)', () => {
    expect(toPairView(emptyPair(CLIENT_ID, COACH_ID))).toMatchObject({ pausedUntil: null, paymentPending: [] });
  });
});
