import { Schema } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain';

/**
 * One document per pair holds everything an input changes: the state, the decision log and the outbox
 * (the autobooks not yet acknowledged by the broker). So every input is applied with a single atomic,
 * conditional write: no multi-document transaction is ever needed.
 */
export interface PairDocument {
  _id: string;
  clientId: string;
  coachId: string;
  /** Optimistic concurrency: a write succeeds only against the version it read. */
  version: number;
  state: PairState;
  history: HistoryEntry[];
  /** Autobooks 1..autobookCount exist in `state.autobooks`; 1..publishedThrough are on the topic. */
  autobookCount: number;
  publishedThrough: number;
  outboxPending: boolean;
  updatedAt: Date;
}

export const PAIRS_COLLECTION = 'pairs';

// Untyped on purpose: `state` and `history` are the domain's plain objects, stored as they are.
export const pairSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    version: { type: Number, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    history: { type: [Schema.Types.Mixed], default: [] },
    autobookCount: { type: Number, required: true },
    publishedThrough: { type: Number, required: true },
    outboxPending: { type: Boolean, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: PAIRS_COLLECTION, versionKey: false, minimize: false, strict: 'throw' },
);
pairSchema.index({ clientId: 1, coachId: 1 }, { unique: true });
pairSchema.index({ outboxPending: 1 });

/** The pair's key: unambiguous whatever characters the ids contain. */
export function pairKey(clientId: string, coachId: string): string {
  return JSON.stringify([clientId, coachId]);
}
