// Test data for the domain specs. Plain functions, no test-runner globals, so it compiles with the app.
import type {
  Contact,
  Money,
  PackageBooked,
  PaymentFailed,
  PaymentSucceeded,
  SessionAutobooked,
  SessionCompleted,
  SessionCompletionReverted,
} from '#contracts';
import {
  A_CLIENT,
  A_COACH,
  aPackageBooked,
  aPaymentFailed,
  aPaymentSucceeded,
  aSessionCompleted,
  aSessionCompletionReverted,
} from '#contracts/testing/builders';
import type { EntryContext } from '../compact-entry.js';
import type { Decision, HistoryEntry, IgnoredReason, NoAutobookReason } from '../decision.js';
import type { PairState } from '../pair-state.js';
import type {
  CompletionRevertedInput,
  EnrollmentInput,
  PackageBookedInput,
  PauseInput,
  PaymentInput,
  RenewalInput,
  ResumeInput,
  SessionCompletedInput,
} from '../renewal-input.js';
import { decide, DecideContext } from '../renewal-policy.js';

export const CLIENT_ID = 'client-1';
export const COACH_ID = 'coach-1';
export const CLIENT: Contact = A_CLIENT;
export const COACH: Contact = A_COACH;

export function usd(amount: number): Money {
  return { amount, currency: 'USD' };
}

// The contract builders already make a valid pair (client-1 with coach-1, 3 sessions for USD 250.00).
export { aPackageBooked, aSessionCompleted };

/** The input of a `package.booked` event. */
export function booked(overrides: Partial<PackageBooked> = {}): PackageBookedInput {
  return { type: 'package.booked', event: aPackageBooked(overrides) };
}

/** The input of a `session.completed` event. */
export function completed(overrides: Partial<SessionCompleted> = {}): SessionCompletedInput {
  return { type: 'session.completed', event: aSessionCompleted(overrides) };
}

/** The client's switch through the API. */
export function enrollment(enrolled: boolean, pair = { clientId: CLIENT_ID, coachId: COACH_ID }): EnrollmentInput {
  return { type: 'enrollment', ...pair, enrolled };
}

/** The input of a `session.completion.reverted` event (R15). */
export function reverted(overrides: Partial<SessionCompletionReverted> = {}): CompletionRevertedInput {
  return { type: 'session.completion.reverted', event: aSessionCompletionReverted(overrides) };
}

/** The input of a `payment.failed` event (R16); name the autobook with `autobookEventId`. */
export function paymentFailed(overrides: Partial<PaymentFailed> = {}): PaymentInput {
  return { type: 'payment.failed', event: aPaymentFailed(overrides) };
}

/** The input of a `payment.succeeded` event (R16). */
export function paymentSucceeded(overrides: Partial<PaymentSucceeded> = {}): PaymentInput {
  return { type: 'payment.succeeded', event: aPaymentSucceeded(overrides) };
}

/** A pause until a time, through the API (R14). */
export function pause(until: string, pair = { clientId: CLIENT_ID, coachId: COACH_ID }): PauseInput {
  return { type: 'pause', ...pair, until };
}

/** The end of a pause: through the API, or by time at the `until` it was due at (R14). */
export function resume(cause: 'api' | 'time' = 'api', until?: string, pair = { clientId: CLIENT_ID, coachId: COACH_ID }): ResumeInput {
  return { type: 'resume', ...pair, cause, ...(until === undefined ? {} : { until }) };
}

/** The `session.autobook.upcoming` payloads the decisions publish, in order (R13). */
export function publishedHeadsUps(decisions: readonly Decision[]) {
  return decisions.flatMap((decision) => (decision.upcoming === null ? [] : [decision.upcoming]));
}

/** A readable stand-in for the adapter's hashed id: the same pair and sequence give the same id. */
export function readableAutobookEventId(clientId: string, coachId: string, sequence: number): string {
  return `autobook:${clientId}:${coachId}:${sequence}`;
}

/** The same for the heads-up before the n-th autobook (R13). */
export function readableUpcomingEventId(clientId: string, coachId: string, sequence: number): string {
  return `upcoming:${clientId}:${coachId}:${sequence}`;
}

export function at(now: string): DecideContext {
  return { now, autobookEventId: readableAutobookEventId, upcomingEventId: readableUpcomingEventId };
}

