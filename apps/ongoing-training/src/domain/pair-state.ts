import type { Contact, Money, SessionAutobooked, TriggerType } from '#contracts';

// The state of one client-coach pair, as compact as the rules allow: the rate package (R4), the counts
// that make "on deck", the switch register (R2, R8), the dedupe keys (R10) and the latest autobook.
// It is never stored as one document: it is folded from the pair's history (see evolve.ts), so it only
// holds JSON-friendly values (times are ISO strings, never Date objects).

/** A package known for the pair (`package.booked`), with its rate worked out once (R3). */
export interface PackageRecord {
  packageId: string;
  eventId: string;
  occurredAt: string;
  sessionCount: number;
  price: Money;
  rate: Money;
  autoRenewal: boolean;
  client: Contact;
  coach: Contact;
}

/** What brought on deck to 0 (the `trigger` of `session.autobooked`). */
export interface AutobookTrigger {
  type: TriggerType;
  eventId?: string;
  sessionId?: string;
}

/**
 * One session booked by R5. Never changed once made (R7, R8): it holds everything its
 * `session.autobooked` payload says, contacts included, so a republish sends the very same payload.
 */
export interface AutobookRecord {
  sequence: number;
  eventId: string;
  occurredAt: string;
  rate: Money;
  ratePackageId: string;
  trigger: AutobookTrigger;
  client: Contact;
  coach: Contact;
}

/** How the charge of one autobook went, as last told (R16). */
export interface PaymentRecord {
  autobookEventId: string;
  sequence: number;
  status: 'failed' | 'succeeded';
  occurredAt: string;
  eventId: string;
}

export interface PairState {
  clientId: string;
  coachId: string;
  /** The client's Ongoing Training switch. */
  enrolled: boolean;
  /** When the switch last changed: a last-writer-wins register, so an older checkout never overrides a newer choice. */
  enrolledChangedAt: string | null;
  /** The last package by R4: its rate applies to the next autobook, its contacts get the emails. */
  ratePackage: PackageRecord | null;
  /** Sessions bought in all packages. */
  sessionsBought: number;
  /** Every package known (R10: a packageId seen again is a duplicate). */
  packageIds: string[];
  /** Distinct completed sessions (R10), those undone excepted. */
  completedSessionIds: string[];
  /** Sessions whose completion was undone, before or after it arrived (R15): never completed again (R10). */
  revertedSessionIds: string[];
  /** Autobooks made so far, voided ones included: the sequence of the latest one (never reused, R15). */
  autobookCount: number;
  /** Sequences of the autobooks voided (R15). */
  voidedSequences: number[];
  /** The latest autobook, if any. */
  lastAutobook: AutobookRecord | null;
  /** `autobookCount` when the latest package arrived: equal while no autobook was made since (R13). */
  autobooksAtLastPackage: number;
  /** The highest sequence a heads-up was published for (R13: once per sequence). */
  headsUpSequence: number;
  /** Auto-booking paused until this time (R14), or null. */
  pausedUntil: string | null;
  /** The latest payment outcome of each autobook billing told about (R16: latest by occurredAt wins). */
  payments: PaymentRecord[];
  /** When an input last changed the pair. */
  updatedAt: string | null;
}

/** A pair nothing is known about yet. */
export function emptyPair(clientId: string, coachId: string): PairState {
  return {
    clientId,
    coachId,
    enrolled: false,
    enrolledChangedAt: null,
    ratePackage: null,
    sessionsBought: 0,
    packageIds: [],
    completedSessionIds: [],
    revertedSessionIds: [],
    autobookCount: 0,
    voidedSequences: [],
    lastAutobook: null,
    autobooksAtLastPackage: 0,
    headsUpSequence: 0,
    pausedUntil: null,
    payments: [],
    updatedAt: null,
  };
}

/** Sessions booked and not yet completed. Below 0 while completions wait for their package (R11). */
export function sessionsOnDeck(state: PairState): number {
  return state.sessionsBought + state.autobookCount - state.voidedSequences.length - state.completedSessionIds.length;
}

/** R16: the autobooks whose charge failed and has not succeeded since, voided ones excepted. */
export function paymentPending(state: PairState): PaymentRecord[] {
  return state.payments.filter((p) => p.status === 'failed' && !state.voidedSequences.includes(p.sequence));
}

/** The last package by R4, whatever order the packages arrived in. */
export function lastPackage(state: PairState): PackageRecord | null {
  return state.ratePackage;
}

/** R6: whether the last package offers auto-renewal. With no package there is nothing to renew: false. */
export function autoRenewalOffered(state: PairState): boolean {
  return state.ratePackage?.autoRenewal ?? false;
}

/** The `session.autobooked` payload of an autobook: the same on every call, for the outbox to republish. */
export function autobookedEvent(pair: Pick<PairState, 'clientId' | 'coachId'>, autobook: AutobookRecord): SessionAutobooked {
  return {
    eventId: autobook.eventId,
    occurredAt: autobook.occurredAt,
    clientId: pair.clientId,
    coachId: pair.coachId,
    sequence: autobook.sequence,
    sessionCount: 1,
    rate: { ...autobook.rate },
    ratePackageId: autobook.ratePackageId,
    trigger: { ...autobook.trigger },
    client: { ...autobook.client },
    coach: { ...autobook.coach },
  };
}
