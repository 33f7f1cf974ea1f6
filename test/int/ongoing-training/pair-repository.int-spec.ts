// The repository on the test run's MongoDB wire-protocol server, through mongoose: nothing stood in for.
import { aPackageBooked, aSessionCompleted } from '#contracts/testing/builders';
import mongoose, { type Connection } from 'mongoose';
import { SessionAutobooked, TOPICS } from '#contracts';
import { HistoryEntry, PairState, RenewalInput, decide, emptyPair } from '../../../apps/ongoing-training/src/domain/index.js';
import { autobookEventId, upcomingEventId } from '../../../apps/ongoing-training/src/renewal/autobook-id.js';
import { ChangeWrite, InvalidCursorError, PairRepository, StoredPair } from '../../../apps/ongoing-training/src/renewal/pair.repository.js';
import { eventsOf, type PairChangeDocument, pairChangeId, pairKey, type PauseDocument } from '../../../apps/ongoing-training/src/renewal/pair.schema.js';
import { mongoUriFor } from '../../support/mongo.js';
import { runId } from '#testing';

const NOW = new Date('2026-11-03T10:00:00Z');

/** A write of the pair's next change: `inputs` decided on top of `previous`. */
function next(previous: StoredPair | null, clientId: string, inputs: RenewalInput[], now = NOW): ChangeWrite {
  let state: PairState = previous?.state ?? emptyPair(clientId, 'coach-1');
  const entries: HistoryEntry[] = [];
  const outbox: ChangeWrite['outbox'] = [];
  for (const input of inputs) {
    const decision = decide(state, input, { now: now.toISOString(), autobookEventId, upcomingEventId });
    state = decision.state;
    if (decision.entry) entries.push(decision.entry);
    outbox.push(...eventsOf(decision));
  }
  return { previous, clientId, coachId: 'coach-1', state, entries, outbox };
}

/** The autobooks a write publishes. */
const autobooksOf = (write: ChangeWrite): SessionAutobooked[] => write.outbox.flatMap((e) => (e.topic === TOPICS.SESSION_AUTOBOOKED ? [e.payload] : []));

const booked = (clientId: string): RenewalInput => ({
  type: 'package.booked',
  event: aPackageBooked({ clientId, packageId: `${clientId}-p1`, sessionCount: 2, ongoingTraining: true }),
});
const completed = (clientId: string, n: number): RenewalInput => ({
  type: 'session.completed',
  event: aSessionCompleted({ clientId, sessionId: `${clientId}-s${n}` }),
});

