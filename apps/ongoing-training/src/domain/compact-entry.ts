import type { AutobookedEntry, HistoryEntry, HistoryInput, NoAutobookEntry, PairChanges, RateRef } from './decision.js';
import type { AutobookTrigger, PackageRecord } from './pair-state.js';
import type { DecideContext } from './renewal-policy.js';

// A history entry is kept as it is stored (and then stored), without what the entry itself, the pair and
// the on-deck count before it already say. Each field left out is put back exactly (`expandEntry`), so the
// history, the state folded from it and the events it published are the same either way; an entry
// written in full (by an earlier release) is read as it is.

/** The pair an entry belongs to, with the functions that derive its events' ids (as `decide` had them). */
export type EntryContext = { clientId: string; coachId: string } & Pick<DecideContext, 'autobookEventId' | 'upcomingEventId'>;

type FromTo<T> = { from: T; to: T };

/**
 * What an input changed, as stored: `sessionsOnDeck` is the count after the input (before it is the count
 * the entry before left); `enrolled` and `autoRenewalOffered` are what they became (they were the other
 * value); a completion's session and a package's ids are those of its input; the rate is the package
 * added (`rate.to`, only the `from` is kept); a heads-up's id follows from its sequence. Each also in full, as earlier releases wrote them.
 */
export type CompactChanges = Omit<PairChanges, 'packageAdded' | 'rate' | 'enrolled' | 'autoRenewalOffered' | 'headsUp' | 'sessionsOnDeck'> & {
  packageAdded?: PackageRecord | Omit<PackageRecord, 'packageId' | 'eventId' | 'occurredAt'>;
  rate?: { from: RateRef | null; to?: RateRef };
  enrolled?: boolean | FromTo<boolean>;
  autoRenewalOffered?: boolean | FromTo<boolean>;
  headsUp?: { sequence: number; eventId?: string };
  sessionsOnDeck: number | FromTo<number>;
};

/** An autobook as stored: its id follows from the pair and the sequence, its trigger from the input. */
export type CompactAutobook = Omit<AutobookedEntry['autobook'], 'eventId' | 'trigger'> & { eventId?: string; trigger?: AutobookTrigger };

export type CompactEntry =
  | (Omit<AutobookedEntry, 'changes' | 'autobook'> & { changes: CompactChanges; autobook: CompactAutobook })
  | (Omit<NoAutobookEntry, 'changes'> & { changes: CompactChanges });

/** The autobook's trigger (`session.autobooked`'s `trigger`): what brought on deck to 0, the entry's input. */
export function triggerOf(input: HistoryInput): AutobookTrigger {
  switch (input.type) {
    case 'package.booked':
    case 'payment.succeeded':
      return { type: input.type, eventId: input.eventId };
    case 'session.completed':
    case 'session.completion.reverted':
      // A revert never brings on deck down; should a package or a pause have left it at 0, the revert is what applied.
      return { type: 'session.completed', eventId: input.eventId, sessionId: input.sessionId };
    case 'enrollment':
    case 'resume':
      return { type: input.type };
    case 'payment.failed':
    case 'pause':
      // Neither lowers on deck nor lifts a hold, so neither ever brings a pair to book.
      throw new Error(`a ${input.type} never books a session`);
  }
}

/** The entry without what follows from the rest of it, the pair, and the count on deck before it. */
export function compactEntry(entry: HistoryEntry, context: EntryContext): CompactEntry {
  const { input } = entry;
  // Overriding a key keeps its place, so the stored document reads in the order decide wrote it.
  const { sessionCompleted, ...others } = entry.changes;
  const { packageAdded, rate, enrolled, autoRenewalOffered, headsUp } = others;
  const changes: CompactChanges = {
    ...(sessionCompleted !== undefined && !(input.type === 'session.completed' && input.sessionId === sessionCompleted) ? { sessionCompleted } : {}),
    ...others,
    ...(packageAdded ? { packageAdded: packageTerms(packageAdded, input) } : {}),
    ...(rate && packageAdded && sameRate(rate.to, packageAdded) ? { rate: { from: rate.from } } : {}),
    ...(enrolled ? { enrolled: enrolled.from === !enrolled.to ? enrolled.to : enrolled } : {}),
    ...(autoRenewalOffered ? { autoRenewalOffered: autoRenewalOffered.from === !autoRenewalOffered.to ? autoRenewalOffered.to : autoRenewalOffered } : {}),
    ...(headsUp
      ? { headsUp: headsUp.eventId === context.upcomingEventId(context.clientId, context.coachId, headsUp.sequence) ? { sequence: headsUp.sequence } : headsUp }
      : {}),
    sessionsOnDeck: others.sessionsOnDeck.to,
  };
  if (entry.outcome !== 'autobooked') return { ...entry, changes };
  const { eventId, trigger, ...autobook } = entry.autobook;
  return {
    ...entry,
    changes,
    autobook: {
      ...autobook,
      ...(eventId === context.autobookEventId(context.clientId, context.coachId, autobook.sequence) ? {} : { eventId }),
      ...(sameTrigger(trigger, triggerOf(input)) ? {} : { trigger }),
    },
  };
}

