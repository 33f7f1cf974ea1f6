import type { PackageBooked } from '#contracts';
import type { Decision, HistoryEntry, HistoryInput, NoAutobookReason, PairChanges, RateRef } from './decision.js';
import { triggerOf } from './compact-entry.js';
import { evolve } from './evolve.js';
import { publishedBy } from './published.js';
import { AutoRenewalNotOfferedError, NotEnrolledError, PackageRequiredError, PairMismatchError, UnknownAutobookError } from './errors.js';
import { compareInstants, laterOf } from './instant.js';
import { autoRenewalOffered, emptyPair, lastPackage, PackageRecord, PairState, paymentPending, sessionsOnDeck } from './pair-state.js';
import { isLaterPackage, rateOf } from './rate.js';
import type { CompletionRevertedInput, EnrollmentInput, PackageBookedInput, PauseInput, PaymentInput, RenewalInput, ResumeInput } from './renewal-input.js';
import { pairOf } from './renewal-input.js';

/** The id of the n-th autobook of a pair; it must be the same on every call (the adapter hashes). */
export type AutobookEventIdFn = (clientId: string, coachId: string, sequence: number) => string;

export interface DecideContext {
  /** The clock, as an ISO time with a zone: when the input is applied and any autobook is made. */
  now: string;
  autobookEventId: AutobookEventIdFn;
  /** The id of the heads-up for a pair's n-th autobook (R13); the same on every call. */
  upcomingEventId: AutobookEventIdFn;
}

type Verdict = { book: true; ratePackage: PackageRecord } | { book: false; reason: NoAutobookReason };

/**
 * Applies one input to a pair and keeps one session on deck (R5).
 *
 * `state` is null for a pair nothing is stored about. The API switch throws PackageRequiredError (R1,
 * either way) or AutoRenewalNotOfferedError (turning on, R6) and changes nothing; events are never
 * refused, because they have already happened. An input already applied (R10), or a switch set to what
 * it is, is ignored: no entry, nothing to store.
 */
export function decide(state: PairState | null, input: RenewalInput, context: DecideContext): Decision {
  const pair = pairOf(input);
  const before = state ?? emptyPair(pair.clientId, pair.coachId);
  if (before.clientId !== pair.clientId || before.coachId !== pair.coachId) throw new PairMismatchError(before, pair);

  const ignore = (ignored: 'duplicate' | 'unchanged'): Decision => ({ state: before, autobooked: null, upcoming: null, voided: null, entry: null, ignored });
  if (isDuplicate(before, input)) return ignore('duplicate');
  const changes = whatChanges(before, input, context);
  if (changes === null) return ignore('unchanged');

  const historyInput = toHistoryInput(input);
  const onDeckBefore = sessionsOnDeck(before);
  const base = { at: context.now, input: historyInput };
  const afterInput = evolve(before, { at: context.now, changes });
  const verdict = renewalVerdict(afterInput);
  // What is published follows from the entry alone (published.ts), here and when a stored history is read.
  const decided = (entry: HistoryEntry): Decision => {
    const after = evolve(before, entry);
    return { state: after, ...publishedBy(before, entry, after), entry, ignored: null };
  };

  if (!verdict.book) {
    // R13: a heads-up when one session is left before the first autobook of a package.
    const headsUp = headsUpFor(afterInput, context);
    return decided({
      ...base,
      changes: { ...(headsUp ? { ...changes, headsUp } : changes), sessionsOnDeck: { from: onDeckBefore, to: sessionsOnDeck(afterInput) } },
      outcome: 'no-autobook',
      reason: verdict.reason,
    });
  }

  // R5: exactly one session, whatever the package size, and at most one per input.
  const sequence = afterInput.autobookCount + 1;
  return decided({
    ...base,
    changes: { ...changes, sessionsOnDeck: { from: onDeckBefore, to: sessionsOnDeck(afterInput) + 1 } },
    outcome: 'autobooked',
    autobook: {
      sequence,
      // The sequence numbers the pair's autobooks, so the injected id is stable across replays and restarts.
      eventId: context.autobookEventId(before.clientId, before.coachId, sequence),
      // R7: the rate is copied in, so a later package never changes an autobook already made.
      rate: { ...verdict.ratePackage.rate },
      ratePackageId: verdict.ratePackage.packageId,
      trigger: triggerOf(historyInput),
    },
  });
}

