import { type SessionAutobooked } from '#contracts';
import { ensureCollections, modelOf } from '#platform/mongo/mongo-connection';
import { CodedError, TransientError } from '#platform/errors';
import { MONGO_CONNECTION } from '#platform/mongo/mongo.module';
import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { type Connection, Model } from 'mongoose';
import { emptyPair, evolve, expandEntry, HistoryEntry, lastPackageOf, PairState, publishedBy, sessionsOnDeck } from '../domain/index.js';
import {
  CLIENT_PAIRS_COLLECTION,
  ClientPairDocument,
  clientPairSchema,
  LEGACY_PAIR_VERSIONS_COLLECTION,
  LegacyPairVersionDocument,
  legacyPairVersionSchema,
  MIGRATIONS_COLLECTION,
  MigrationDocument,
  migrationSchema,
  PAIR_CHANGES_COLLECTION,
  PAUSES_COLLECTION,
  PairChange,
  changeDocument,
  changeIdRange,
  changeOf,
  entryContext,
  eventsOf,
  PairChangeDocument,
  pairChangeSchema,
  pairChangeId,
  pairKey,
  parseChangeId,
  PauseDocument,
  pauseSchema,
  OutboxEvent,
  PUBLISHED_AUTOBOOKS_COLLECTION,
  PublishedAutobookDocument,
  publishedAutobookSchema,
} from './pair.schema.js';

/** Another writer took the pair's next change first: read again and re-decide. */
export class VersionConflictError extends TransientError {
  override name = 'VersionConflictError';
}

export interface StoredPair {
  key: string;
  /** The number of the pair's latest change (0: none stored). */
  version: number;
  state: PairState;
  /** Read from the database just now (not from this process's memory); with the events it stored. */
  cold?: { outbox: OutboxEvent[] };
}

export interface ChangeWrite {
  previous: StoredPair | null;
  clientId: string;
  coachId: string;
  state: PairState;
  entries: HistoryEntry[];
  /** What the change publishes. */
  outbox: OutboxEvent[];
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Where the next (older) page starts; null on the last page. */
  next: string | null;
}

/** The fields of a change that make a pair's state, and its events (the `_id` says which pair and change). */
const CHANGE_READ = { _id: 1, clientId: 1, coachId: 1, at: 1, entries: 1, snapshot: 1, autobooked: 1, upcoming: 1, voided: 1 } as const;
type ReadDocument = Pick<PairChangeDocument, '_id' | 'clientId' | 'coachId' | 'at' | 'entries' | 'snapshot' | 'autobooked' | 'upcoming' | 'voided'>;
/** Pairs read by key in one query at most. */
const READ_BATCH = 100;
/** The index of the release before, whose reads are ranges of `_id`s now. */
const OBSOLETE_INDEXES = ['pairKey_1_version_1'];

const MIGRATION_ID = 'pair_versions-to-pair_changes';
const PAUSES_MIGRATION_ID = 'pair_changes-to-pauses';
/** The index of the releases before `pauses`: they found due pauses in the history. */
const OBSOLETE_PAUSE_INDEX = 'entries.changes.pausedUntil.to_1';
/** Due pauses looked at in one pass at most; the next pass takes the rest. */
const PAUSES_PER_PASS = 1000;
/** How far back the pass at start keeps the autobooks it reads, for the outbox's pass (24 h) and some. */
const RECENT_MS = 25 * 60 * 60 * 1000;
/** An autobook's time is when it was decided, a moment before its change was written. */
const RECENT_SLACK_MS = 60 * 1000;
const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;

/**
 * All mongoose code of the service; hands out plain objects, never documents. Writes are inserts only
 * (see pair.schema.ts for why). Pairs are kept in memory, bounded by bytes: at start every stored pair
 * that fits is read in one pass (so a replay after a restart costs that one read, not one per pair), and
 * this process remembers what it writes. A pair it does not hold is read by key, or, while consuming,
 * taken to be new: the insert of its first change then fails if it exists after all, and it is read.
 */
