import type { PackageBooked } from '@app/contracts';
import type { Decision, HistoryEntry, HistoryInput, NoAutobookReason, PairChanges, RateRef } from './decision';
import { evolve } from './evolve';
import { AutoRenewalNotOfferedError, PackageRequiredError, PairMismatchError } from './errors';
import { compareInstants, laterOf } from './instant';
import {
  autobookedEvent,
  autoRenewalOffered,
  AutobookTrigger,
  emptyPair,
  lastPackage,
  PackageRecord,
  PairState,
  sessionsOnDeck,
} from './pair-state';
import { isLaterPackage, rateOf } from './rate';
import type { EnrollmentInput, PackageBookedInput, RenewalInput } from './renewal-input';
import { pairOf } from './renewal-input';

/** The id of the n-th autobook of a pair; it must be the same on every call (the adapter hashes). */
export type AutobookEventIdFn = (clientId: string, coachId: string, sequence: number) => string;

export interface DecideContext {
  /** The clock, as an ISO time with a zone: when the input is applied and any autobook is made. */
  now: string;
  autobookEventId: AutobookEventIdFn;
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

  if (isDuplicate(before, input)) return { state: before, autobooked: null, entry: null, ignored: 'duplicate' };
  const changes = whatChanges(before, input, context.now);
  if (changes === null) return { state: before, autobooked: null, entry: null, ignored: 'unchanged' };

  const historyInput = toHistoryInput(input);
  const onDeckBefore = sessionsOnDeck(before);
  const base = { at: context.now, input: historyInput };
  const afterInput = evolve(before, { at: context.now, changes });
  const verdict = renewalVerdict(afterInput);

  if (!verdict.book) {
    const entry: HistoryEntry = {
      ...base,
      changes: { ...changes, sessionsOnDeck: { from: onDeckBefore, to: sessionsOnDeck(afterInput) } },
      outcome: 'no-autobook',
      reason: verdict.reason,
    };
    return { state: afterInput, autobooked: null, entry, ignored: null };
  }

  // R5: exactly one session, whatever the package size, and at most one per input.
  const sequence = afterInput.autobookCount + 1;
  const entry: HistoryEntry = {
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
      trigger: triggerOf(input),
    },
  };
  const after = evolve(before, entry);
  return { state: after, autobooked: autobookedEvent(after, after.lastAutobook!), entry, ignored: null };
}

// R10: the natural keys cover redelivery too. The same eventId always carries the same packageId or
// sessionId, so a redelivered event is caught here, and a new eventId for a known package or session is
// caught as well. The API switch has no such key: setting it twice is harmless (idempotent).
function isDuplicate(state: PairState, input: RenewalInput): boolean {
  switch (input.type) {
    case 'package.booked':
      return state.packageIds.includes(input.event.packageId);
    case 'session.completed':
      return state.completedSessionIds.includes(input.event.sessionId);
    case 'enrollment':
      return false;
  }
}

type Changes = Omit<PairChanges, 'sessionsOnDeck'>;

/** What the input changes, or null when it changes nothing (a switch set to what it already is). */
function whatChanges(state: PairState, input: RenewalInput, now: string): Changes | null {
  switch (input.type) {
    case 'package.booked':
      return packageChanges(state, input);
    case 'session.completed':
      // R11: a completion may come before its package; on deck then goes below 0 and waits.
      return { sessionCompleted: input.event.sessionId };
    case 'enrollment':
      return enrollmentChanges(state, input, now);
  }
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
  return changes;
}

function enrollmentChanges(state: PairState, input: EnrollmentInput, now: string): Changes | null {
  // R1 both ways: the switch exists only once a package is known; turning on also needs a package that
  // offers auto-renewal (R6).
  const last = lastPackage(state);
  if (last === null) throw new PackageRequiredError(state.clientId, state.coachId);
  if (input.enrolled && !last.autoRenewal) throw new AutoRenewalNotOfferedError(state.clientId, state.coachId, last.packageId);
  // The API is the newest writer. The register never moves back, though: with a checkout time ahead of
  // the server clock, moving it back would let an older checkout undo this answer (R8).
  const enrolledChangedAt = state.enrolledChangedAt === null ? now : laterOf(state.enrolledChangedAt, now);
  if (state.enrolled === input.enrolled) {
    // The same choice again still moves the register, so that a checkout made before this answer and
    // arriving after it cannot undo it (R8, R11). Only a write that moves nothing stores nothing.
    return enrolledChangedAt === state.enrolledChangedAt ? null : { enrolledChangedAt };
  }
  return { enrolled: { from: state.enrolled, to: input.enrolled }, enrolledChangedAt };
}

// When nothing is booked, the entry gives one reason, the first that holds in this order:
//   not-enrolled > auto-renewal-not-offered > waiting-for-package > sessions-on-deck
// (an input already applied, or a switch that moves nothing, is ignored before any of them). The client's own choice comes first
// because nothing else matters while it is off; then the coach's refusal (R6), which would block even at
// 0 on deck; then the states on deck: below 0 (or no package at all) waits for a package, above 0 has
// sessions left. With no package, "waiting-for-package" is given rather than "auto-renewal-not-offered":
// there is no package to offer anything yet.
function renewalVerdict(state: PairState): Verdict {
  if (!state.enrolled) return { book: false, reason: 'not-enrolled' };
  const last = lastPackage(state);
  if (last === null) return { book: false, reason: 'waiting-for-package' };
  if (!last.autoRenewal) return { book: false, reason: 'auto-renewal-not-offered' };
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

// Only the keys that apply, never `undefined` values: the trigger is stored and published as JSON.
function triggerOf(input: RenewalInput): AutobookTrigger {
  switch (input.type) {
    case 'package.booked':
      return { type: 'package.booked', eventId: input.event.eventId };
    case 'session.completed':
      return { type: 'session.completed', eventId: input.event.eventId, sessionId: input.event.sessionId };
    case 'enrollment':
      return { type: 'enrollment' };
  }
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
    case 'enrollment':
      return { type: 'enrollment', enrolled: input.enrolled };
  }
}