/** The test pair, with the ids `at` derives: how its entries are stored and read back (compact-entry.ts). */
export const ENTRY_CONTEXT: EntryContext = {
  clientId: CLIENT_ID,
  coachId: COACH_ID,
  autobookEventId: readableAutobookEventId,
  upcomingEventId: readableUpcomingEventId,
};

/** The n-th minute of a test's clock (1 -> 2026-12-01T09:01:00.000Z). */
export function minute(n: number): string {
  return new Date(Date.UTC(2026, 11, 1, 9, n)).toISOString();
}

export interface Played {
  state: PairState;
  decisions: Decision[];
}

/** Applies inputs one after the other, the n-th at minute n+1 of the test clock unless a clock is given. */
export function play(inputs: RenewalInput[], start: PairState | null = null, clock = (i: number) => minute(i + 1)): Played {
  const decisions: Decision[] = [];
  let state = start;
  inputs.forEach((input, i) => {
    const decision = decide(state, input, at(clock(i)));
    decisions.push(decision);
    state = decision.state;
  });
  if (state === null) throw new Error('play needs at least one input or a start state');
  return { state, decisions };
}

/** The last decision of a play. */
export function lastDecision(played: Played): Decision {
  const decision = played.decisions[played.decisions.length - 1];
  if (decision === undefined) throw new Error('no decision was made');
  return decision;
}

/** The history entry of a decision that was applied; throws when the input was ignored (no entry). */
export function entryOf(decision: Decision): HistoryEntry {
  if (decision.entry === null) throw new Error(`the input was ignored (${decision.ignored}): it has no entry`);
  return decision.entry;
}

/** What a decision did: 'autobooked', the reason nothing was booked, or why the input was ignored. */
export function outcomeOf(decision: Decision): 'autobooked' | NoAutobookReason | IgnoredReason {
  if (decision.entry === null) return decision.ignored;
  return decision.entry.outcome === 'autobooked' ? 'autobooked' : decision.entry.reason;
}

/** The entries the decisions leave to store, oldest first: an ignored input leaves none. */
export function storedEntries(decisions: readonly Decision[]): HistoryEntry[] {
  return decisions.flatMap((decision) => (decision.entry === null ? [] : [decision.entry]));
}

/** The `session.autobooked` payloads the decisions publish, in order. */
export function publishedAutobooks(decisions: readonly Decision[]): SessionAutobooked[] {
  return decisions.flatMap((decision) => (decision.autobooked === null ? [] : [decision.autobooked]));
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A pair switched on at checkout (2026-11-01T10:00:00Z) with one package p1 of `sessionCount` sessions. */
export function enrolledWith(sessionCount: number, price = usd(30000)): PairState {
  return play([booked({ packageId: 'p1', occurredAt: '2026-11-01T10:00:00Z', sessionCount, price, ongoingTraining: true })]).state;
}

/**
 * A pair's inputs that publish every kind of event, at two rates, with a pause and a payment hold between
 * them: heads-up 1, autobook 1 voided, autobooks 2 to 4, heads-up 5 at the new rate, then a switch-off.
 */
export function everyKindOfEvent(): RenewalInput[] {
  const ab = (n: number) => readableAutobookEventId(CLIENT_ID, COACH_ID, n);
  return [
    booked({ packageId: 'p1', occurredAt: '2026-11-01T10:00:00Z', sessionCount: 2, price: usd(30000), ongoingTraining: true }),
    completed({ sessionId: 's1' }), // heads-up 1
    completed({ sessionId: 's2', eventId: 'e-s2' }), // autobook 1
    reverted({ sessionId: 's2', eventId: 'r-s2' }), // autobook 1 voided
    completed({ sessionId: 's3' }), // autobook 2
    paymentFailed({ autobookEventId: ab(2), occurredAt: '2026-11-02T10:00:00Z' }),
    completed({ sessionId: 's4' }), // payment pending: nothing
    paymentSucceeded({ autobookEventId: ab(2), occurredAt: '2026-11-02T11:00:00Z' }), // autobook 3
    pause('2026-12-20T00:00:00.000Z'),
    completed({ sessionId: 's5' }), // paused: nothing
    resume('api'), // autobook 4
    booked({ packageId: 'p2', occurredAt: '2026-11-02T10:00:00Z', sessionCount: 3, price: usd(27000) }), // 4 on deck, a new rate
    completed({ sessionId: 's6' }),
    completed({ sessionId: 's7' }),
    completed({ sessionId: 's8' }), // 1 on deck: heads-up 5, at the new rate
    enrollment(false),
    completed({ sessionId: 's9' }), // not enrolled: nothing
  ];
}