/** R13: the heads-up the state calls for, if any; at most once per sequence, never right after an autobook. */
function headsUpFor(state: PairState, context: DecideContext): NonNullable<PairChanges['headsUp']> | null {
  const rate = state.ratePackage;
  if (!state.enrolled || !rate || !rate.autoRenewal || state.pausedUntil !== null || paymentPending(state).length > 0) return null;
  if (sessionsOnDeck(state) !== 1 || state.autobookCount !== state.autobooksAtLastPackage) return null;
  const sequence = state.autobookCount + 1;
  if (state.headsUpSequence >= sequence) return null;
  return { sequence, eventId: context.upcomingEventId(state.clientId, state.coachId, sequence) };
}

// R10: the natural keys cover redelivery too. The same eventId always carries the same packageId or
// sessionId, so a redelivered event is caught here, and a new eventId for a known package or session is
// caught as well. The API switch has no such key: setting it twice is harmless (idempotent).
function isDuplicate(state: PairState, input: RenewalInput): boolean {
  switch (input.type) {
    case 'package.booked':
      return state.packageIds.includes(input.event.packageId);
    case 'session.completed':
      // A completion undone before it arrived is cancelled out by it (R11, R15).
      return state.completedSessionIds.includes(input.event.sessionId) || state.revertedSessionIds.includes(input.event.sessionId);
    case 'session.completion.reverted':
      return state.revertedSessionIds.includes(input.event.sessionId);
    case 'payment.failed':
    case 'payment.succeeded':
      // The outcome that holds for its autobook, delivered again (an older one it replaced changes nothing either).
      return state.payments.some((p) => p.eventId === input.event.eventId);
    default:
      // Payments keep the latest outcome per autobook, the switch and the pause are registers: set twice,
      // they change nothing (and say so: 'unchanged').
      return false;
  }
}

type Changes = Omit<PairChanges, 'sessionsOnDeck'>;

/** What the input changes, or null when it changes nothing (a switch set to what it already is). */
function whatChanges(state: PairState, input: RenewalInput, context: DecideContext): Changes | null {
  switch (input.type) {
    case 'package.booked':
      return packageChanges(state, input);
    case 'session.completed':
      // R11: a completion may come before its package; on deck then goes below 0 and waits.
      return { sessionCompleted: input.event.sessionId };
    case 'session.completion.reverted':
      return revertChanges(state, input, context);
    case 'payment.failed':
    case 'payment.succeeded':
      return paymentChanges(state, input, context);
    case 'enrollment':
      return enrollmentChanges(state, input, context.now);
    case 'pause':
      return pauseChanges(state, input);
    case 'resume':
      return resumeChanges(state, input);
  }
}

function revertChanges(state: PairState, { event }: CompletionRevertedInput, context: DecideContext): Changes {
  const completed = state.completedSessionIds.includes(event.sessionId);
  const changes: Changes = { completionReverted: { sessionId: event.sessionId, pending: !completed } };
  // R15: the latest autobook is taken back when that completion is what made it.
  const last = state.lastAutobook;
  if (completed && last && last.trigger.sessionId === event.sessionId && !state.voidedSequences.includes(last.sequence)) {
    changes.voided = { sequence: last.sequence, eventId: voidEventId(context, state, last.sequence), autobookEventId: last.eventId, rate: { ...last.rate } };
  }
  return changes;
}

/** The void of an autobook carries an id derived from the autobook's: one per voided autobook. */
function voidEventId(context: DecideContext, state: PairState, sequence: number): string {
  return `${context.autobookEventId(state.clientId, state.coachId, sequence)}.voided`;
}