/** Bytes of pair state the repository may hold in memory (PAIR_CACHE_MB). */
export const PAIR_CACHE_BYTES = Symbol('PAIR_CACHE_BYTES');

@Injectable()
export class PairRepository {
  private readonly logger = new Logger(PairRepository.name);
  private readonly changes: Model<PairChangeDocument>;
  private readonly clientPairs: Model<ClientPairDocument>;
  private readonly published: Model<PublishedAutobookDocument>;
  private readonly pauses: Model<PauseDocument>;
  private readonly cache: PairCache;
  private restoring: Promise<void> | null = null;
  /** Events of the changes the pass at start read that are younger than RECENT_MS (for the outbox). */
  private restoredOutbox: { since: Date; events: OutboxEvent[] } | null = null;

  constructor(
    @Inject(MONGO_CONNECTION) private readonly connection: Connection,
    @Optional() @Inject(PAIR_CACHE_BYTES) cacheBytes: number = 48 * 1024 * 1024,
  ) {
    this.changes = modelOf<PairChangeDocument>(connection, PAIR_CHANGES_COLLECTION, pairChangeSchema);
    this.clientPairs = modelOf<ClientPairDocument>(connection, CLIENT_PAIRS_COLLECTION, clientPairSchema);
    this.published = modelOf<PublishedAutobookDocument>(connection, PUBLISHED_AUTOBOOKS_COLLECTION, publishedAutobookSchema);
    this.pauses = modelOf<PauseDocument>(connection, PAUSES_COLLECTION, pauseSchema);
    this.cache = new PairCache(cacheBytes);
  }

  async ensureIndexes(): Promise<void> {
    await ensureCollections([this.changes, this.clientPairs, this.published, this.pauses]);
    for (const name of OBSOLETE_INDEXES) await this.changes.collection.dropIndex(name).catch(ignoreIndexNotFound);
  }

  /** Bytes of pair state held in memory (an estimate), and how many pairs. */
  get cached(): { pairs: number; bytes: number } {
    return { pairs: this.cache.size, bytes: this.cache.bytes };
  }

  /**
   * Reads every stored pair in one pass over the history, when all of them fit in memory (a part would
   * not do: a pair's later changes may come after the point where the pass would stop). Reads that need
   * a pair wait for it. Whatever is not held is read by key when needed.
   */
  restore(): Promise<void> {
    this.restoring ??= this.restoreAll().catch((error) => {
      this.logger.warn({ message: 'restoring pairs failed; they are read by key when needed', error: String(error) });
    });
    return this.restoring;
  }

  /**
   * The latest state of each pair (null: nothing stored). With `unknownAsNew`, a pair this process holds
   * nothing of is taken to be new without a read (the insert of its first change checks the guess).
   */
  async load(keys: string[], options: { unknownAsNew: boolean } = { unknownAsNew: false }): Promise<Map<string, StoredPair | null>> {
    await this.restoring;
    const found = new Map<string, StoredPair | null>();
    const unknown: string[] = [];
    for (const key of keys) {
      const cached = this.cache.get(key);
      if (cached) found.set(key, cached);
      else if (options.unknownAsNew) found.set(key, null);
      else unknown.push(key);
    }
    for (const [key, stored] of await this.readMany(unknown)) found.set(key, stored);
    return found;
  }

  async find(clientId: string, coachId: string): Promise<StoredPair | null> {
    const key = pairKey(clientId, coachId);
    return (await this.load([key])).get(key) ?? null;
  }

  /** Whether every stored pair is held in memory (the pass at start read them all, none was let go since). */
  get holdsAll(): boolean {
    return this.restoredOutbox !== null && this.cache.evictions === 0;
  }

