import type { AutobookedEntry, HistoryEntry, PairChanges } from './decision.js';
import { emptyPair, PairState } from './pair-state.js';

/**
 * The pair after one history entry: what the entry says changed, applied. `decide` builds every new
 * state with it, so folding a pair's stored history gives back exactly the state the decisions saw.
 */
export interface EvolveStep {
  at: string;
  changes: Omit<PairChanges, 'sessionsOnDeck'>;
  autobook?: AutobookedEntry['autobook'];
}

export function evolve(state: PairState, entry: EvolveStep | HistoryEntry): PairState {
  const { changes } = entry;
  const next: PairState = { ...state, updatedAt: entry.at };
  if (changes.packageAdded) {
    next.packageIds = [...state.packageIds, changes.packageAdded.packageId];
    next.sessionsBought = state.sessionsBought + changes.packageAdded.sessionCount;
    next.autobooksAtLastPackage = state.autobookCount;
    if (changes.rate) next.ratePackage = changes.packageAdded;
  }
  if (changes.sessionCompleted !== undefined) next.completedSessionIds = [...state.completedSessionIds, changes.sessionCompleted];
  if (changes.completionReverted) {
    const { sessionId } = changes.completionReverted;
    next.completedSessionIds = next.completedSessionIds.filter((id) => id !== sessionId);
    next.revertedSessionIds = [...state.revertedSessionIds, sessionId];
  }
  if (changes.voided) next.voidedSequences = [...state.voidedSequences, changes.voided.sequence];
  if (changes.payment) {
    const { autobookEventId } = changes.payment;
    next.payments = [...state.payments.filter((p) => p.autobookEventId !== autobookEventId), changes.payment];
  }
  if (changes.enrolled) next.enrolled = changes.enrolled.to;
  if (changes.enrolledChangedAt !== undefined) next.enrolledChangedAt = changes.enrolledChangedAt;
  if (changes.pausedUntil) next.pausedUntil = changes.pausedUntil.to;
  if (changes.headsUp) next.headsUpSequence = changes.headsUp.sequence;
  if ('autobook' in entry && entry.autobook) {
    const contacts = next.ratePackage;
    if (!contacts) throw new Error(`autobook ${entry.autobook.eventId} recorded for a pair without a package`);
    next.autobookCount = entry.autobook.sequence;
    next.lastAutobook = {
      sequence: entry.autobook.sequence,
      eventId: entry.autobook.eventId,
      occurredAt: entry.at,
      rate: { ...entry.autobook.rate },
      ratePackageId: entry.autobook.ratePackageId,
      trigger: { ...entry.autobook.trigger },
      // The contacts of the rate package, which is the last package when the autobook is made.
      client: { ...contacts.client },
      coach: { ...contacts.coach },
    };
  }
  return next;
}

/** A pair's state from its history, oldest entry first. */
export function foldHistory(clientId: string, coachId: string, entries: Iterable<HistoryEntry>): PairState {
  let state = emptyPair(clientId, coachId);
  for (const entry of entries) state = evolve(state, entry);
  return state;
}