function paymentChanges(state: PairState, input: PaymentInput, context: DecideContext): Changes | null {
  const { event } = input;
  const sequence = sequenceOf(state, event.autobookEventId, context);
  if (sequence === null) throw new UnknownAutobookError(state.clientId, state.coachId, event.autobookEventId);
  const status = input.type === 'payment.failed' ? 'failed' : 'succeeded';
  const known = state.payments.find((p) => p.autobookEventId === event.autobookEventId);
  // R16: the latest outcome by occurredAt wins, whatever the arrival order; on the same instant, success.
  if (known) {
    const order = compareInstants(event.occurredAt, known.occurredAt);
    if (order < 0 || (order === 0 && (known.status === 'succeeded' || status === known.status))) return null;
  }
  return { payment: { autobookEventId: event.autobookEventId, sequence, status, occurredAt: event.occurredAt, eventId: event.eventId } };
}

/** The sequence of one of the pair's autobooks by its eventId, or null when the pair made no such autobook. */
function sequenceOf(state: PairState, autobookEventId: string, context: DecideContext): number | null {
  if (state.lastAutobook?.eventId === autobookEventId) return state.lastAutobook.sequence;
  for (let sequence = state.autobookCount; sequence >= 1; sequence--) {
    if (context.autobookEventId(state.clientId, state.coachId, sequence) === autobookEventId) return sequence;
  }
  return null;
}

function pauseChanges(state: PairState, input: PauseInput): Changes | null {
  if (!state.enrolled) throw new NotEnrolledError(state.clientId, state.coachId);
  // A new pause replaces the date (R14).
  if (state.pausedUntil === input.until) return null;
  return { pausedUntil: { from: state.pausedUntil, to: input.until } };
}

function resumeChanges(state: PairState, input: ResumeInput): Changes | null {
  // Ending a pause of a pair that has no switch at all is refused like pausing it; otherwise idempotent.
  if (input.cause === 'api' && lastPackage(state) === null) throw new NotEnrolledError(state.clientId, state.coachId);
  if (state.pausedUntil === null) return null;
  // A due time that is not the pause's any more (replaced, or ended and paused again) ends nothing.
  if (input.cause === 'time' && input.until !== state.pausedUntil) return null;
  return { pausedUntil: { from: state.pausedUntil, to: null } };
}

function packageChanges(state: PairState, { event }: PackageBookedInput): Changes {
  const record = toPackageRecord(event);
  const previousLast = lastPackage(state);
  // R4: a late or replayed older package adds its sessions but never becomes the last one.
  const becomesLast = previousLast === null || isLaterPackage(record, previousLast);
  const changes: Changes = { packageAdded: record };
  if (becomesLast) {
    changes.rate = { from: previousLast && rateRef(previousLast), to: rateRef(record) };
    const offeredBefore = autoRenewalOffered(state);
    if (offeredBefore !== record.autoRenewal) changes.autoRenewalOffered = { from: offeredBefore, to: record.autoRenewal };
  }

  if (event.ongoingTraining === undefined) return changes;
  // R2 at checkout, last writer wins: a checkout older than the last change of the switch (an earlier
  // checkout arriving late, or one made before an API cancel, R8) does not override the newer choice.
  const changedAt = state.enrolledChangedAt;
  if (changedAt !== null && compareInstants(event.occurredAt, changedAt) <= 0) {
    changes.checkoutSwitchIgnored = { requested: event.ongoingTraining, enrolledChangedAt: changedAt };
    return changes;
  }
  if (state.enrolled !== event.ongoingTraining) changes.enrolled = { from: state.enrolled, to: event.ongoingTraining };
  changes.enrolledChangedAt = event.occurredAt;
  if (!event.ongoingTraining && state.pausedUntil !== null) changes.pausedUntil = { from: state.pausedUntil, to: null };
  return changes;
}

