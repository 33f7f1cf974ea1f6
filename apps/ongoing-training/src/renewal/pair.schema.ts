import { SessionAutobooked } from '@app/contracts';
import { Schema } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain';

/**
 * The service only ever inserts, and reads by `_id` or by pair:
 * - a unique `_id` lets exactly one writer take each version of a pair, on MongoDB and on FerretDB
 *   alike (FerretDB applies concurrent updates of one document without isolation, and answers any
 *   update or query by scanning the collection);
 * - every chunk of inputs is applied with one atomic insert per pair that holds the pair's new state,
 *   the decisions that made it (the history) and the autobooks it made (the outbox).
 */
export interface PairVersionDocument {
  /** `pairVersionId(pairKey, version)` */
  _id: string;
  pairKey: string;
  clientId: string;
  coachId: string;
  version: number;
  /** How many autobooks this version made (they are in `body`): the outbox sweep looks for versions with some. */
  autobookCount: number;
  /**
   * The version's content (`VersionBody`) as one JSON string. Nothing queries inside it, and a flat
   * string field is several times cheaper to write than the same content as nested fields (FerretDB
   * converts every nested value on insert).
   */
  body: string;
  at: Date;
}

/** What a version holds. */
export interface VersionBody {
  state: PairState;
  entries: HistoryEntry[];
  /** Autobooks made by this version, to be published. */
  autobooked: SessionAutobooked[];
}

export function encodeBody(body: VersionBody): string {
  return JSON.stringify(body);
}

/**
 * Versions written by earlier builds hold their content as fields (`state`, `entries`, `autobooked`)
 * and have no `body`: they are read as they are, so an upgrade needs no migration.
 */
export type StoredVersionContent = Partial<Pick<PairVersionDocument, 'body'> & VersionBody>;

/** The fields a read of a version's content asks for, in either shape. */
export const VERSION_CONTENT_FIELDS = { body: 1, state: 1, entries: 1, autobooked: 1 } as const;

export function decodeBody(doc: StoredVersionContent): VersionBody {
  if (typeof doc.body === 'string') return JSON.parse(doc.body) as VersionBody;
  return { state: doc.state!, entries: doc.entries ?? [], autobooked: doc.autobooked ?? [] };
}

/** Versions that made autobooks, in either shape. */
export const MADE_AUTOBOOKS = { $or: [{ autobookCount: { $gt: 0 } }, { 'autobooked.0': { $exists: true } }] };

/** One per pair, inserted with its first version: the list of a client's coaches. */
export interface ClientPairDocument {
  _id: string;
  clientId: string;
  coachId: string;
}

/** One per autobook the broker has acknowledged (`_id` = its eventId): the outbox is done with it. */
export interface PublishedAutobookDocument {
  _id: string;
  at: Date;
}

export const PAIR_VERSIONS_COLLECTION = 'pair_versions';
export const CLIENT_PAIRS_COLLECTION = 'client_pairs';
export const PUBLISHED_AUTOBOOKS_COLLECTION = 'published_autobooks';

export const pairVersionSchema = new Schema(
  {
    _id: { type: String, required: true },
    pairKey: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    version: { type: Number, required: true },
    autobookCount: { type: Number, required: true },
    body: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: PAIR_VERSIONS_COLLECTION, versionKey: false, minimize: false },
);
pairVersionSchema.index({ at: 1 });
pairVersionSchema.index({ pairKey: 1, version: -1 });

export const clientPairSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
  },
  { collection: CLIENT_PAIRS_COLLECTION, versionKey: false },
);
clientPairSchema.index({ clientId: 1 });

export const publishedAutobookSchema = new Schema(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { collection: PUBLISHED_AUTOBOOKS_COLLECTION, versionKey: false },
);
publishedAutobookSchema.index({ at: 1 });

/** The pair's key: unambiguous whatever characters the ids contain. */
export function pairKey(clientId: string, coachId: string): string {
  return JSON.stringify([clientId, coachId]);
}

/** The `_id` of a pair's version; zero-padded so that ids sort in version order. */
export function pairVersionId(key: string, version: number): string {
  return `${key}#${String(version).padStart(10, '0')}`;
}
