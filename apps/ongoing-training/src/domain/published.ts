import type { SessionAutobookUpcoming, SessionAutobookVoided } from '#contracts';
import type { HistoryEntry, PairChanges, Published } from './decision.js';
import { autobookedEvent, PairState } from './pair-state.js';

/**
 * What a decision publishes, from the decision itself: the pair before it, its entry, and the pair after
 * it. `decide` publishes exactly this, so a pair's stored history gives back every event it published,
 * as it was published, and nothing else needs to keep them (the outbox is the history).
 */
export function publishedBy(before: PairState, entry: HistoryEntry, after: PairState): Published {
  const { changes } = entry;
  return {
    autobooked: entry.outcome === 'autobooked' ? autobookedEvent(after, after.lastAutobook!) : null,
    upcoming: changes.headsUp ? upcomingEvent(after, changes.headsUp, entry.at) : null,
    voided: changes.voided ? voidedEvent(before, changes.voided, entry) : null,
  };
}

/** R13: the heads-up for the pair's next autobook, at the rate and with the contacts of its last package. */
function upcomingEvent(state: PairState, headsUp: NonNullable<PairChanges['headsUp']>, at: string): SessionAutobookUpcoming {
  const rate = state.ratePackage;
  if (!rate) throw new Error(`heads-up ${headsUp.eventId} recorded for a pair without a package`);
  return {
    eventId: headsUp.eventId,
    occurredAt: at,
    clientId: state.clientId,
    coachId: state.coachId,
    sequence: headsUp.sequence,
    rate: { ...rate.rate },
    ratePackageId: rate.packageId,
    client: { ...rate.client },
    coach: { ...rate.coach },
  };
}

/** R15: the void of the pair's latest autobook (as it was before the entry), because its completion was undone. */
function voidedEvent(before: PairState, voided: NonNullable<PairChanges['voided']>, entry: HistoryEntry): SessionAutobookVoided {
  const autobook = before.lastAutobook;
  if (!autobook || entry.input.type !== 'session.completion.reverted')
    throw new Error(`void ${voided.eventId} recorded without an autobook or a reverted completion`);
  return {
    eventId: voided.eventId,
    occurredAt: entry.at,
    clientId: before.clientId,
    coachId: before.coachId,
    autobookEventId: autobook.eventId,
    sequence: autobook.sequence,
    rate: { ...autobook.rate },
    reason: { type: 'completion-reverted', sessionId: entry.input.sessionId, eventId: entry.input.eventId },
    client: { ...autobook.client },
    coach: { ...autobook.coach },
  };
}
