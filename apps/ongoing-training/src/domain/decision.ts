import type { Money, SessionAutobooked } from '@app/contracts';
import type { AutobookTrigger, PackageRecord, PairState } from './pair-state';

// The history of a pair is one entry per input that changed it, newest first at the HTTP edge. Entries
// are data, not prose, and they are the pair's only stored record: the state is folded from them
// (evolve.ts), so each holds what its input changed, in full.

/** The input an entry is about, reduced to the ids ops search by. */
export type HistoryInput =
  | { type: 'package.booked'; eventId: string; occurredAt: string; packageId: string }
  | { type: 'session.completed'; eventId: string; occurredAt: string; sessionId: string }
  | { type: 'enrollment'; enrolled: boolean };

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
export type NoAutobookReason = 'not-enrolled' | 'auto-renewal-not-offered' | 'waiting-for-package' | 'sessions-on-deck';

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
export type Decision =
  | { state: PairState; autobooked: SessionAutobooked | null; entry: HistoryEntry; ignored: null }
  | { state: PairState; autobooked: null; entry: null; ignored: IgnoredReason };
