import { SessionAutobooked } from '@app/contracts';
import { ensureCollections, modelOf } from '@app/platform/mongo/mongo-connection';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, Model } from 'mongoose';
import type { HistoryEntry, PairState } from '../domain';
import {
  CLIENT_PAIRS_COLLECTION,
  ClientPairDocument,
  PAIR_VERSIONS_COLLECTION,
  PUBLISHED_AUTOBOOKS_COLLECTION,
  PairVersionDocument,
  PublishedAutobookDocument,
  clientPairSchema,
  MADE_AUTOBOOKS,
  StoredVersionContent,
  VERSION_CONTENT_FIELDS,
  decodeBody,
  encodeBody,
  pairKey,
  pairVersionId,
  pairVersionSchema,
  publishedAutobookSchema,
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
  /** Read from the database just now (not from this process's memory of its own writes). */
  cold?: boolean;
}

export interface VersionWrite {
  previous: StoredPair | null;
  clientId: string;
  coachId: string;
  state: PairState;
  entries: HistoryEntry[];
  autobooked: SessionAutobooked[];
}

/** Latest versions kept in memory: most inputs of a pair follow each other on one partition. */
// Sized with the app's heap limit (scripts/app-processes.js): a pair's state takes a few kB.
const CACHE_LIMIT = 20_000;

/** From this many pairs up, unknown pairs are read with two queries for all rather than probes per pair. */
const BATCH_READ_FROM = 4;

const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

/**
 * All mongoose code of the service; hands out plain objects, never documents. Only inserts and reads
 * by `_id` (see pair.schema.ts for why).
 */
@Injectable()
export class PairRepository {
  private readonly versions: Model<PairVersionDocument>;
  private readonly clientPairs: Model<ClientPairDocument>;
  private readonly published: Model<PublishedAutobookDocument>;
  private readonly latest = new Map<string, StoredPair>();

  constructor(@Inject(MONGO_CONNECTION) connection: Connection) {
    this.versions = modelOf<PairVersionDocument>(connection, PAIR_VERSIONS_COLLECTION, pairVersionSchema);
    this.clientPairs = modelOf<ClientPairDocument>(connection, CLIENT_PAIRS_COLLECTION, clientPairSchema);
    this.published = modelOf<PublishedAutobookDocument>(connection, PUBLISHED_AUTOBOOKS_COLLECTION, publishedAutobookSchema);
  }

  async ensureIndexes(): Promise<void> {
    await ensureCollections([this.versions, this.clientPairs, this.published]);
  }

  /**
   * The latest version of each pair (null: nothing known yet). With `unknownAsNew`, a pair this process
   * holds nothing of is taken to be new without a read: its first version is then inserted as version 1,
   * which fails on the unique `_id` when the pair exists after all, and the pair is read and decided
   * again. A replay of new pairs, and every pair this process wrote last, costs no read at all.
   */
  async load(keys: string[], options: { unknownAsNew: boolean } = { unknownAsNew: false }): Promise<Map<string, StoredPair | null>> {
    const found = new Map<string, StoredPair | null>();
    const unknown: string[] = [];
    for (const key of keys) {
      const cached = this.latest.get(key);
      if (cached) found.set(key, cached);
      else if (options.unknownAsNew) found.set(key, null);
      else unknown.push(key);
    }
    for (const [key, stored] of await this.readLatestMany(unknown)) found.set(key, stored);
    return found;
  }

  async find(clientId: string, coachId: string): Promise<StoredPair | null> {
    return (await this.load([pairKey(clientId, coachId)])).get(pairKey(clientId, coachId)) ?? null;
  }

  /** Forgets what is cached of a pair: another writer got there first. */
  forget(key: string): void {
    this.latest.delete(key);
  }

  async findByClient(clientId: string): Promise<StoredPair[]> {
    const pairs = await this.clientPairs.find({ clientId }).sort({ coachId: 1 }).lean<ClientPairDocument[]>().exec();
    const loaded = await Promise.all(pairs.map((p) => this.readLatest(p._id)));
    return loaded.filter((p): p is StoredPair => p !== null);
  }

