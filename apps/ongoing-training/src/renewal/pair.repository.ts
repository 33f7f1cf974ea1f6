import { Inject, Injectable } from '@nestjs/common';
import { Connection, Model } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain';
import { PAIRS_COLLECTION, PairDocument, pairKey, pairSchema } from './pair.schema';

export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');

/** Another writer changed the pair since it was read: read again and re-decide. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

export interface StoredPair {
  key: string;
  version: number;
  state: PairState;
  autobookCount: number;
  publishedThrough: number;
}

export interface PairWrite {
  state: PairState;
  entries: HistoryEntry[];
}

/** All mongoose code of the service; hands out plain objects, never documents. */
@Injectable()
export class PairRepository {
  private readonly pairs: Model<PairDocument>;

  constructor(@Inject(MONGO_CONNECTION) connection: Connection) {
    this.pairs = connection.models[PAIRS_COLLECTION] ?? connection.model<PairDocument>(PAIRS_COLLECTION, pairSchema);
  }

  async ensureIndexes(): Promise<void> {
    await this.pairs.createCollection().catch((error: { code?: number }) => {
      if (error.code !== 48) throw error; // NamespaceExists
    });
    await this.pairs.createIndexes();
  }

  async findMany(keys: string[]): Promise<Map<string, StoredPair>> {
    if (keys.length === 0) return new Map();
    const docs = await this.pairs
      .find({ _id: { $in: keys } }, { history: 0 })
      .lean<PairDocument[]>()
      .exec();
    return new Map(docs.map((d) => [d._id, toStored(d)]));
  }

  async find(clientId: string, coachId: string): Promise<StoredPair | null> {
    return (await this.findMany([pairKey(clientId, coachId)])).get(pairKey(clientId, coachId)) ?? null;
  }

  async findByClient(clientId: string): Promise<StoredPair[]> {
    const docs = await this.pairs.find({ clientId }, { history: 0 }).sort({ coachId: 1 }).lean<PairDocument[]>().exec();
    return docs.map(toStored);
  }

  /** The decision log, newest first. */
  async history(clientId: string, coachId: string, limit: number): Promise<HistoryEntry[] | null> {
    const doc = await this.pairs.findById(pairKey(clientId, coachId), { history: 1 }).lean<Pick<PairDocument, 'history'>>().exec();
    if (!doc) return null;
    return doc.history.slice(-limit).reverse();
  }

  /**
   * Writes the pair's new state and decision entries in one atomic, conditional write against the
   * version read (`previous` null: the pair is new). Throws VersionConflictError when another writer won.
   */
  async save(previous: StoredPair | null, clientId: string, coachId: string, write: PairWrite, now: Date): Promise<StoredPair> {
    const key = pairKey(clientId, coachId);
    const autobookCount = write.state.autobooks.length;
    const publishedThrough = previous?.publishedThrough ?? 0;
    const next: StoredPair = { key, version: (previous?.version ?? 0) + 1, state: write.state, autobookCount, publishedThrough };
    const outboxPending = autobookCount > publishedThrough;
    if (!previous) {
      try {
        await this.pairs.collection.insertOne({
          _id: key,
          clientId,
          coachId,
          version: next.version,
          state: write.state,
          history: write.entries,
          autobookCount,
          publishedThrough,
          outboxPending,
          updatedAt: now,
        } as never);
      } catch (error) {
        if ((error as { code?: number }).code === 11000) throw new VersionConflictError(`pair ${key} was created meanwhile`);
        throw error;
      }
      return next;
    }
    const result = await this.pairs.collection.updateOne(
      { _id: key, version: previous.version } as never,
      {
        $set: { version: next.version, state: write.state, autobookCount, outboxPending, updatedAt: now },
        $push: { history: { $each: write.entries } },
      } as never,
    );
    if (result.matchedCount !== 1) throw new VersionConflictError(`pair ${key} changed since version ${previous.version}`);
    return next;
  }

  /** Pairs with autobooks not yet acknowledged by the broker. */
  async pendingOutbox(limit: number): Promise<StoredPair[]> {
    const docs = await this.pairs.find({ outboxPending: true }, { history: 0 }).limit(limit).lean<PairDocument[]>().exec();
    return docs.map(toStored);
  }

  async countPendingOutbox(): Promise<number> {
    return this.pairs.countDocuments({ outboxPending: true }).exec();
  }

  /** Records that autobooks 1..sequence of the pair are on the topic. Never moves backwards. */
  async markPublished(key: string, sequence: number): Promise<void> {
    const done = await this.pairs.collection.updateOne(
      { _id: key, autobookCount: sequence, publishedThrough: { $lt: sequence } } as never,
      { $set: { publishedThrough: sequence, outboxPending: false } },
    );
    if (done.matchedCount === 1) return;
    // A newer autobook arrived meanwhile: it stays pending.
    await this.pairs.collection.updateOne({ _id: key, publishedThrough: { $lt: sequence } } as never, { $set: { publishedThrough: sequence } });
  }
}

function toStored(d: PairDocument): StoredPair {
  return { key: d._id, version: d.version, state: d.state, autobookCount: d.autobookCount, publishedThrough: d.publishedThrough };
}
