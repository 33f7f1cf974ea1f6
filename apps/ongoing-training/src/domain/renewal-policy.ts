import type { PackageBooked } from '@app/contracts';
import type { Decision, HistoryInput, NoAutobookReason, PairChanges, RateRef } from './decision';
import { AutoRenewalNotOfferedError, PackageRequiredError, PairMismatchError } from './errors';
import { compareInstants, laterOf } from './instant';
import {
  autobookedEvent,
  autoRenewalOffered,
  AutobookRecord,
  AutobookTrigger,
  emptyPair,
  lastPackage,
  PackageRecord,
  PairState,
  sessionsOnDeck,
} from './pair-state';
import { isLaterPackage, rateOf } from './rate';
import type { EnrollmentInput, PackageBookedInput, RenewalInput, SessionCompletedInput } from './renewal-input';
import { pairOf } from './renewal-input';

/** The id of the n-th autobook of a pair; it must be the same on every call (the adapter hashes). */
export type AutobookEventIdFn = (clientId: string, coachId: string, sequence: number) => string;

export interface DecideContext {
  /** The clock, as an ISO time with a zone: when the input is applied and any autobook is made. */
  now: string;
  autobookEventId: AutobookEventIdFn;
}

/** An input applied to the pair, before R5 has looked at it. */
interface Applied {
  state: PairState;
  changes: Omit<PairChanges, 'sessionsOnDeck'>;
}

type Verdict = { book: true; ratePackage: PackageRecord } | { book: false; reason: NoAutobookReason };

/**
 * Applies one input to a pair and keeps one session on deck (R5).
 *
 * `state` is null for a pair nothing is stored about. Switching on through the API throws
 * PackageRequiredError (R1) or AutoRenewalNotOfferedError (R6) and changes nothing; events are never
 * refused, because they have already happened.
 */
export function decide(state: PairState | null, input: RenewalInput, context: DecideContext): Decision {
  const pair = pairOf(input);
  const before = state ?? emptyPair(pair.clientId, pair.coachId);
  if (before.clientId !== pair.clientId || before.coachId !== pair.coachId) throw new PairMismatchError(before, pair);

  const historyInput = toHistoryInput(input);
  const onDeckBefore = sessionsOnDeck(before);

  if (isDuplicate(before, input)) {
    // Nothing applied, so nothing changes, updatedAt included: a replay leaves no trace in the state.
    return {
      state: before,
      autobooked: null,
      entry: {
        at: context.now,
        input: historyInput,
        changes: { sessionsOnDeck: { from: onDeckBefore, to: onDeckBefore } },
        outcome: 'no-autobook',
        reason: 'duplicate',
      },
    };
  }

  const applied = apply(before, input, context.now);
  const afterInput: PairState = { ...applied.state, updatedAt: context.now };
  const verdict = renewalVerdict(afterInput);

  if (!verdict.book) {
    return {
      state: afterInput,
      autobooked: null,
      entry: {
        at: context.now,
        input: historyInput,
        changes: { ...applied.changes, sessionsOnDeck: { from: onDeckBefore, to: sessionsOnDeck(afterInput) } },
        outcome: 'no-autobook',
        reason: verdict.reason,
      },
    };
  }

  // R5: exactly one session, whatever the package size, and at most one per input.
  const autobook = newAutobook(afterInput, verdict.ratePackage, triggerOf(input), context);
  const after: PairState = { ...afterInput, autobooks: [...afterInput.autobooks, autobook] };
  return {
    state: after,
    autobooked: autobookedEvent(after, autobook),
    entry: {
      at: context.now,
      input: historyInput,
      changes: { ...applied.changes, sessionsOnDeck: { from: onDeckBefore, to: sessionsOnDeck(after) } },
      outcome: 'autobooked',
      autobook: {
        sequence: autobook.sequence,
        eventId: autobook.eventId,
        rate: autobook.rate,
        ratePackageId: autobook.ratePackageId,
      },
    },
  };
}

// R10: the natural keys cover redelivery too. The same eventId always carries the same packageId or
// sessionId, so a redelivered event is caught here, and a new eventId for a known package or session is
// caught as well. The API switch has no such key: setting it twice is harmless (idempotent).
function isDuplicate(state: PairState, input: RenewalInput): boolean {
  switch (input.type) {
    case 'package.booked':
      return state.packages.some((p) => p.packageId === input.event.packageId);
    case 'session.completed':
      return state.completedSessionIds.includes(input.event.sessionId);
    case 'enrollment':
      return false;
  }
}

