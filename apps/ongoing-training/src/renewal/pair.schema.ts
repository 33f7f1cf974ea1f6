import { SessionAutobooked, SessionAutobookUpcoming, SessionAutobookVoided, TOPICS } from '#contracts';
import { Schema } from 'mongoose';
import { compactEntry, CompactEntry, EntryContext, HistoryEntry, PairState, Published } from '../domain/index.js';
import { autobookEventId, upcomingEventId } from './autobook-id.js';

/**
 * A pair's history, one document per change: the decisions of the inputs that changed it (an input
 * already applied changes nothing and is stored nowhere, R10). The pair's state is folded from its
 * entries (domain/evolve.ts), and so are the events each decision published (domain/published.ts):
 * the history is the outbox, and nothing else is stored of the pair.
 *
 * Only ever inserted. `_id` is the pair's key and the change's number, so one writer wins each change of
 * a pair, on MongoDB and on FerretDB alike (FerretDB applies concurrent updates of one document without
 * isolation): an event store with optimistic concurrency, without transactions. `_id` also orders a
 * pair's changes, so its index serves every read of a pair (a range of `_id`s, see `changeIdRange`).
 *
 * Each entry is stored compact (domain/compact-entry.ts: without what follows from the rest of it, the
 * pair and the count on deck before it) and without its `at` when that is the change's; `changeOf` puts
 * the `at` back, and the fold (or a history page) the rest. Changes written by the releases before hold
 * their entries in full, and also `pairKey`, `version`, every entry's `at` and the events in full
 * (`autobooked`, `upcoming`, `voided`); they are read as they are.
 */
export interface PairChangeDocument {
  /** `pairChangeId(pairKey, version)`: the pair's key, `#`, the change's number zero-padded. */
  _id: string;
  clientId: string;
  coachId: string;
  /** When the change was written: the time of its decisions. */
  at: Date;
  /** The decisions of the inputs applied in this change, oldest first. */
  entries: StoredEntry[];
  /**
   * The pair's whole state as of this change, when its entries cannot be folded into it: only in the one
   * change a migration writes for a pair stored by the earlier release (whose entries are kept as they
   * were, with its autobooks in `autobooked`).
   */
  snapshot?: PairState;
  /** The events of the change, as published: only in changes of a migration and of the release before. */
  autobooked?: SessionAutobooked[];
  upcoming?: SessionAutobookUpcoming[];
  voided?: SessionAutobookVoided[];
  /** Written by the release before, and read no more: the `_id` says both. */
  pairKey?: string;
  version?: number;
}

/** A history entry as stored: compact, and without its `at` when that is the change's. */
export type StoredEntry = (Omit<Extract<CompactEntry, { outcome: 'autobooked' }>, 'at'> | Omit<Extract<CompactEntry, { outcome: 'no-autobook' }>, 'at'>) & {
  at?: string;
};

/** A stored change as the code uses it: the pair and number from the `_id`, every entry with its time. */
export interface PairChange {
  pairKey: string;
  version: number;
  clientId: string;
  coachId: string;
  at: Date;
  /** As stored, each with its time: `expandEntry`, given the count on deck before it, gives it in full. */
  entries: CompactEntry[];
  /** The events the change stored (a migration's, or the release before's); null: they follow from its entries. */
  stored: OutboxEvent[] | null;
  snapshot?: PairState;
}

/** An event a change publishes, with its topic. */
export type OutboxEvent =
  | { topic: typeof TOPICS.SESSION_AUTOBOOKED; payload: SessionAutobooked }
  | { topic: typeof TOPICS.SESSION_AUTOBOOK_UPCOMING; payload: SessionAutobookUpcoming }
  | { topic: typeof TOPICS.SESSION_AUTOBOOK_VOIDED; payload: SessionAutobookVoided };

/** What a decision published, as the outbox publishes it: its autobook, heads-up and void, in that order. */
export function eventsOf(published: Published): OutboxEvent[] {
  const events: OutboxEvent[] = [];
  if (published.autobooked) events.push({ topic: TOPICS.SESSION_AUTOBOOKED, payload: published.autobooked });
  if (published.upcoming) events.push({ topic: TOPICS.SESSION_AUTOBOOK_UPCOMING, payload: published.upcoming });
  if (published.voided) events.push({ topic: TOPICS.SESSION_AUTOBOOK_VOIDED, payload: published.voided });
  return events;
}

/** The pair of a change, with the ids its events carry (as decide derived them: autobook-id.ts). */
export function entryContext(clientId: string, coachId: string): EntryContext {
  return { clientId, coachId, autobookEventId, upcomingEventId };
}

/**
 * The change to store: `_id` from the pair's key and the change's number, nothing written twice, each
 * entry compact (`compact: false`: as given, for a migration's entries of an earlier release).
 */
export function changeDocument(
  change: Pick<PairChange, 'pairKey' | 'version' | 'clientId' | 'coachId' | 'at'> & { entries: HistoryEntry[] },
  { compact = true } = {},
): PairChangeDocument {
  const iso = change.at.toISOString();
  const context = entryContext(change.clientId, change.coachId);
  return {
    _id: pairChangeId(change.pairKey, change.version),
    clientId: change.clientId,
    coachId: change.coachId,
    at: change.at,
    entries: change.entries.map((entry) => {
      const { at, ...stored } = compact ? compactEntry(entry, context) : entry;
      return (at === iso ? stored : { at, ...stored }) as StoredEntry;
    }),
  };
}