function enrollmentChanges(state: PairState, input: EnrollmentInput, now: string): Changes | null {
  // R1 both ways: the switch exists only once a package is known; turning on also needs a package that
  // offers auto-renewal (R6).
  const last = lastPackage(state);
  if (last === null) throw new PackageRequiredError(state.clientId, state.coachId);
  if (input.enrolled && !last.autoRenewal) throw new AutoRenewalNotOfferedError(state.clientId, state.coachId, last.packageId);
  // A write that changes nothing stores nothing (R10): the register keeps the time of the choice that
  // holds, so a checkout made between that choice and this answer, arriving later, still applies.
  if (state.enrolled === input.enrolled) return null;
  // The API is the newest writer. The register never moves back, though: with a checkout time ahead of
  // the server clock, moving it back would let an older checkout undo this answer (R8).
  const enrolledChangedAt = state.enrolledChangedAt === null ? now : laterOf(state.enrolledChangedAt, now);
  const changes: Changes = { enrolled: { from: state.enrolled, to: input.enrolled }, enrolledChangedAt };
  // Switching off ends a pause (R14).
  if (!input.enrolled && state.pausedUntil !== null) changes.pausedUntil = { from: state.pausedUntil, to: null };
  return changes;
}

// When nothing is booked, the entry gives one reason, the first that holds in this order:
//   not-enrolled > auto-renewal-not-offered > paused > payment-pending > waiting-for-package > sessions-on-deck
// (an input already applied, or a switch that moves nothing, is ignored before any of them). The client's own choice comes first
// because nothing else matters while it is off; then the coach's refusal (R6), which would block even at
// 0 on deck; then the client's pause (R14) and a payment hold (R16), which block whatever is on deck; then the states on deck: below 0 (or no package at all) waits for a package, above 0 has
// sessions left. With no package, "waiting-for-package" is given rather than "auto-renewal-not-offered":
// there is no package to offer anything yet.
function renewalVerdict(state: PairState): Verdict {
  if (!state.enrolled) return { book: false, reason: 'not-enrolled' };
  const last = lastPackage(state);
  if (last === null) return { book: false, reason: 'waiting-for-package' };
  if (!last.autoRenewal) return { book: false, reason: 'auto-renewal-not-offered' };
  if (state.pausedUntil !== null) return { book: false, reason: 'paused' };
  if (paymentPending(state).length > 0) return { book: false, reason: 'payment-pending' };
  const onDeck = sessionsOnDeck(state);
  if (onDeck < 0) return { book: false, reason: 'waiting-for-package' };
  if (onDeck > 0) return { book: false, reason: 'sessions-on-deck' };
  return { book: true, ratePackage: last };
}

function toPackageRecord(event: PackageBooked): PackageRecord {
  // Copies, so the stored state never shares objects with the event it came from.
  return {
    packageId: event.packageId,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    sessionCount: event.sessionCount,
    price: { ...event.price },
    rate: rateOf(event.price, event.sessionCount),
    autoRenewal: event.autoRenewal,
    client: { ...event.client },
    coach: { ...event.coach },
  };
}

function rateRef(record: PackageRecord): RateRef {
  return { packageId: record.packageId, rate: record.rate };
}

function toHistoryInput(input: RenewalInput): HistoryInput {
  switch (input.type) {
    case 'package.booked': {
      const { eventId, occurredAt, packageId } = input.event;
      return { type: 'package.booked', eventId, occurredAt, packageId };
    }
    case 'session.completed': {
      const { eventId, occurredAt, sessionId } = input.event;
      return { type: 'session.completed', eventId, occurredAt, sessionId };
    }
    case 'session.completion.reverted': {
      const { eventId, occurredAt, sessionId } = input.event;
      return { type: input.type, eventId, occurredAt, sessionId };
    }
    case 'payment.failed':
    case 'payment.succeeded': {
      const { eventId, occurredAt, autobookEventId } = input.event;
      return { type: input.type, eventId, occurredAt, autobookEventId };
    }
    case 'enrollment':
      return { type: 'enrollment', enrolled: input.enrolled };
    case 'pause':
      return { type: 'pause', until: input.until };
    case 'resume':
      return { type: 'resume', cause: input.cause };
  }
}