function apply(state: PairState, input: RenewalInput, now: string): Applied {
  switch (input.type) {
    case 'package.booked':
      return applyPackage(state, input);
    case 'session.completed':
      return applyCompletion(state, input);
    case 'enrollment':
      return applyEnrollment(state, input, now);
  }
}

function applyPackage(state: PairState, { event }: PackageBookedInput): Applied {
  const record = toPackageRecord(event);
  const previousLast = lastPackage(state);
  // R4: a late or replayed older package adds its sessions but never becomes the last one.
  const becomesLast = previousLast === null || isLaterPackage(record, previousLast);
  const next: PairState = {
    ...state,
    packages: [...state.packages, record],
    client: becomesLast ? record.client : state.client,
    coach: becomesLast ? record.coach : state.coach,
  };
  const changes: Applied['changes'] = {
    packageAdded: {
      packageId: record.packageId,
      sessionCount: record.sessionCount,
      price: record.price,
      rate: record.rate,
      autoRenewal: record.autoRenewal,
    },
  };
  if (becomesLast) changes.rate = { from: previousLast && rateRef(previousLast), to: rateRef(record) };
  const offeredBefore = autoRenewalOffered(state);
  const offeredAfter = autoRenewalOffered(next);
  if (offeredBefore !== offeredAfter) changes.autoRenewalOffered = { from: offeredBefore, to: offeredAfter };

  if (event.ongoingTraining === undefined) return { state: next, changes };
  // R2 at checkout, last writer wins: a checkout older than the last change of the switch (an earlier
  // checkout arriving late, or one made before an API cancel, R8) does not override the newer choice.
  const changedAt = state.enrolledChangedAt;
  if (changedAt !== null && compareInstants(event.occurredAt, changedAt) <= 0) {
    changes.checkoutSwitchIgnored = { requested: event.ongoingTraining, enrolledChangedAt: changedAt };
    return { state: next, changes };
  }
  if (state.enrolled !== event.ongoingTraining) changes.enrolled = { from: state.enrolled, to: event.ongoingTraining };
  return { state: { ...next, enrolled: event.ongoingTraining, enrolledChangedAt: event.occurredAt }, changes };
}

function applyCompletion(state: PairState, { event }: SessionCompletedInput): Applied {
  // R11: a completion may come before its package; on deck then goes below 0 and waits.
  return {
    state: { ...state, completedSessionIds: [...state.completedSessionIds, event.sessionId] },
    changes: { sessionCompleted: event.sessionId },
  };
}

function applyEnrollment(state: PairState, input: EnrollmentInput, now: string): Applied {
  if (input.enrolled) {
    // Turning off is always allowed; turning on needs a package (R1) that offers auto-renewal (R6).
    const last = lastPackage(state);
    if (last === null) throw new PackageRequiredError(state.clientId, state.coachId);
    if (!last.autoRenewal) throw new AutoRenewalNotOfferedError(state.clientId, state.coachId, last.packageId);
  }
  // The API is the newest writer. The register never moves back, though: with a checkout time ahead of
  // the server clock, moving it back would let an older checkout undo this answer (R8).
  const enrolledChangedAt = state.enrolledChangedAt === null ? now : laterOf(state.enrolledChangedAt, now);
  const changes: Applied['changes'] = {};
  if (state.enrolled !== input.enrolled) changes.enrolled = { from: state.enrolled, to: input.enrolled };
  return { state: { ...state, enrolled: input.enrolled, enrolledChangedAt }, changes };
}

// When nothing is booked, the entry gives one reason, the first that holds in this order:
//   not-enrolled > auto-renewal-not-offered > waiting-for-package > sessions-on-deck
// (duplicate comes before all of them and is decided earlier). The client's own choice comes first
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

function newAutobook(
  state: PairState,
  ratePackage: PackageRecord,
  trigger: AutobookTrigger,
  context: DecideContext,
): AutobookRecord {
  // The sequence numbers the pair's autobooks, so the injected id is stable across replays and restarts.
  const sequence = state.autobooks.length + 1;
  return {
    sequence,
    eventId: context.autobookEventId(state.clientId, state.coachId, sequence),
    occurredAt: context.now,
    // R7: the rate is copied in, so a later package never changes an autobook already made.
    rate: { ...ratePackage.rate },
    ratePackageId: ratePackage.packageId,
    trigger,
    // The pair's contacts are those of the last package, which is the rate package.
    client: { ...(state.client ?? ratePackage.client) },
    coach: { ...(state.coach ?? ratePackage.coach) },
  };
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