  /** The decision log, newest first; null when nothing is known of the pair. */
  async history(clientId: string, coachId: string, limit: number): Promise<HistoryEntry[] | null> {
    const key = pairKey(clientId, coachId);
    const top = await this.latestVersionNumber(key);
    if (top === 0) return null;
    const entries: HistoryEntry[] = [];
    const PAGE = 20;
    for (let from = top; from >= 1 && entries.length < limit; from -= PAGE) {
      const ids = Array.from({ length: Math.min(PAGE, from) }, (_, i) => pairVersionId(key, from - i));
      const docs = await Promise.all(ids.map((id) => this.versions.findById(id, VERSION_CONTENT_FIELDS).lean<StoredVersionContent>().exec()));
      for (const doc of docs) if (doc) entries.push(...decodeBody(doc).entries.reverse());
    }
    return entries.slice(0, limit);
  }

  /**
   * Takes each pair's next version: one `insertMany` for all of them. Returns the pairs written and
   * the keys whose version another writer took first (to be read again and re-decided).
   */
  async insertVersions(writes: VersionWrite[], now: Date): Promise<{ saved: StoredPair[]; conflicts: string[] }> {
    if (writes.length === 0) return { saved: [], conflicts: [] };
    const docs = writes.map((w): PairVersionDocument & { state: PairState } => {
      const key = pairKey(w.clientId, w.coachId);
      const version = (w.previous?.version ?? 0) + 1;
      return {
        _id: pairVersionId(key, version),
        pairKey: key,
        clientId: w.clientId,
        coachId: w.coachId,
        version,
        autobookCount: w.autobooked.length,
        body: encodeBody({ state: w.state, entries: w.entries, autobooked: w.autobooked }),
        at: now,
        state: w.state,
      };
    });
    const failed = new Set<number>();
    // A pair's entry in its client's list goes in alongside its first version: should the version lose
    // to another writer's, that writer's pair is the same pair; should it fail, the list skips pairs
    // without a version.
    const firsts = docs.filter((d) => d.version === 1).map((d) => ({ _id: d.pairKey, clientId: d.clientId, coachId: d.coachId }));
    const listed = firsts.length > 0 ? this.clientPairs.collection.insertMany(firsts as never[], { ordered: false }).catch(ignoreDuplicates) : null;
    try {
      await this.versions.collection.insertMany(docs.map(({ state: _state, ...doc }) => doc) as never[], { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors;
      if (!writeErrors || writeErrors.some((e) => e.code !== 11000)) {
        await listed?.catch(() => undefined);
        throw error;
      }
      for (const e of writeErrors) failed.add(e.index);
    }
    await listed;
    const saved: StoredPair[] = [];
    const conflicts: string[] = [];
    docs.forEach((doc, i) => {
      if (failed.has(i)) {
        this.forget(doc.pairKey);
        conflicts.push(doc.pairKey);
        return;
      }
      const stored = { key: doc.pairKey, version: doc.version, state: doc.state };
      this.remember(stored);
      saved.push(stored);
    });
    return { saved, conflicts };
  }

  /** Autobooks among these that the broker has acknowledged already. */
  async publishedAmong(eventIds: string[]): Promise<Set<string>> {
    const found = await Promise.all(eventIds.map((id) => this.published.findById(id, { _id: 1 }).lean().exec()));
    return new Set(eventIds.filter((_, i) => found[i] !== null));
  }

  /** Autobooks the broker acknowledged since `since`: one query, for the outbox sweep at start. */
  async publishedSince(since: Date): Promise<Set<string>> {
    const docs = await this.published.find({ at: { $gte: since } }, { _id: 1 }).lean<{ _id: string }[]>().exec();
    return new Set(docs.map((d) => d._id));
  }

  async markPublished(eventIds: string[], now: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.published.collection.insertMany(eventIds.map((_id) => ({ _id, at: now })) as never[], { ordered: false }).catch(ignoreDuplicates);
  }

  /** Autobooks of versions written since `since` (the outbox sweep at start checks them). */
  async autobooksSince(since: Date): Promise<SessionAutobooked[]> {
    const docs = await this.versions
      .find({ at: { $gte: since }, ...MADE_AUTOBOOKS }, VERSION_CONTENT_FIELDS)
      .lean<StoredVersionContent[]>()
      .exec();
    return docs.flatMap((d) => decodeBody(d).autobooked);
  }

  private remember(stored: StoredPair): void {
    this.latest.delete(stored.key);
    this.latest.set(stored.key, stored);
    if (this.latest.size > CACHE_LIMIT) this.latest.delete(this.latest.keys().next().value!);
  }

  /**
   * The latest versions of several pairs. A few are found by `_id` probes; more with two queries for
   * all of them (their version numbers, then those versions), which on a server that scans for every
   * query (FerretDB) costs two scans instead of a few per pair.
   */
  private async readLatestMany(keys: string[]): Promise<Map<string, StoredPair | null>> {
    if (keys.length <= BATCH_READ_FROM) return new Map(await Promise.all(keys.map(async (key) => [key, await this.readLatest(key)] as const)));
    const heads = await this.versions.find({ pairKey: { $in: keys } }, { _id: 0, pairKey: 1, version: 1 }).lean<Pick<PairVersionDocument, 'pairKey' | 'version'>[]>().exec();
    const top = new Map<string, number>();
    for (const { pairKey: key, version } of heads) top.set(key, Math.max(version, top.get(key) ?? 0));
    const ids = [...top].map(([key, version]) => pairVersionId(key, version));
    const docs =
      ids.length === 0
        ? []
        : await this.versions
            .find({ _id: { $in: ids } }, { pairKey: 1, version: 1, ...VERSION_CONTENT_FIELDS })
            .lean<(Pick<PairVersionDocument, 'pairKey' | 'version'> & StoredVersionContent)[]>()
            .exec();
    const found = new Map<string, StoredPair | null>(keys.map((key) => [key, null]));
    for (const doc of docs) {
      const { state } = decodeBody(doc);
      this.remember({ key: doc.pairKey, version: doc.version, state });
      found.set(doc.pairKey, { key: doc.pairKey, version: doc.version, state, cold: true });
    }
    return found;
  }

  private async readLatest(key: string): Promise<StoredPair | null> {
    const version = await this.latestVersionNumber(key);
    if (version === 0) return null;
    const doc = await this.versions.findById(pairVersionId(key, version), { version: 1, ...VERSION_CONTENT_FIELDS }).lean<Pick<PairVersionDocument, 'version'> & StoredVersionContent>().exec();
    if (!doc) return null;
    const { state } = decodeBody(doc);
    this.remember({ key, version: doc.version, state });
    return { key, version: doc.version, state, cold: true };
  }

  /** The highest version of a pair (0: none), found by `_id` reads: doubling, then halving. */
  private async latestVersionNumber(key: string): Promise<number> {
    const exists = async (version: number) => (await this.versions.findById(pairVersionId(key, version), { _id: 1 }).lean().exec()) !== null;
    const cached = this.latest.get(key)?.version ?? 0;
    let low = cached;
    if (low === 0) {
      if (!(await exists(1))) return 0;
      low = 1;
    }
    let step = 1;
    while (await exists(low + step)) {
      low += step;
      step *= 2;
    }
    // `low` exists, `low + step` does not: search between.
    let high = low + step;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await exists(middle)) low = middle;
      else high = middle;
    }
    return low;
  }
}

function ignoreDuplicates(error: unknown): void {
  const writeErrors = (error as { writeErrors?: { code: number }[] }).writeErrors;
  if (isDuplicateKey(error) || (writeErrors && writeErrors.every((e) => e.code === 11000))) return;
  throw error;
}
