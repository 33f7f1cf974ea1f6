import { SessionAutobooked } from '@app/contracts';
import { Schema } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain';

/**
 * Every change to a pair is one insert into `pair_versions`, with `_id` = pair key + version: the
 * unique `_id` lets exactly one writer take each version (a conditional update would not do: FerretDB
 * applies concurrent updates of one document without isolation). The version holds the pair's new
 * state, the decisions that made it (the history) and the autobooks it made, which stay in the outbox
 * until the broker has acknowledged them. So every input is applied with one atomic write.
 */
export interface PairVersionDocument {
  _id: string;
  pairKey: string;
  clientId: string;
  coachId: string;
  version: number;
  state: PairState;
  entries: HistoryEntry[];
  autobooked: SessionAutobooked[];
  /** True until every autobook of this version is on the topic. */
  outboxPending: boolean;
  at: Date;
}

/**
 * The latest version of each pair, for reads by key: a cache of `pair_versions`. Writers that find
 * it behind (a crash between the insert and this write, or a racing writer) bring it forward.
 */
export interface PairHeadDocument {
  _id: string;
  clientId: string;
  coachId: string;
  version: number;
  state: PairState;
  updatedAt: Date;
}

export const PAIR_VERSIONS_COLLECTION = 'pair_versions';
export const PAIRS_COLLECTION = 'pairs';

// Untyped on purpose: `state`, `entries` and `autobooked` are the domain's plain objects, stored as they are.
export const pairVersionSchema = new Schema(
  {
    _id: { type: String, required: true },
    pairKey: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    version: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    entries: { type: [Schema.Types.Mixed], default: [] },
    autobooked: { type: [Schema.Types.Mixed], default: [] },
    outboxPending: { type: Boolean, required: true },
    at: { type: Date, required: true },
  },
  { collection: PAIR_VERSIONS_COLLECTION, versionKey: false, minimize: false },
);
pairVersionSchema.index({ pairKey: 1, version: -1 });
pairVersionSchema.index({ outboxPending: 1 });

export const pairHeadSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    version: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: PAIRS_COLLECTION, versionKey: false, minimize: false },
);
pairHeadSchema.index({ clientId: 1 });

/** The pair's key: unambiguous whatever characters the ids contain. */
export function pairKey(clientId: string, coachId: string): string {
  return JSON.stringify([clientId, coachId]);
}

/** The `_id` of a pair's version; zero-padded so that ids sort in version order. */
export function pairVersionId(key: string, version: number): string {
  return `${key}#${String(version).padStart(10, '0')}`;
}
