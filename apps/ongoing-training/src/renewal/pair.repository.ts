import { SessionAutobooked } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, Model } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain';
import {
  PAIRS_COLLECTION,
  PAIR_VERSIONS_COLLECTION,
  PairHeadDocument,
  PairVersionDocument,
  pairHeadSchema,
  pairKey,
  pairVersionId,
  pairVersionSchema,
} from './pair.schema';

export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');

/** Another writer took the pair's next version first: read again and re-decide. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

export interface StoredPair {
  key: string;
  version: number;
  state: PairState;
}

export interface PairWrite {
  state: PairState;
  entries: HistoryEntry[];
  autobooked: SessionAutobooked[];
}

/** Autobooks of one pair version that are not yet acknowledged by the broker. */
export interface OutboxItem {
  versionId: string;
  autobooked: SessionAutobooked[];
}

const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

/** All mongoose code of the service; hands out plain objects, never documents. */
@Injectable()
export class PairRepository {
  private readonly versions: Model<PairVersionDocument>;
  private readonly heads: Model<PairHeadDocument>;

  constructor(@Inject(MONGO_CONNECTION) connection: Connection) {
    this.versions = connection.models[PAIR_VERSIONS_COLLECTION] ?? connection.model<PairVersionDocument>(PAIR_VERSIONS_COLLECTION, pairVersionSchema);
    this.heads = connection.models[PAIRS_COLLECTION] ?? connection.model<PairHeadDocument>(PAIRS_COLLECTION, pairHeadSchema);
  }

  async ensureIndexes(): Promise<void> {
    for (const model of [this.versions, this.heads]) {
      await model.createCollection().catch((error: { code?: number }) => {
        if (error.code !== 48) throw error; // NamespaceExists
      });
      await model.createIndexes();
    }
  }

  // Reads and writes go by `_id` alone: the one filter FerretDB answers from an index; `$in` or an
  // extra condition makes it scan the collection.
  async findMany(keys: string[]): Promise<Map<string, StoredPair>> {
    const docs = await Promise.all(keys.map((key) => this.heads.findById(key).lean<PairHeadDocument>().exec()));
    return new Map(docs.flatMap((d) => (d ? [[d._id, toStored(d)] as const] : [])));
  }

  async find(clientId: string, coachId: string): Promise<StoredPair | null> {
    const key = pairKey(clientId, coachId);
    return (await this.findMany([key])).get(key) ?? null;
  }

  async findByClient(clientId: string): Promise<StoredPair[]> {
    const docs = await this.heads.find({ clientId }).sort({ coachId: 1 }).lean<PairHeadDocument[]>().exec();
    return docs.map(toStored);
  }

  /** The decision log, newest first; null when nothing is known of the pair. */
  async history(clientId: string, coachId: string, limit: number): Promise<HistoryEntry[] | null> {
    const key = pairKey(clientId, coachId);
    const head = await this.heads.findById(key, { version: 1 }).lean<Pick<PairHeadDocument, 'version'>>().exec();
    if (!head) return null;
    // Versions are read newest first by `_id`, a page at a time, until `limit` entries are found.
    let version = head.version;
    for (;;) {
      const next = await this.versions.findById(pairVersionId(key, version + 1), { _id: 1 }).lean().exec();
      if (!next) break;
      version++;
    }
    const entries: HistoryEntry[] = [];
    const PAGE = 20;
    for (let top = version; top >= 1 && entries.length < limit; top -= PAGE) {
      const ids = Array.from({ length: Math.min(PAGE, top) }, (_, i) => pairVersionId(key, top - i));
      const docs = await Promise.all(ids.map((id) => this.versions.findById(id, { entries: 1 }).lean<Pick<PairVersionDocument, 'entries'>>().exec()));
      for (const doc of docs) if (doc) entries.push(...[...doc.entries].reverse());
    }
    return entries.slice(0, limit);
  }

  /**
   * Takes the pair's next version with the new state, its decisions and its autobooks: one insert,
   * which only one writer can win. Throws VersionConflictError when another writer took it first.
   */
  async save(previous: StoredPair | null, clientId: string, coachId: string, write: PairWrite, now: Date): Promise<{ stored: StoredPair; outbox: OutboxItem | null }> {
    const key = pairKey(clientId, coachId);
    const version = (previous?.version ?? 0) + 1;
    const versionId = pairVersionId(key, version);
    try {
      await this.versions.collection.insertOne({
        _id: versionId,
        pairKey: key,
        clientId,
        coachId,
        version,
        state: write.state,
        entries: write.entries,
        autobooked: write.autobooked,
        outboxPending: write.autobooked.length > 0,
        at: now,
      } as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Our head was behind: bring it forward for the retry.
      await this.catchUpHead(key, version);
      throw new VersionConflictError(`pair ${key} version ${version} was taken by another writer`);
    }
    await this.writeHead({ _id: key, clientId, coachId, version, state: write.state, updatedAt: now });
    return { stored: { key, version, state: write.state }, outbox: write.autobooked.length > 0 ? { versionId, autobooked: write.autobooked } : null };
  }

  /**
   * Pair versions written before `before` whose autobooks are not yet acknowledged by the broker.
   * (A scan on FerretDB: the sweep that calls it runs seldom.)
   */
  async pendingOutbox(limit: number, before: Date): Promise<OutboxItem[]> {
    const docs = await this.versions
      .find({ outboxPending: true, at: { $lt: before } }, { autobooked: 1 })
      .limit(limit)
      .lean<Pick<PairVersionDocument, '_id' | 'autobooked'>[]>()
      .exec();
    return docs.map((d) => ({ versionId: d._id, autobooked: d.autobooked }));
  }

  async markPublished(versionIds: string[]): Promise<void> {
    await Promise.all(versionIds.map((_id) => this.versions.collection.updateOne({ _id } as never, { $set: { outboxPending: false } })));
  }

  /** Moves the head to the newest version written, following versions from `from` on. */
  private async catchUpHead(key: string, from: number): Promise<void> {
    let latest: PairVersionDocument | null = null;
    for (let version = from; ; version++) {
      const doc = await this.versions.findById(pairVersionId(key, version)).lean<PairVersionDocument>().exec();
      if (!doc) break;
      latest = doc;
    }
    if (latest) {
      await this.writeHead({ _id: key, clientId: latest.clientId, coachId: latest.coachId, version: latest.version, state: latest.state, updatedAt: latest.at });
    }
  }

  /**
   * Writes the head. Only the writer that took a version writes it, right after; should a slow writer
   * still put an older version over a newer one, the next write conflicts and brings it forward.
   */
  private async writeHead(head: PairHeadDocument): Promise<void> {
    const { _id, ...fields } = head;
    await this.heads.collection.updateOne({ _id } as never, { $set: fields }, { upsert: true });
  }
}

function toStored(d: PairHeadDocument): StoredPair {
  return { key: d._id, version: d.version, state: d.state };
}
