import { SessionAutobooked, SessionAutobookUpcoming, SessionAutobookVoided, TOPICS } from '#contracts';
import { Schema } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain/index.js';

/**
 * A pair's history, one document per change: the decisions of the inputs that changed it (an input
 * already applied changes nothing and is stored nowhere, R10) and the autobooks they made (the outbox).
 * The pair's state is folded from its entries (domain/evolve.ts); nothing else is stored of it.
 *
 * Only ever inserted. `_id` is the pair's key and the change's number, so one writer wins each change of
 * a pair, on MongoDB and on FerretDB alike (FerretDB applies concurrent updates of one document without
 * isolation): an event store with optimistic concurrency, without transactions.
 */
export interface PairChangeDocument {
  /** `pairChangeId(pairKey, version)`: the pair's key, `#`, the change's number zero-padded. */
  _id: string;
  pairKey: string;
  clientId: string;
  coachId: string;
  /** 1 for the pair's first change, then +1 per change. */
  version: number;
  /** When the change was written. */
  at: Date;
  /** The decisions of the inputs applied in this change, oldest first. */
  entries: HistoryEntry[];
  /** What the change publishes (the outbox), each field omitted when empty: `session.autobooked` payloads, */
  autobooked?: SessionAutobooked[];
  /** `session.autobook.upcoming` payloads (R13), */
  upcoming?: SessionAutobookUpcoming[];
  /** `session.autobook.voided` payloads (R15). */
  voided?: SessionAutobookVoided[];
  /**
   * The pair's whole state as of this change, when its entries cannot be folded into it: only in the one
   * change a migration writes for a pair stored by the earlier release (whose entries are kept as they were).
   */
  snapshot?: PairState;
}

/** An event a change publishes, with its topic. */
export type OutboxEvent =
  | { topic: typeof TOPICS.SESSION_AUTOBOOKED; payload: SessionAutobooked }
  | { topic: typeof TOPICS.SESSION_AUTOBOOK_UPCOMING; payload: SessionAutobookUpcoming }
  | { topic: typeof TOPICS.SESSION_AUTOBOOK_VOIDED; payload: SessionAutobookVoided };

type OutboxFields = Pick<PairChangeDocument, 'autobooked' | 'upcoming' | 'voided'>;

/** The events a stored change publishes, autobooks first. */
export function outboxOf(doc: OutboxFields): OutboxEvent[] {
  return [
    ...(doc.autobooked ?? []).map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOKED, payload }) as const),
    ...(doc.upcoming ?? []).map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOK_UPCOMING, payload }) as const),
    ...(doc.voided ?? []).map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOK_VOIDED, payload }) as const),
  ];
}

/** The fields of a change that hold these events (none for an empty kind). */
export function outboxFields(events: OutboxEvent[]): OutboxFields {
  const fields: OutboxFields = {};
  for (const event of events) {
    if (event.topic === TOPICS.SESSION_AUTOBOOKED) (fields.autobooked ??= []).push(event.payload);
    else if (event.topic === TOPICS.SESSION_AUTOBOOK_UPCOMING) (fields.upcoming ??= []).push(event.payload);
    else (fields.voided ??= []).push(event.payload);
  }
  return fields;
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
  pairs: number;
  changes: number;
}

export const PAIR_CHANGES_COLLECTION = 'pair_changes';
export const CLIENT_PAIRS_COLLECTION = 'client_pairs';
export const PUBLISHED_AUTOBOOKS_COLLECTION = 'published_autobooks';
export const LEGACY_PAIR_VERSIONS_COLLECTION = 'pair_versions';
export const MIGRATIONS_COLLECTION = 'migrations';

// Schemas document the shape and create the indexes; the repository writes through the driver
// (`collection.insertMany`), so nothing is cast or defaulted on the way.
export const pairChangeSchema = new Schema(
  {
    _id: { type: String, required: true },
    pairKey: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    version: { type: Number, required: true },
    at: { type: Date, required: true },
    entries: { type: [Schema.Types.Mixed], required: true },
    autobooked: { type: [Schema.Types.Mixed], default: undefined },
    upcoming: { type: [Schema.Types.Mixed], default: undefined },
    voided: { type: [Schema.Types.Mixed], default: undefined },
    snapshot: { type: Schema.Types.Mixed, default: undefined },
  },
  { collection: PAIR_CHANGES_COLLECTION, versionKey: false, minimize: true },
);
// A pair's changes in order: reads of one pair or a few, and the history's pages (walked backwards).
pairChangeSchema.index({ pairKey: 1, version: 1 });
// The outbox's pass at start: the changes of the last 24 hours that made autobooks.
pairChangeSchema.index({ at: 1 });
// Pauses that may be due, for pairs not held in memory (R14).
pairChangeSchema.index({ 'entries.changes.pausedUntil.to': 1 }, { sparse: true });

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