/** A stored change (of this release or an earlier one) with everything put back. */
export function changeOf(doc: Pick<PairChangeDocument, '_id' | 'clientId' | 'coachId' | 'at'> & Partial<PairChangeDocument>): PairChange {
  const { pairKey: key, version } = parseChangeId(doc._id);
  const iso = doc.at.toISOString();
  const stored = [
    ...(doc.autobooked ?? []).map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOKED, payload }) as const),
    ...(doc.upcoming ?? []).map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOK_UPCOMING, payload }) as const),
    ...(doc.voided ?? []).map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOK_VOIDED, payload }) as const),
  ];
  const change: PairChange = {
    pairKey: key,
    version,
    clientId: doc.clientId,
    coachId: doc.coachId,
    at: doc.at,
    entries: (doc.entries ?? []).map((entry) => (entry.at === undefined ? { at: iso, ...entry } : entry) as CompactEntry),
    stored: stored.length > 0 || doc.snapshot ? stored : null,
  };
  if (doc.snapshot) change.snapshot = doc.snapshot;
  return change;
}

/** One per pair, inserted with its first change: the list of a client's coaches. */
export interface ClientPairDocument {
  _id: string;
  clientId: string;
  coachId: string;
}

/** One per published event the broker has acknowledged (`_id` = its eventId): the outbox is done with it. */
export interface PublishedAutobookDocument {
  _id: string;
  at: Date;
}

/** The release before this one stored a version per change with the pair's whole state in it. */
export interface LegacyPairVersionDocument {
  _id: string;
  pairKey: string;
  clientId: string;
  coachId: string;
  version: number;
  body?: string;
  entries?: unknown[];
  autobooked?: SessionAutobooked[];
  at: Date;
}

/** Marks one-off data migrations done (`_id` = the migration's name). */
export interface MigrationDocument {
  _id: string;
  at: Date;
  /** What it carried over: pairs and their changes (`pair_versions-to-pair_changes`), or pauses (`pair_changes-to-pauses`). */
  pairs?: number;
  changes?: number;
  pauses?: number;
}

export const PAIR_CHANGES_COLLECTION = 'pair_changes';
export const CLIENT_PAIRS_COLLECTION = 'client_pairs';
export const PUBLISHED_AUTOBOOKS_COLLECTION = 'published_autobooks';
export const LEGACY_PAIR_VERSIONS_COLLECTION = 'pair_versions';
export const MIGRATIONS_COLLECTION = 'migrations';
export const PAUSES_COLLECTION = 'pauses';

// Schemas document the shape and create the indexes; the repository writes through the driver
// (`collection.insertMany`), so nothing is cast or defaulted on the way.
export const pairChangeSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    at: { type: Date, required: true },
    entries: { type: [Schema.Types.Mixed], required: true },
    snapshot: { type: Schema.Types.Mixed, default: undefined },
    autobooked: { type: [Schema.Types.Mixed], default: undefined },
  },
  { collection: PAIR_CHANGES_COLLECTION, versionKey: false, minimize: true },
);
// A pair's changes in order (reads of one pair or a few, the history's pages walked backwards) are a
// range of `_id`s: its own index serves them.
// The outbox's pass at start, when the pairs were not all read back: the pairs changed in the last 24 hours.
pairChangeSchema.index({ at: 1 });

/**
 * A pause set (R14) whose end is still to be seen to: `_id` is the `_id` of the change that set it,
 * `until` when it ends. Inserted before that change; deleted once it is due and found ended, replaced or
 * never stored. So it holds the pauses of the last 180 days at most, and the due ones are one query of
 * its index, for pairs held in memory or not.
 */
export interface PauseDocument {
  _id: string;
  until: Date;
}

export const pauseSchema = new Schema(
  { _id: { type: String, required: true }, until: { type: Date, required: true } },
  { collection: PAUSES_COLLECTION, versionKey: false },
);
// The pauses due by now.
pauseSchema.index({ until: 1 });

export const clientPairSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
  },
  { collection: CLIENT_PAIRS_COLLECTION, versionKey: false },
);
clientPairSchema.index({ clientId: 1, coachId: 1 });

export const publishedAutobookSchema = new Schema(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { collection: PUBLISHED_AUTOBOOKS_COLLECTION, versionKey: false },
);
publishedAutobookSchema.index({ at: 1 });

export const legacyPairVersionSchema = new Schema({ _id: String }, { collection: LEGACY_PAIR_VERSIONS_COLLECTION, strict: false, versionKey: false });

export const migrationSchema = new Schema({ _id: String }, { collection: MIGRATIONS_COLLECTION, strict: false, versionKey: false });

/** The pair's key: unambiguous whatever characters the ids contain. */
export function pairKey(clientId: string, coachId: string): string {
  return JSON.stringify([clientId, coachId]);
}

/** The `_id` of a pair's change; zero-padded so that ids sort in change order. */
export function pairChangeId(key: string, version: number): string {
  return `${key}#${String(version).padStart(10, '0')}`;
}

/** The pair's key and the change's number, from a change's `_id`. */
export function parseChangeId(id: string): { pairKey: string; version: number } {
  const at = id.lastIndexOf('#');
  return { pairKey: id.slice(0, at), version: Number(id.slice(at + 1)) };
}

/**
 * The `_id`s of a pair's changes, as a range: its key then `#` (a key is a JSON array, so no other key
 * starts with it and `#`), up to the key then `$`, the character after `#`.
 */
export function changeIdRange(key: string, upTo?: number): { $gt: string; $lt?: string; $lte?: string } {
  return upTo === undefined ? { $gt: `${key}#`, $lt: `${key}$` } : { $gt: `${key}#`, $lte: pairChangeId(key, upTo) };
}