/** The entry in full: `onDeckBefore` is the count on deck before it (the `to` of the entry before, 0 for a pair's first). */
export function expandEntry(stored: CompactEntry, onDeckBefore: number, context: EntryContext): HistoryEntry {
  const { input } = stored;
  const { packageAdded, rate, enrolled, autoRenewalOffered, headsUp, sessionsOnDeck } = stored.changes;
  const record =
    packageAdded && ('packageId' in packageAdded || input.type !== 'package.booked' ? (packageAdded as PackageRecord) : packageRecord(packageAdded, input));
  // Each key put back in its place; the spreads below replace every stored form with the full one.
  const changes = {
    ...(stored.changes.sessionCompleted === undefined && input.type === 'session.completed' ? { sessionCompleted: input.sessionId } : {}),
    ...(stored.changes as Omit<CompactChanges, 'sessionsOnDeck'>),
    ...(record ? { packageAdded: record } : {}),
    ...(rate && !rate.to && record ? { rate: { from: rate.from, to: { packageId: record.packageId, rate: record.rate } } } : {}),
    ...(enrolled !== undefined ? { enrolled: fromTo(enrolled) } : {}),
    ...(autoRenewalOffered !== undefined ? { autoRenewalOffered: fromTo(autoRenewalOffered) } : {}),
    ...(headsUp
      ? { headsUp: { sequence: headsUp.sequence, eventId: headsUp.eventId ?? context.upcomingEventId(context.clientId, context.coachId, headsUp.sequence) } }
      : {}),
    sessionsOnDeck: typeof sessionsOnDeck === 'number' ? { from: onDeckBefore, to: sessionsOnDeck } : sessionsOnDeck,
  } as PairChanges;
  if (stored.outcome !== 'autobooked') return { ...stored, changes };
  const { sequence, eventId, ratePackageId, trigger } = stored.autobook;
  return {
    ...stored,
    changes,
    autobook: {
      sequence,
      eventId: eventId ?? context.autobookEventId(context.clientId, context.coachId, sequence),
      rate: stored.autobook.rate,
      ratePackageId,
      trigger: trigger ?? triggerOf(input),
    },
  };
}

/** The count on deck after a stored entry. */
export function onDeckAfter(stored: CompactEntry | HistoryEntry): number {
  const { sessionsOnDeck } = stored.changes;
  return typeof sessionsOnDeck === 'number' ? sessionsOnDeck : sessionsOnDeck.to;
}

function packageTerms(record: PackageRecord, input: HistoryInput): CompactChanges['packageAdded'] {
  const { packageId, eventId, occurredAt, ...terms } = record;
  const fromInput = input.type === 'package.booked' && input.packageId === packageId && input.eventId === eventId && input.occurredAt === occurredAt;
  return fromInput ? terms : record;
}

function packageRecord(
  terms: Omit<PackageRecord, 'packageId' | 'eventId' | 'occurredAt'>,
  input: Extract<HistoryInput, { type: 'package.booked' }>,
): PackageRecord {
  return { packageId: input.packageId, eventId: input.eventId, occurredAt: input.occurredAt, ...terms };
}

function sameRate(ref: RateRef, record: PackageRecord): boolean {
  return ref.packageId === record.packageId && ref.rate.amount === record.rate.amount && ref.rate.currency === record.rate.currency;
}

function fromTo(value: boolean | FromTo<boolean>): FromTo<boolean> {
  return typeof value === 'boolean' ? { from: !value, to: value } : value;
}

function sameTrigger(a: AutobookTrigger, b: AutobookTrigger): boolean {
  return a.type === b.type && a.eventId === b.eventId && a.sessionId === b.sessionId && Object.keys(a).length === Object.keys(b).length;
}
