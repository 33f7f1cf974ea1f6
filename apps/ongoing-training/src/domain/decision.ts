import type { Money, SessionAutobooked, SessionAutobookUpcoming, SessionAutobookVoided } from '#contracts';
import type { AutobookTrigger, PackageRecord, PairState, PaymentRecord } from './pair-state.js';

// The history of a pair is one entry per input that changed it, newest first at the HTTP edge. Entries
// are data, not prose, and they are the pair's only stored record: the state is folded from them
// (evolve.ts), so each holds what its input changed, in full.

/** The input an entry is about, reduced to the ids ops search by. */
export type HistoryInput =
  | { type: 'package.booked'; eventId: string; occurredAt: string; packageId: string }
  | { type: 'session.completed'; eventId: string; occurredAt: string; sessionId: string }
  | { type: 'session.completion.reverted'; eventId: string; occurredAt: string; sessionId: string }
  | { type: 'payment.failed' | 'payment.succeeded'; eventId: string; occurredAt: string; autobookEventId: string }
  | { type: 'enrollment'; enrolled: boolean }
  | { type: 'pause'; until: string }
  | { type: 'resume'; cause: 'api' | 'time' };

/** A rate and the package it comes from. */
export interface RateRef {
  packageId: string;
  rate: Money;
}

/** What an input changed. Only `sessionsOnDeck` is always there; it counts the autobook the input made. */
export interface PairChanges {
  /** The package, as the pair keeps it (its contacts are those of the emails when it is the last one). */
  packageAdded?: PackageRecord;
  sessionCompleted?: string;
  /** The session's completion was undone (R15); `pending`: before the completion arrived, which it cancels out. */
  completionReverted?: { sessionId: string; pending: boolean };
  /** The pair's latest autobook was taken back: its completion was undone (R15). */
  voided?: { sequence: number; eventId: string; autobookEventId: string; rate: Money };
  /** How the charge of an autobook went, when it changes what is known (R16). */
  payment?: PaymentRecord;
  /** Auto-booking paused until, or no longer (R14). */
  pausedUntil?: { from: string | null; to: string | null };
  /** A heads-up was published for the next sequence (R13). */
  headsUp?: { sequence: number; eventId: string };
  /** The last package (R4) changed, and with it the rate of later autobooks (R7). */
  rate?: { from: RateRef | null; to: RateRef };
  autoRenewalOffered?: { from: boolean; to: boolean };
  enrolled?: { from: boolean; to: boolean };
  /** The switch register moved (R2, R8): the time of the choice that now holds. */
  enrolledChangedAt?: string;
  /** A checkout chose the switch, but a newer choice had already been made (last writer wins, R2, R8). */
  checkoutSwitchIgnored?: { requested: boolean; enrolledChangedAt: string };
  sessionsOnDeck: { from: number; to: number };
}

/** Why an input booked nothing. */
export type NoAutobookReason = 'not-enrolled' | 'auto-renewal-not-offered' | 'paused' | 'payment-pending' | 'waiting-for-package' | 'sessions-on-deck';

interface HistoryEntryBase {
  /** When the decision was made (the decision's `now`). */
  at: string;
  input: HistoryInput;
  changes: PairChanges;
}

export interface AutobookedEntry extends HistoryEntryBase {
  outcome: 'autobooked';
  autobook: { sequence: number; eventId: string; rate: Money; ratePackageId: string; trigger: AutobookTrigger };
}

export interface NoAutobookEntry extends HistoryEntryBase {
  outcome: 'no-autobook';
  reason: NoAutobookReason;
}

export type HistoryEntry = AutobookedEntry | NoAutobookEntry;

/** Why an input left no entry: already applied (R10), or a write that changes nothing. */
export type IgnoredReason = 'duplicate' | 'unchanged';

/**
 * The result of one input. `state` is a new object (the one passed in is never mutated), except when the
 * input is ignored: then it is the very state given, `entry` is null and nothing is to be stored.
 * `autobooked` is the payload to publish, if any.
 */
/** What a decision publishes: an autobook (R5), a heads-up (R13), a void (R15); each at most one. */
export interface Published {
  autobooked: SessionAutobooked | null;
  upcoming: SessionAutobookUpcoming | null;
  voided: SessionAutobookVoided | null;
}

export type Decision =
  | ({ state: PairState; entry: HistoryEntry; ignored: null } & Published)
  | { state: PairState; autobooked: null; upcoming: null; voided: null; entry: null; ignored: IgnoredReason };
