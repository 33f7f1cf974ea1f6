import type { Money, SessionAutobooked } from '@app/contracts';
import type { PairState } from './pair-state';

// The history of a pair is one entry per input, newest first at the HTTP edge. Entries are data, not
// prose, and JSON-friendly because they are stored as they are.

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
  packageAdded?: { packageId: string; sessionCount: number; price: Money; rate: Money; autoRenewal: boolean };
  sessionCompleted?: string;
  /** The last package (R4) changed, and with it the rate of later autobooks (R7). */
  rate?: { from: RateRef | null; to: RateRef };
  autoRenewalOffered?: { from: boolean; to: boolean };
  enrolled?: { from: boolean; to: boolean };
  /** A checkout chose the switch, but a newer choice had already been made (last writer wins, R2, R8). */
  checkoutSwitchIgnored?: { requested: boolean; enrolledChangedAt: string };
  sessionsOnDeck: { from: number; to: number };
}

/** Why an input booked nothing. */
export type NoAutobookReason =
  | 'duplicate'
  | 'not-enrolled'
  | 'auto-renewal-not-offered'
  | 'waiting-for-package'
  | 'sessions-on-deck';

interface HistoryEntryBase {
  /** When the decision was made (the decision's `now`). */
  at: string;
  input: HistoryInput;
  changes: PairChanges;
}

export interface AutobookedEntry extends HistoryEntryBase {
  outcome: 'autobooked';
  autobook: { sequence: number; eventId: string; rate: Money; ratePackageId: string };
}

export interface NoAutobookEntry extends HistoryEntryBase {
  outcome: 'no-autobook';
  reason: NoAutobookReason;
}

export type HistoryEntry = AutobookedEntry | NoAutobookEntry;

/**
 * The result of one input. `state` is a new object (the one passed in is never mutated), except for a
 * duplicate, which returns the very state it was given. `autobooked` is the payload to publish, if any.
 */
export interface Decision {
  state: PairState;
  autobooked: SessionAutobooked | null;
  entry: HistoryEntry;
}