  /**
   * The pauses due by `by` (R14), of pairs held in memory or not, `PAUSES_PER_PASS` at most: each pair
   * still paused until then. The pauses found ended, replaced (a pause due later has its own) or never
   * stored (the change lost its fence) are deleted: nothing is left to end. A pause being set now is not
   * among them: it ends after now.
   */
  async pausesDue(by: Date): Promise<{ clientId: string; coachId: string; until: string }[]> {
    const docs = await this.pauses
      .find({ until: { $lte: by } }, { _id: 1 })
      .sort({ until: 1 })
      .limit(PAUSES_PER_PASS)
      .lean<Pick<PauseDocument, '_id'>[]>()
      .exec();
    if (docs.length === 0) return [];
    const loaded = await this.load([...new Set(docs.map((d) => parseChangeId(d._id).pairKey))]);
    const due = new Map<string, { clientId: string; coachId: string; until: string }>();
    const done: string[] = [];
    for (const doc of docs) {
      const key = parseChangeId(doc._id).pairKey;
      const state = loaded.get(key)?.state;
      if (state && state.pausedUntil !== null && Date.parse(state.pausedUntil) <= by.getTime()) {
        due.set(key, { clientId: state.clientId, coachId: state.coachId, until: state.pausedUntil });
      } else done.push(doc._id);
    }
    if (done.length > 0) await this.pauses.deleteMany({ _id: { $in: done } }).exec();
    return [...due.values()];
  }

  /** The pairs held in memory that are paused (R14), with the time their pause ends. */
  paused(): { clientId: string; coachId: string; until: string }[] {
    return this.cache.paused();
  }

  /** Forgets a pair: another writer got there first. */
  forget(key: string): void {
    this.cache.delete(key);
  }

  async findByClient(clientId: string): Promise<StoredPair[]> {
    const pairs = await this.clientPairs.find({ clientId }, { _id: 1 }).sort({ clientId: 1, coachId: 1 }).lean<Pick<ClientPairDocument, '_id'>[]>().exec();
    const loaded = await this.load(pairs.map((p) => p._id));
    return pairs.flatMap((p) => loaded.get(p._id) ?? []);
  }

  /**
   * The pair's decisions, newest first, `limit` at most, older than the cursor `before` (from an earlier
   * page's `next`). Null when nothing is stored of the pair.
   */
  async history(clientId: string, coachId: string, limit: number, before?: string): Promise<HistoryPage | null> {
    const key = pairKey(clientId, coachId);
    const from = before === undefined ? null : decodeCursor(before);
    // Every change holds at least one entry, so limit + 1 changes (and the cursor's own) are enough to
    // fill the page and know whether more follow; one more tells the count on deck before them.
    const found = await this.changes
      .find({ _id: changeIdRange(key, from?.version) }, { _id: 1, clientId: 1, coachId: 1, at: 1, entries: 1, snapshot: 1 })
      .sort({ _id: -1 })
      .limit(limit + (from === null ? 1 : 2) + 1)
      .lean<ReadDocument[]>()
      .exec();
    if (found.length === 0 && from === null) return null;
    // Oldest first, each change's entries in full from the count on deck the one before it left (the
    // oldest read starts from 0: right for the pair's first change, and otherwise it only gives its count).
    let onDeck = 0;
    const changes = found
      .map(changeOf)
      .reverse()
      .map((change) => {
        const expanded = entriesOf(change, onDeck);
        onDeck = expanded.onDeck;
        return { version: change.version, entries: expanded.entries };
      })
      .reverse();
    const page: { entry: HistoryEntry; version: number; index: number }[] = [];
    for (const doc of changes) {
      for (let index = doc.entries.length - 1; index >= 0; index--) {
        if (from !== null && doc.version === from.version && index >= from.index) continue;
        page.push({ entry: doc.entries[index], version: doc.version, index });
      }
      if (page.length > limit) break;
    }
    const shown = page.slice(0, limit);
    const last = shown[shown.length - 1];
    return { entries: shown.map((p) => p.entry), next: page.length > limit && last ? encodeCursor(last.version, last.index) : null };
  }