describe('PairRepository on a real MongoDB wire-protocol server', () => {
  let connection: Connection;
  const clients = Array.from({ length: 6 }, (_, i) => `client-${i}`);
  const keys = clients.map((c) => pairKey(c, 'coach-1'));
  const written = new Map<string, PairState>();

  beforeAll(async () => {
    connection = await mongoose.createConnection(mongoUriFor(runId('pair-repo').slice(0, 60))).asPromise();
    await new PairRepository(connection).ensureIndexes();
    // Two changes of every pair, written by a first process: the package, then a completion that
    // leaves one session on deck.
    const writer = new PairRepository(connection);
    const first = await writer.append(
      clients.map((c) => next(null, c, [booked(c)])),
      NOW,
    );
    expect(first.conflicts).toEqual([]);
    const second = await writer.append(
      first.saved.map((stored, i) => next(stored, clients[i], [completed(clients[i], 1)])),
      NOW,
    );
    expect(second.saved.map((s) => s.version)).toEqual(clients.map(() => 2));
    for (const s of second.saved) written.set(s.key, s.state);
  });

  afterAll(async () => {
    await connection?.db?.dropDatabase();
    await connection?.close();
  });

  it('stores one readable document per change: the decisions as nested fields, no copy of the state', async () => {
    const doc = await connection.collection<PairChangeDocument>('pair_changes').findOne({ _id: pairChangeId(keys[0], 2) });
    expect(doc).toMatchObject({
      clientId: clients[0],
      coachId: 'coach-1',
      at: NOW,
      entries: [{ input: { type: 'session.completed', sessionId: `${clients[0]}-s1` }, outcome: 'no-autobook', reason: 'sessions-on-deck' }],
    });
    // Nothing the _id and the change's time say is written again.
    expect(Object.keys(doc!).sort()).toEqual(['_id', 'at', 'clientId', 'coachId', 'entries']);
    expect(doc!.entries[0]).not.toHaveProperty('at');
  });

  it('stores no copy of what a change published: the events follow from its entries, and come back as they were published', async () => {
    const clientId = 'client-events';
    const key = pairKey(clientId, 'coach-1');
    const now = new Date();
    const write = next(null, clientId, [booked(clientId), completed(clientId, 1), completed(clientId, 2)], now);
    expect(write.outbox.map((e) => e.topic)).toEqual([TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOKED]);
    const repository = new PairRepository(connection);
    await repository.append([write], now);

    const doc = await connection.collection<PairChangeDocument>('pair_changes').findOne({ _id: pairChangeId(key, 1) });
    expect(Object.keys(doc!).sort()).toEqual(['_id', 'at', 'clientId', 'coachId', 'entries']);
    // Each entry is stored compact: the count on deck after it; an autobook's sequence and rate, not the
    // id and trigger that follow from the pair and the input; a package's terms, not the input's ids.
    expect(doc!.entries.map((e) => e.changes.sessionsOnDeck)).toEqual(write.entries.map((e) => e.changes.sessionsOnDeck.to));
    expect(doc!.entries[2]).toMatchObject({ outcome: 'autobooked', autobook: { sequence: 1, ratePackageId: `${clientId}-p1` } });
    expect(doc!.entries[2]).not.toHaveProperty('autobook.eventId');
    expect(doc!.entries[2]).not.toHaveProperty('autobook.trigger');
    expect(doc!.entries[0]).not.toHaveProperty('changes.packageAdded.packageId');
    const published = (events: { payload: object }[]) => events.map((e) => JSON.stringify(e.payload)).sort();
    const cold = (await new PairRepository(connection).load([key])).get(key)!;
    expect(published(cold.cold!.outbox)).toEqual(published(write.outbox));
    // The outbox's pass at start: from the pass that read every pair back, or, when the pairs do not all
    // fit in memory, from the pairs changed since then, read by key.
    const restored = new PairRepository(connection);
    await restored.restore();
    expect(restored.holdsAll).toBe(true);
    expect(published(await restored.outboxSince(new Date(now.getTime() - 1000)))).toEqual(published(write.outbox));
    const small = new PairRepository(connection, 4000);
    await small.restore();
    expect(small.holdsAll).toBe(false);
    expect(published(await small.outboxSince(new Date(now.getTime() - 1000)))).toEqual(published(write.outbox));
    expect((await repository.history(clientId, 'coach-1', 10))!.entries).toEqual([...write.entries].reverse());

    // A page starts wherever a cursor says, and each of its entries is given in full, counts before it included.
    const saved = (await repository.load([key])).get(key)!;
    const more = next(saved, clientId, [completed(clientId, 3), completed(clientId, 4)], now);
    await repository.append([more], now);
    const decided = [...write.entries, ...more.entries].reverse();
    for (const limit of [1, 2, 3]) {
      const paged: HistoryEntry[] = [];
      let before: string | undefined;
      do {
        const page = (await new PairRepository(connection).history(clientId, 'coach-1', limit, before))!;
        paged.push(...page.entries);
        before = page.next ?? undefined;
      } while (before !== undefined && paged.length <= decided.length);
      expect(paged).toEqual(decided);
    }
  });

  it('takes pairs it holds nothing of to be new without a read, and the insert of their first change says otherwise', async () => {
    const fresh = new PairRepository(connection);
    const guessed = await fresh.load(keys, { unknownAsNew: true });
    expect([...guessed.values()]).toEqual(clients.map(() => null));

    const { saved, conflicts } = await fresh.append(
      clients.map((c) => next(null, c, [completed(c, 2)])),
      NOW,
    );
    expect(saved).toEqual([]);
    expect(conflicts.sort()).toEqual([...keys].sort());
  });

  it('reads pairs by key, folding their history into the state the writer had', async () => {
    const many = await new PairRepository(connection).load(keys);
    for (const key of keys) {
      expect(many.get(key)).toMatchObject({ key, version: 2, cold: { outbox: expect.any(Array) } });
      expect(many.get(key)!.state).toEqual(written.get(key));
    }
  });

  it('restores every stored pair in one pass at start, and then needs no read for them', async () => {
    const restored = new PairRepository(connection);
    await restored.restore();
    expect(restored.cached.pairs).toBeGreaterThanOrEqual(keys.length);
    // Guessing would take them to be new; restored, they are known.
    const loaded = await restored.load(keys, { unknownAsNew: true });
    for (const key of keys) {
      expect(loaded.get(key)).toEqual({ key, version: 2, state: written.get(key) });
    }
  });

  it('restores nothing when the pairs do not all fit in its memory; they are read by key', async () => {
    const small = new PairRepository(connection, 4000);
    await small.restore();
    expect(small.cached).toEqual({ pairs: 0, bytes: 0 });
    const loaded = await small.load(keys);
    for (const key of keys) expect(loaded.get(key)!.state).toEqual(written.get(key));
  });

  it('carries a pair on from what it read: the next completion books a session and the outbox finds it', async () => {
    const reader = new PairRepository(connection);
    const stored = (await reader.load([keys[0]])).get(keys[0])!;
    const write = next(stored, clients[0], [completed(clients[0], 2)]);
    const [autobook] = autobooksOf(write);
    expect(autobooksOf(write)).toHaveLength(1);
    const { saved } = await reader.append([write], NOW);
    expect(saved).toEqual([expect.objectContaining({ key: keys[0], version: 3 })]);

    const since = new Date(NOW.getTime() - 1000);
    expect((await reader.outboxSince(since)).map((e) => e.payload.eventId)).toContain(autobook.eventId);
    expect(await reader.publishedSince(since)).toEqual(new Set());
    await reader.markPublished([autobook.eventId], NOW);
    expect(await reader.publishedSince(since)).toEqual(new Set([autobook.eventId]));
    expect(await reader.publishedAmong([autobook.eventId, 'unknown'])).toEqual(new Set([autobook.eventId]));
    // Read cold, the pair comes with the events it stored, for the outbox to check.
    const cold = (await new PairRepository(connection).load([keys[0]])).get(keys[0])!;
    expect(cold.cold!.outbox.map((e) => e.payload.eventId)).toContain(autobook.eventId);
  });

  it('gives the decision log newest first, across changes, a page at a time', async () => {
    const repository = new PairRepository(connection);
    const all = await repository.history(clients[0], 'coach-1', 10);
    expect(all!.entries.map((e) => e.outcome)).toEqual(['autobooked', 'no-autobook', 'no-autobook']);
    expect(all!.entries.map((e) => ('eventId' in e.input ? e.input.eventId : null))).toEqual([
      `completed-${clients[0]}-s2`,
      `completed-${clients[0]}-s1`,
      `booked-${clients[0]}-p1`,
    ]);
    expect(all!.next).toBeNull();

    const paged: HistoryEntry[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const page = (await repository.history(clients[0], 'coach-1', 1, before))!;
      paged.push(...page.entries);
      if (page.next === null) break;
      before = page.next;
    }
    expect(paged).toEqual(all!.entries);
    expect(await repository.history('client-unknown', 'coach-1', 10)).toBeNull();
    await expect(repository.history(clients[0], 'coach-1', 1, 'not-a-cursor')).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it("lists a client's pairs from the entries inserted with their first change", async () => {
    const listed = await new PairRepository(connection).findByClient(clients[1]);
    expect(listed).toEqual([expect.objectContaining({ key: keys[1], version: 2 })]);
  });

  it('carries pairs stored by the earlier release over once, and the service goes on from them', async () => {
    const clientId = 'client-earlier';
    const key = pairKey(clientId, 'coach-1');
    const contacts = { client: { name: 'Ana', email: 'ana@example.com' }, coach: { name: 'Carla', email: 'carla@example.com' } };
    const pkg = {
      packageId: 'old-p1',
      eventId: 'old-e1',
      occurredAt: '2026-10-01T10:00:00Z',
      sessionCount: 2,
      price: { amount: 20000, currency: 'USD' },
      rate: { amount: 10000, currency: 'USD' },
      autoRenewal: true,
      ...contacts,
    };
    const autobook = {
      sequence: 1,
      eventId: 'old-autobook-1',
      occurredAt: '2026-10-03T10:00:00Z',
      rate: pkg.rate,
      ratePackageId: 'old-p1',
      trigger: { type: 'session.completed', eventId: 'old-c2', sessionId: 'old-s2' },
      ...contacts,
    };
    const legacyState = (completedSessionIds: string[], autobooks: unknown[]) => ({
      clientId,
      coachId: 'coach-1',
      enrolled: true,
      enrolledChangedAt: '2026-10-01T10:00:00Z',
      packages: [pkg],
      completedSessionIds,
      autobooks,
      ...contacts,
      updatedAt: '2026-10-03T10:00:00Z',
    });
    const entry = (sessionId: string, reason: string) => ({
      at: '2026-10-03T10:00:00Z',
      input: { type: 'session.completed', eventId: `old-${sessionId}`, occurredAt: '2026-10-03T10:00:00Z', sessionId },
      changes: { sessionCompleted: sessionId, sessionsOnDeck: { from: 1, to: 0 } },
      outcome: 'no-autobook',
      reason,
    });
    // Version 1 as the release before last stored it (fields), version 2 as the last one did (one JSON string).
    await connection.collection('pair_versions').insertMany([
      {
        _id: `${key}#0000000001`,
        pairKey: key,
        clientId,
        coachId: 'coach-1',
        version: 1,
        state: legacyState(['old-s1'], []),
        entries: [entry('old-s1', 'sessions-on-deck')],
        autobooked: [],
        at: NOW,
      },
      {
        _id: `${key}#0000000002`,
        pairKey: key,
        clientId,
        coachId: 'coach-1',
        version: 2,
        autobookCount: 1,
        at: NOW,
        body: JSON.stringify({
          state: legacyState(['old-s1', 'old-s2'], [autobook]),
          entries: [
            entry('old-s1', 'duplicate'),
            {
              ...entry('old-s2', ''),
              outcome: 'autobooked',
              reason: undefined,
              autobook: { sequence: 1, eventId: 'old-autobook-1', rate: pkg.rate, ratePackageId: 'old-p1' },
            },
          ],
          autobooked: [],
        }),
      },
    ] as never[]);

    const repository = new PairRepository(connection);
    const done = await repository.migrateLegacy();
    expect(done).toMatchObject({ pairs: 1 });
    expect(await repository.migrateLegacy()).toBeNull(); // once

    const stored = (await repository.load([key])).get(key)!;
    expect(stored.version).toBe(1);
    expect(stored.state).toMatchObject({
      enrolled: true,
      sessionsBought: 2,
      packageIds: ['old-p1'],
      completedSessionIds: ['old-s1', 'old-s2'],
      autobookCount: 1,
      ratePackage: pkg,
      lastAutobook: autobook,
    });
    // The earlier decisions stay readable; the duplicate the earlier release recorded is left out (R10).
    const history = (await repository.history(clientId, 'coach-1', 10))!;
    expect(history.entries.map((e) => e.outcome)).toEqual(['autobooked', 'no-autobook']);

    // On deck is 1 (2 bought + 1 autobooked - 2 completed): the next completion books #2 at the old rate.
    const write = next(stored, clientId, [completed(clientId, 3)]);
    expect(autobooksOf(write)).toEqual([expect.objectContaining({ sequence: 2, rate: pkg.rate, ratePackageId: 'old-p1', client: contacts.client })]);
    expect((await repository.append([write], NOW)).saved).toEqual([expect.objectContaining({ key, version: 2 })]);
    // A replayed completion the earlier release applied is still a duplicate.
    expect(decide(write.state, completed(clientId, 3), { now: NOW.toISOString(), autobookEventId, upcomingEventId }).ignored).toBe('duplicate');
  });

  it('reads the changes the release before stored (pairKey, version, every time and event in full) and carries the pair on', async () => {
    const clientId = 'client-before';
    const key = pairKey(clientId, 'coach-1');
    const first = next(null, clientId, [booked(clientId), completed(clientId, 1)]);
    const second = next({ key, version: 1, state: first.state }, clientId, [completed(clientId, 2)]);
    expect(autobooksOf(second)).toHaveLength(1);
    // As that release wrote them: the pair's key and the change's number beside the _id, each entry with
    // its time, each event with its pair and time.
    const asBefore = (write: ChangeWrite, version: number) => ({
      _id: pairChangeId(key, version),
      pairKey: key,
      clientId,
      coachId: 'coach-1',
      version,
      at: NOW,
      entries: write.entries,
      ...(autobooksOf(write).length > 0 ? { autobooked: autobooksOf(write) } : {}),
      ...(write.outbox.some((e) => e.topic === TOPICS.SESSION_AUTOBOOK_UPCOMING)
        ? { upcoming: write.outbox.flatMap((e) => (e.topic === TOPICS.SESSION_AUTOBOOK_UPCOMING ? [e.payload] : [])) }
        : {}),
    });
    await connection.collection('pair_changes').insertMany([asBefore(first, 1), asBefore(second, 2)] as never[]);

    // That release read a pair through an index of its own, which the start drops: ranges of _id serve it now.
    await connection.collection('pair_changes').createIndex({ pairKey: 1, version: 1 });
    const repository = new PairRepository(connection);
    await repository.ensureIndexes();
    await repository.ensureIndexes();
    expect((await connection.collection('pair_changes').indexes()).map((i) => i.name)).not.toContain('pairKey_1_version_1');
    const stored = (await repository.load([key])).get(key)!;
    expect(stored.version).toBe(2);
    expect(stored.state).toEqual(second.state);
    expect(stored.cold!.outbox.map((e) => e.payload)).toEqual([...first.outbox, ...second.outbox].map((e) => e.payload));
    expect((await repository.history(clientId, 'coach-1', 10))!.entries).toEqual([...first.entries, ...second.entries].reverse());

    const third = next(stored, clientId, [completed(clientId, 3)]);
    expect((await repository.append([third], NOW)).saved).toEqual([expect.objectContaining({ key, version: 3 })]);
    const restored = new PairRepository(connection);
    await restored.restore();
    expect((await restored.load([key])).get(key)).toEqual({ key, version: 3, state: third.state });
    expect((await restored.history(clientId, 'coach-1', 2))!.entries).toEqual([...second.entries, ...third.entries].reverse());
  });

  describe('pauses (R14)', () => {
    const pause = (clientId: string, until: string): RenewalInput => ({ type: 'pause', clientId, coachId: 'coach-1', until });
    const resume = (clientId: string): RenewalInput => ({ type: 'resume', clientId, coachId: 'coach-1', cause: 'api' });
    const pauses = () => connection.collection<PauseDocument>('pauses');
    const T1 = '2026-12-10T00:00:00.000Z';
    const T2 = '2026-12-20T00:00:00.000Z';
    const after = (iso: string) => new Date(Date.parse(iso) + 1);

    it('finds the pauses due among pairs it does not hold, and forgets those ended, replaced or never stored', async () => {
      const [ended, replaced, due] = ['pause-ended', 'pause-replaced', 'pause-due'];
      const writer = new PairRepository(connection);
      const [e1, r1, d1] = (
        await writer.append(
          [ended, replaced, due].map((c) => next(null, c, [booked(c), pause(c, T1)])),
          NOW,
        )
      ).saved;
      await writer.append([next(e1, ended, [resume(ended)]), next(r1, replaced, [pause(replaced, T2)])], NOW);
      // A pause whose change lost its fence: nothing of it was stored.
      await pauses().insertOne({ _id: pairChangeId(pairKey(ended, 'coach-1'), 9), until: new Date(T1) });
      expect(d1.state.pausedUntil).toBe(T1);

      const reader = new PairRepository(connection, 1000);
      await reader.restore();
      expect(reader.holdsAll).toBe(false);
      expect(await reader.pausesDue(new Date(Date.parse(T1) - 1))).toEqual([]);
      const mine = async () => (await pauses().find({}).toArray()).filter((p) => [ended, replaced, due].some((c) => p._id.includes(`"${c}"`)));
      expect(await mine()).toHaveLength(5);

      expect(await reader.pausesDue(after(T1))).toEqual([{ clientId: due, coachId: 'coach-1', until: T1 }]);
      // Only the pause that is due is left of those due by then; the replacing one is not due yet.
      expect((await mine()).map((p) => p.until.toISOString()).sort()).toEqual([T1, T2]);
      expect(await reader.pausesDue(after(T2))).toEqual([
        { clientId: due, coachId: 'coach-1', until: T1 },
        { clientId: replaced, coachId: 'coach-1', until: T2 },
      ]);

      // Once the pauses are ended (as the scheduler does), the next pass forgets them.
      const stored = await writer.load([pairKey(due, 'coach-1'), pairKey(replaced, 'coach-1')]);
      await writer.append(
        [next(stored.get(pairKey(due, 'coach-1'))!, due, [resume(due)]), next(stored.get(pairKey(replaced, 'coach-1'))!, replaced, [resume(replaced)])],
        NOW,
      );
      expect(await new PairRepository(connection, 1000).pausesDue(after(T2))).toEqual([]);
      expect(await mine()).toEqual([]);
    });

    it('carries the pauses of changes of the release before over once, and drops their index', async () => {
      const clientId = 'pause-earlier';
      const key = pairKey(clientId, 'coach-1');
      const write = next(null, clientId, [booked(clientId), pause(clientId, T1)]);
      // As the release before wrote it: entries in full, found by an index on the pause's end.
      await connection.collection('pair_changes').createIndex({ 'entries.changes.pausedUntil.to': 1 }, { sparse: true });
      await connection
        .collection('pair_changes')
        .insertOne({ _id: pairChangeId(key, 1), clientId, coachId: 'coach-1', at: NOW, entries: write.entries } as never);
      await connection.collection('migrations').deleteOne({ _id: 'pair_changes-to-pauses' } as never);

      const repository = new PairRepository(connection);
      const done = await repository.migratePauses();
      expect(done).toMatchObject({ _id: 'pair_changes-to-pauses' });
      expect(done!.pauses).toBeGreaterThanOrEqual(1);
      expect(await pauses().findOne({ _id: pairChangeId(key, 1) })).toEqual({ _id: pairChangeId(key, 1), until: new Date(T1) });
      expect((await connection.collection('pair_changes').indexes()).map((i) => i.name)).not.toContain('entries.changes.pausedUntil.to_1');
      expect(await repository.migratePauses()).toBeNull();
      expect((await repository.pausesDue(after(T1))).filter((p) => p.clientId === clientId)).toEqual([{ clientId, coachId: 'coach-1', until: T1 }]);
    });
  });
});
