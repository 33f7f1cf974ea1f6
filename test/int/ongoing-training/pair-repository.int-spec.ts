// The repository is a plain class under Nest's decorators: Nest itself (ES modules only, which Jest does
// not load) is stood in for by no-op decorators. Everything else is real: mongoose on the test run's
// MongoDB wire-protocol server.
jest.mock('@nestjs/common', () => {
  const decorator = () => () => undefined;
  return { Injectable: decorator, Inject: decorator };
});

import { aPackageBooked, aSessionCompleted } from '@app/contracts/testing/builders';
import mongoose, { Connection } from 'mongoose';
import { PairState, RenewalInput, decide } from '../../../apps/ongoing-training/src/domain';
import { autobookEventId } from '../../../apps/ongoing-training/src/renewal/autobook-id';
import { PairRepository, StoredPair, VersionWrite } from '../../../apps/ongoing-training/src/renewal/pair.repository';
import { pairKey, pairVersionId } from '../../../apps/ongoing-training/src/renewal/pair.schema';
import { mongoUriFor } from '../../support/mongo';
import { runId } from '../../support/wait';

const NOW = new Date('2026-11-03T10:00:00Z');

/** A write of the pair's next version: `inputs` decided on top of `previous`. */
function next(previous: StoredPair | null, clientId: string, inputs: RenewalInput[]): VersionWrite {
  let state: PairState | null = previous?.state ?? null;
  const entries = [];
  const autobooked = [];
  for (const input of inputs) {
    const decision = decide(state, input, { now: NOW.toISOString(), autobookEventId });
    state = decision.state;
    entries.push(decision.entry);
    if (decision.autobooked) autobooked.push(decision.autobooked);
  }
  return { previous, clientId, coachId: 'coach-1', state: state!, entries, autobooked };
}

const booked = (clientId: string): RenewalInput => ({ type: 'package.booked', event: aPackageBooked({ clientId, packageId: `${clientId}-p1`, sessionCount: 2, ongoingTraining: true }) });
const completed = (clientId: string, n: number): RenewalInput => ({ type: 'session.completed', event: aSessionCompleted({ clientId, sessionId: `${clientId}-s${n}` }) });

describe('PairRepository on a real MongoDB wire-protocol server', () => {
  let connection: Connection;
  const clients = Array.from({ length: 6 }, (_, i) => `client-${i}`);
  const keys = clients.map((c) => pairKey(c, 'coach-1'));

  beforeAll(async () => {
    connection = await mongoose.createConnection(mongoUriFor(runId('pair-repo').slice(0, 60))).asPromise();
    await new PairRepository(connection).ensureIndexes();
    // Two versions of every pair, written by a first process: the package, then a completion that
    // leaves one session on deck.
    const writer = new PairRepository(connection);
    const first = await writer.insertVersions(clients.map((c) => next(null, c, [booked(c)])), NOW);
    expect(first.conflicts).toEqual([]);
    const second = await writer.insertVersions(first.saved.map((stored, i) => next(stored, clients[i], [completed(clients[i], 1)])), NOW);
    expect(second.saved.map((s) => s.version)).toEqual(clients.map(() => 2));
  });

  afterAll(async () => {
    await connection?.db?.dropDatabase();
    await connection?.close();
  });

  it('takes pairs it holds nothing of to be new without a read, and the insert of their version 1 says otherwise', async () => {
    const fresh = new PairRepository(connection);
    const guessed = await fresh.load(keys, { unknownAsNew: true });
    expect([...guessed.values()]).toEqual(clients.map(() => null));

    const { saved, conflicts } = await fresh.insertVersions(clients.map((c) => next(null, c, [completed(c, 2)])), NOW);
    expect(saved).toEqual([]);
    expect(conflicts.sort()).toEqual([...keys].sort());
  });

  it('reads the latest version of many pairs at once (two queries) and of a few (by _id), with the same answer', async () => {
    const many = await new PairRepository(connection).load(keys);
    const few = await new PairRepository(connection).load(keys.slice(0, 2));
    for (const key of keys) {
      expect(many.get(key)).toMatchObject({ key, version: 2, cold: true });
      expect(many.get(key)!.state.completedSessionIds).toHaveLength(1);
    }
    for (const key of keys.slice(0, 2)) expect(few.get(key)).toEqual(many.get(key));
  });

  it('carries a pair on from what it read: the next completion books a session and the outbox finds it', async () => {
    const reader = new PairRepository(connection);
    const stored = (await reader.load([keys[0]])).get(keys[0])!;
    const write = next(stored, clients[0], [completed(clients[0], 2)]);
    expect(write.autobooked).toHaveLength(1);
    const { saved } = await reader.insertVersions([write], NOW);
    expect(saved).toEqual([expect.objectContaining({ key: keys[0], version: 3 })]);

    const since = new Date(NOW.getTime() - 1000);
    expect((await reader.autobooksSince(since)).map((a) => a.eventId)).toEqual([write.autobooked[0].eventId]);
    expect(await reader.publishedSince(since)).toEqual(new Set());
    await reader.markPublished([write.autobooked[0].eventId], NOW);
    expect(await reader.publishedSince(since)).toEqual(new Set([write.autobooked[0].eventId]));
  });

  it('gives the decision log newest first, across versions', async () => {
    const history = await new PairRepository(connection).history(clients[0], 'coach-1', 10);
    expect(history!.map((e) => e.outcome)).toEqual(['autobooked', 'no-autobook', 'no-autobook']);
    expect(history!.map((e) => (e.input.type === 'enrollment' ? null : e.input.eventId))).toEqual([`completed-${clients[0]}-s2`, `completed-${clients[0]}-s1`, `booked-${clients[0]}-p1`]);
  });

  it('reads versions written by earlier builds, whose content is in fields rather than in `body`, and carries them on', async () => {
    // What an earlier build stored: the same content, as nested fields.
    const clientId = 'client-earlier';
    const key = pairKey(clientId, 'coach-1');
    const v1 = next(null, clientId, [booked(clientId), completed(clientId, 1)]);
    const v2 = next({ key, version: 1, state: v1.state }, clientId, [completed(clientId, 2)]);
    expect(v2.autobooked).toHaveLength(1);
    await connection.collection('pair_versions').insertMany([
      { _id: pairVersionId(key, 1), pairKey: key, clientId, coachId: 'coach-1', version: 1, state: v1.state, entries: v1.entries, autobooked: v1.autobooked, at: NOW },
      { _id: pairVersionId(key, 2), pairKey: key, clientId, coachId: 'coach-1', version: 2, state: v2.state, entries: v2.entries, autobooked: v2.autobooked, at: NOW },
    ] as never[]);

    const reader = new PairRepository(connection);
    expect((await reader.load([key])).get(key)).toMatchObject({ key, version: 2, state: v2.state });
    expect((await reader.history(clientId, 'coach-1', 10))!.map((e) => e.outcome)).toEqual(['autobooked', 'no-autobook', 'no-autobook']);
    expect((await reader.autobooksSince(new Date(NOW.getTime() - 1000))).map((a) => a.eventId)).toContain(v2.autobooked[0].eventId);

    const { saved } = await reader.insertVersions([next((await reader.load([key])).get(key)!, clientId, [completed(clientId, 3)])], NOW);
    expect(saved).toEqual([expect.objectContaining({ key, version: 3 })]);
  });

  it("lists a client's pairs from the entries inserted with their first version", async () => {
    const listed = await new PairRepository(connection).findByClient(clients[1]);
    expect(listed).toEqual([expect.objectContaining({ key: keys[1], version: 2 })]);
  });
});