  /**
   * Takes each pair's next change: one `insertMany` for all of them. Returns the pairs written and the
   * keys whose change another writer took first (to be read again and re-decided).
   */
  async append(writes: ChangeWrite[], now: Date): Promise<{ saved: StoredPair[]; conflicts: string[] }> {
    if (writes.length === 0) return { saved: [], conflicts: [] };
    // The events are not stored apart: they follow from the entries (the history is the outbox).
    const changes = writes.map((w) => ({
      pairKey: pairKey(w.clientId, w.coachId),
      version: (w.previous?.version ?? 0) + 1,
      clientId: w.clientId,
      coachId: w.coachId,
      at: now,
      entries: w.entries,
    }));
    const docs = changes.map((change) => changeDocument(change));
    // A pair's entry in its client's list goes in alongside its first change: should the change lose
    // to another writer's, that writer's pair is the same pair; should it fail, the list skips pairs
    // without a change.
    const firsts = changes.filter((c) => c.version === 1).map((c) => ({ _id: c.pairKey, clientId: c.clientId, coachId: c.coachId }));
    const listed = firsts.length > 0 ? this.clientPairs.collection.insertMany(firsts as never[], { ordered: false }).catch(ignoreDuplicates) : null;
    // The pauses the changes set go in first: should a change then fail or lose its fence, the pause
    // is found not to be the pair's when due, and deleted.
    const pauses = changes.flatMap((change) => {
      const until = change.entries.findLast((e) => e.changes.pausedUntil)?.changes.pausedUntil?.to;
      return until ? [{ _id: pairChangeId(change.pairKey, change.version), until: new Date(until) }] : [];
    });
    if (pauses.length > 0) await this.pauses.collection.insertMany(pauses as never[], { ordered: false }).catch(ignoreDuplicates);
    const failed = new Set<number>();
    try {
      await this.changes.collection.insertMany(docs as never[], { ordered: false });
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
    changes.forEach((change, i) => {
      if (failed.has(i)) {
        this.forget(change.pairKey);
        conflicts.push(change.pairKey);
        return;
      }
      const stored: StoredPair = { key: change.pairKey, version: change.version, state: writes[i].state };
      this.cache.set(stored);
      saved.push(stored);
    });
    return { saved, conflicts };
  }

  /** Autobooks among these that the broker has acknowledged already. */
  async publishedAmong(eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const docs = await this.published
      .find({ _id: { $in: eventIds } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec();
    return new Set(docs.map((d) => d._id));
  }

  /** Autobooks the broker acknowledged since `since`: one query, for the outbox pass at start. */
  async publishedSince(since: Date): Promise<Set<string>> {
    const docs = await this.published
      .find({ at: { $gte: since } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec();
    return new Set(docs.map((d) => d._id));
  }

  async markPublished(eventIds: string[], now: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.published.collection.insertMany(eventIds.map((_id) => ({ _id, at: now })) as never[], { ordered: false }).catch(ignoreDuplicates);
  }

  /**
   * Events of changes written since `since` (the outbox pass at start checks them): from the pass at
   * start when it read every change since then; else the pairs changed since then are read by key.
   */
  async outboxSince(since: Date): Promise<OutboxEvent[]> {
    await this.restoring;
    const recent = (e: OutboxEvent) => Date.parse(e.payload.occurredAt) >= since.getTime() - RECENT_SLACK_MS;
    const restored = this.restoredOutbox;
    if (restored && restored.since <= since) return restored.events.filter(recent);
    const docs = await this.changes
      .find({ at: { $gte: since } }, { _id: 1 })
      .lean<Pick<PairChangeDocument, '_id'>[]>()
      .exec();
    const keys = [...new Set(docs.map((d) => parseChangeId(d._id).pairKey))];
    const events: OutboxEvent[] = [];
    for (let i = 0; i < keys.length; i += READ_BATCH) {
      for (const stored of (await this.readMany(keys.slice(i, i + READ_BATCH))).values()) events.push(...(stored?.cold?.outbox ?? []).filter(recent));
    }
    return events;
  }

  /**
   * Carries pairs stored by the earlier release (`pair_versions`, a version per change with the whole
   * state) over to `pair_changes`: one change per pair, holding the pair's state as a snapshot and its
   * decisions as they were. Idempotent and resumable (inserts by `_id`); marked done in `migrations`.
   * Runs at start, before anything is consumed.
   */
  async migrateLegacy(): Promise<MigrationDocument | null> {
    const db = this.connection.db!;
    const migrations = modelOf<MigrationDocument>(this.connection, MIGRATIONS_COLLECTION, migrationSchema);
    if (await migrations.findById(MIGRATION_ID).lean().exec()) return null;
    const legacyExists = (await db.listCollections({ name: LEGACY_PAIR_VERSIONS_COLLECTION }, { nameOnly: true }).toArray()).length > 0;
    if (!legacyExists) return null;
    const legacy = modelOf<LegacyPairVersionDocument>(this.connection, LEGACY_PAIR_VERSIONS_COLLECTION, legacyPairVersionSchema);
    let pairs = 0;
    let batch: PairChangeDocument[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await this.changes.collection.insertMany(batch as never[], { ordered: false }).catch(ignoreDuplicates);
      await this.clientPairs.collection
        .insertMany(batch.map((d) => ({ _id: parseChangeId(d._id).pairKey, clientId: d.clientId, coachId: d.coachId })) as never[], { ordered: false })
        .catch(ignoreDuplicates);
      pairs += batch.length;
      batch = [];
    };
    let current: LegacyPairVersionDocument[] = [];
    const finishPair = async () => {
      if (current.length > 0) batch.push(migratedChange(current));
      current = [];
      if (batch.length >= 200) await flush();
    };
    // `_id` is the pair's key and the zero-padded version, so this order gives each pair's versions in turn.
    for await (const doc of legacy.find({}).sort({ _id: 1 }).lean<LegacyPairVersionDocument>().cursor()) {
      if (current.length > 0 && current[0].pairKey !== doc.pairKey) await finishPair();
      current.push(doc);
    }
    await finishPair();
    await flush();
    const done: MigrationDocument = { _id: MIGRATION_ID, at: new Date(), pairs, changes: pairs };
    await migrations.collection.insertOne(done as never).catch(ignoreDuplicates);
    this.logger.log({ message: 'pairs of the earlier release carried over', pairs, from: LEGACY_PAIR_VERSIONS_COLLECTION, to: PAIR_CHANGES_COLLECTION });
    return done;
  }

  /**
   * Carries the pauses set in changes of the releases before `pauses` over to it, once (they found due
   * pauses in the history, with an index on `entries.changes.pausedUntil.to`, which is dropped after).
   * Idempotent: the pauses go in by the `_id` of their change.
   */
  async migratePauses(): Promise<MigrationDocument | null> {
    const migrations = modelOf<MigrationDocument>(this.connection, MIGRATIONS_COLLECTION, migrationSchema);
    let done: MigrationDocument | null = null;
    if (!(await migrations.findById(PAUSES_MIGRATION_ID).lean().exec())) {
      let pauses = 0;
      const cursor = this.changes
        .find({ 'entries.changes.pausedUntil.to': { $type: 'string' } }, { _id: 1, entries: 1 })
        .lean<Pick<PairChangeDocument, '_id' | 'entries'>>()
        .cursor();
      for await (const doc of cursor) {
        const until = doc.entries.findLast((e) => e.changes.pausedUntil)?.changes.pausedUntil?.to;
        if (!until) continue;
        await this.pauses.collection.insertOne({ _id: doc._id, until: new Date(until) } as never).catch(ignoreDuplicates);
        pauses++;
      }
      done = { _id: PAUSES_MIGRATION_ID, at: new Date(), pauses };
      await migrations.collection.insertOne(done as never).catch(ignoreDuplicates);
      if (pauses > 0) this.logger.log({ message: 'pauses of the earlier release carried over', pauses, to: PAUSES_COLLECTION });
    }
    await this.changes.collection.dropIndex(OBSOLETE_PAUSE_INDEX).catch(ignoreIndexNotFound);
    return done;
  }

  private async restoreAll(): Promise<void> {
    const started = Date.now();
    // One read of the history serves the outbox's pass too: the events of recent changes are kept.
    const since = new Date(Date.now() - RECENT_MS);
    const folding = new PairFolder(since);
    let complete = true;
    let changes = 0;
    // Insertion order: a pair's changes come in version order on FerretDB and, as a rule, on MongoDB; the
    // folder sets aside any that come early, and drops pairs left with a gap (read by key when needed).
    const cursor = this.changes.find({}, CHANGE_READ).lean<ReadDocument>().batchSize(2000).cursor();
    for await (const doc of cursor) {
      folding.add(changeOf(doc));
      changes++;
      if (folding.bytes > this.cache.capacity) {
        complete = false;
        break;
      }
    }
    await cursor.close();
    if (complete) this.restoredOutbox = { since, events: folding.events() };
    // A pair this process wrote meanwhile is newer in memory than what was read here.
    if (complete) for (const stored of folding.pairs()) if (!this.cache.has(stored.key)) this.cache.set(stored);
    this.logger.log({
      message: complete ? 'pairs restored' : 'pairs not restored: more than PAIR_CACHE_MB holds; read by key when needed',
      pairs: this.cache.size,
      bytes: this.cache.bytes,
      changes,
      ms: Date.now() - started,
    });
  }

  /** Each pair's whole history, folded (FerretDB scans for this query; MongoDB walks the index). */
  private async readMany(keys: string[]): Promise<Map<string, StoredPair | null>> {
    const found = new Map<string, StoredPair | null>(keys.map((key) => [key, null]));
    if (keys.length === 0) return found;
    const ranges = keys.map((key) => ({ _id: changeIdRange(key) }));
    const docs = await this.changes
      .find(ranges.length === 1 ? ranges[0] : { $or: ranges }, CHANGE_READ)
      .sort({ _id: 1 })
      .lean<ReadDocument[]>()
      .exec();
    const folding = new PairFolder(new Date(0));
    for (const doc of docs) folding.add(changeOf(doc));
    for (const stored of folding.pairs()) {
      this.cache.set(stored);
      found.set(stored.key, { ...stored, cold: { outbox: folding.events(stored.key) } });
    }
    return found;
  }
}

/**
 * Folds changes into pair states, change by change, whatever order they come in, and gives back the
 * events of the changes written since `eventsSince` (what each decision published, published.ts).
 */
class PairFolder {
  private readonly folded = new Map<string, StoredPair>();
  private readonly early = new Map<string, Map<number, PairChange>>();
  private readonly published = new Map<string, OutboxEvent[]>();
  bytes = 0;

  constructor(private readonly eventsSince: Date) {}

  add(change: PairChange): void {
    const current = this.folded.get(change.pairKey);
    const version = current?.version ?? 0;
    if (change.version <= version) return;
    if (change.version > version + 1) {
      const waiting = this.early.get(change.pairKey) ?? new Map<number, PairChange>();
      waiting.set(change.version, change);
      this.early.set(change.pairKey, waiting);
      return;
    }
    let stored = this.apply(current, change);
    const waiting = this.early.get(change.pairKey);
    for (let next = waiting?.get(stored.version + 1); next; next = waiting?.get(stored.version + 1)) {
      waiting!.delete(next.version);
      stored = this.apply(stored, next);
    }
    if (waiting?.size === 0) this.early.delete(change.pairKey);
  }

  /** The pairs folded without a gap. */
  pairs(): StoredPair[] {
    return [...this.folded.values()].filter((p) => !this.early.has(p.key));
  }

  /** The events of the changes since `eventsSince`: of one pair, or of all of them. */
  events(key?: string): OutboxEvent[] {
    return key === undefined ? [...this.published.values()].flat() : (this.published.get(key) ?? []);
  }

  private apply(current: StoredPair | undefined, change: PairChange): StoredPair {
    let state = change.snapshot ?? current?.state ?? emptyPair(change.clientId, change.coachId);
    const events: OutboxEvent[] = [...(change.stored ?? [])];
    if (!change.snapshot) {
      for (const entry of entriesOf(change, sessionsOnDeck(state)).entries) {
        const after = evolve(state, entry);
        if (change.stored === null) events.push(...eventsOf(publishedBy(state, entry, after)));
        state = after;
      }
    }
    if (events.length > 0 && change.at >= this.eventsSince) {
      const kept = this.published.get(change.pairKey);
      if (kept) kept.push(...events);
      else this.published.set(change.pairKey, events);
    }
    const stored = { key: change.pairKey, version: change.version, state };
    if (current) this.bytes -= approximateBytes(current.state);
    this.bytes += approximateBytes(state);
    this.folded.set(change.pairKey, stored);
    return stored;
  }
}

/** Pairs in memory, least recently used first out, bounded by an estimate of their bytes. */
class PairCache {
  private readonly pairs = new Map<string, { stored: StoredPair; bytes: number }>();
  /** The paused pairs among them, for the pause ends (R14): a few, so looked through in full. */
  private readonly pausedPairs = new Map<string, { clientId: string; coachId: string; until: string }>();
  bytes = 0;
  /** Pairs let go to stay within the bytes. */
  evictions = 0;

  paused(): { clientId: string; coachId: string; until: string }[] {
    return [...this.pausedPairs.values()];
  }

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.pairs.size;
  }

  has(key: string): boolean {
    return this.pairs.has(key);
  }

  get(key: string): StoredPair | undefined {
    const held = this.pairs.get(key);
    if (!held) return undefined;
    this.pairs.delete(key);
    this.pairs.set(key, held);
    return held.stored;
  }

  set(stored: StoredPair): void {
    this.delete(stored.key);
    const bytes = approximateBytes(stored.state);
    this.pairs.set(stored.key, { stored: { key: stored.key, version: stored.version, state: stored.state }, bytes });
    this.bytes += bytes;
    const { clientId, coachId, pausedUntil } = stored.state;
    if (pausedUntil !== null) this.pausedPairs.set(stored.key, { clientId, coachId, until: pausedUntil });
    for (const [key] of this.pairs) {
      if (this.bytes <= this.capacity) break;
      this.delete(key);
      this.evictions++;
    }
  }

  delete(key: string): void {
    const held = this.pairs.get(key);
    if (!held) return;
    this.pairs.delete(key);
    this.pausedPairs.delete(key);
    this.bytes -= held.bytes;
  }
}

/**
 * A change's entries in full, given the count on deck before it (domain/compact-entry.ts), and the count
 * after it. A migration's change holds the entries of the earlier release as they were, and the state.
 */
function entriesOf(change: PairChange, onDeckBefore: number): { entries: HistoryEntry[]; onDeck: number } {
  if (change.snapshot) return { entries: change.entries as HistoryEntry[], onDeck: sessionsOnDeck(change.snapshot) };
  const context = entryContext(change.clientId, change.coachId);
  let onDeck = onDeckBefore;
  const entries = change.entries.map((stored) => {
    const entry = expandEntry(stored, onDeck, context);
    onDeck = entry.changes.sessionsOnDeck.to;
    return entry;
  });
  return { entries, onDeck };
}

/** What a pair's state takes in memory, roughly: fixed fields plus its ids (two bytes a character). */
function approximateBytes(state: PairState): number {
  let bytes = 1200 + 2 * (state.clientId.length + state.coachId.length);
  for (const id of state.packageIds) bytes += 48 + 2 * id.length;
  for (const id of state.completedSessionIds) bytes += 48 + 2 * id.length;
  return bytes;
}

function encodeCursor(version: number, index: number): string {
  return Buffer.from(`${version}.${index}`).toString('base64url');
}

/** A cursor from `next`; anything else is refused as an invalid parameter. */
export class InvalidCursorError extends CodedError {
  readonly code = 'INVALID_PARAMETER';
  readonly status = 400;
  override name = 'InvalidCursorError';
}

function decodeCursor(cursor: string): { version: number; index: number } {
  const match = /^(\d{1,10})\.(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || cursor.length > 40) throw new InvalidCursorError('before must be a cursor from an earlier page (next)');
  return { version: Number(match[1]), index: Number(match[2]) };
}

/** The change a migration writes for a pair of the earlier release: its state and its decisions. */
function migratedChange(versions: LegacyPairVersionDocument[]): PairChangeDocument {
  const bodies = versions.map(legacyBody);
  const latest = versions[versions.length - 1];
  const state = compactLegacyState(bodies[bodies.length - 1].state);
  const entries = bodies.flatMap((b) => b.entries).filter((e) => (e as { reason?: string }).reason !== 'duplicate') as HistoryEntry[];
  const autobooked = bodies.flatMap((b) => b.autobooked);
  const change = { pairKey: latest.pairKey, version: 1, clientId: latest.clientId, coachId: latest.coachId, at: latest.at, entries };
  return { ...changeDocument(change, { compact: false }), snapshot: state, ...(autobooked.length > 0 ? { autobooked } : {}) };
}

interface LegacyState {
  clientId: string;
  coachId: string;
  enrolled: boolean;
  enrolledChangedAt: string | null;
  packages: PairState['ratePackage'][];
  completedSessionIds: string[];
  autobooks: NonNullable<PairState['lastAutobook']>[];
  updatedAt: string | null;
}

type LegacyBody = { state: LegacyState; entries: unknown[]; autobooked: SessionAutobooked[] };

function legacyBody(doc: LegacyPairVersionDocument): LegacyBody {
  if (typeof doc.body === 'string') return JSON.parse(doc.body) as LegacyBody;
  const fields = doc as unknown as { state: LegacyState };
  return { state: fields.state, entries: doc.entries ?? [], autobooked: doc.autobooked ?? [] };
}

function compactLegacyState(legacy: LegacyState): PairState {
  const packages = legacy.packages.filter((p): p is NonNullable<typeof p> => p !== null);
  return {
    clientId: legacy.clientId,
    coachId: legacy.coachId,
    enrolled: legacy.enrolled,
    enrolledChangedAt: legacy.enrolledChangedAt,
    ratePackage: lastPackageOf(packages),
    sessionsBought: packages.reduce((sum, p) => sum + p.sessionCount, 0),
    packageIds: packages.map((p) => p.packageId),
    completedSessionIds: [...legacy.completedSessionIds],
    revertedSessionIds: [],
    autobookCount: legacy.autobooks.length,
    voidedSequences: [],
    lastAutobook: legacy.autobooks[legacy.autobooks.length - 1] ?? null,
    // The earlier release knew no heads-up: none is owed for the autobooks it made.
    autobooksAtLastPackage: legacy.autobooks.length,
    headsUpSequence: legacy.autobooks.length + 1,
    pausedUntil: null,
    payments: [],
    updatedAt: legacy.updatedAt,
  };
}

function ignoreIndexNotFound(error: { code?: number; codeName?: string }): void {
  if (error.code !== 27 && error.codeName !== 'IndexNotFound') throw error;
}

function ignoreDuplicates(error: unknown): void {
  const writeErrors = (error as { writeErrors?: { code: number }[] }).writeErrors;
  if (isDuplicateKey(error) || (writeErrors && writeErrors.every((e) => e.code === 11000))) return;
  throw error;
}

/**
 * The service's start with its pairs, before anything is consumed: the collections and indexes exist,
 * pairs stored by the earlier release are carried over (once), and the pass that reads every pair back
 * into memory has begun. (Tools that only read, such as the ops CLI, use the repository without it.)
 */
@Injectable()
export class PairStoreStartup implements OnModuleInit {
  constructor(private readonly pairs: PairRepository) {}

  async onModuleInit(): Promise<void> {
    await this.pairs.ensureIndexes();
    await this.pairs.migrateLegacy();
    await this.pairs.migratePauses();
    void this.pairs.restore();
  }
}
