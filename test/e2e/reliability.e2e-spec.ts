import { createRequire } from 'node:module';
import { DLQ_HEADERS, TOPICS } from '#contracts';
import mongoose from 'mongoose';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { freePort } from '../support/apps.js';
import { OngoingTrainingHarness, aPair } from '../support/ongoing-training.js';
import { Workload, audit, aWorkload, pastTheEnd, runId, waitFor } from '#testing';
import { waitForGroupCaughtUp } from '../support/kafka.js';
import { report } from '../support/report.js';
import type { HistoryEntry } from '../../apps/ongoing-training/src/domain/index.js';

const require = createRequire(import.meta.url);

const infra = require('../../scripts/infra');

// R10, R12 and the recovery guarantees, proven against the real broker and database: whatever
// happens to the service, every expected autobook is published once per (pair, sequence), none extra.
describe('ongoing-training reliability', () => {
  /** Produces the workload's packages, waits until the group applied them, then its completions. */
  async function feed(ot: OngoingTrainingHarness, workload: Workload): Promise<void> {
    await ot.book(...workload.packages);
    await waitForGroupCaughtUp(ot.probe.kafka.admin(), ot.groupId, [ot.topic(TOPICS.PACKAGE_BOOKED)]);
    await ot.complete(...workload.completions);
  }

  /** Waits until every expected autobook is out, the inputs are all committed and the outbox is empty. */
  async function settle(ot: OngoingTrainingHarness, workload: Workload, mongoUri: string, timeoutMs = 180000): Promise<void> {
    await waitFor(
      `${workload.expectedTotal} distinct autobooks (seen ${ot.distinctAutobooks().length})`,
      () => ot.distinctAutobooks().length >= workload.expectedTotal,
      timeoutMs,
      250,
    );
    const admin = ot.probe.kafka.admin();
    await admin.connect();
    try {
      await waitForGroupCaughtUp(admin, ot.groupId, [ot.topic(TOPICS.PACKAGE_BOOKED), ot.topic(TOPICS.SESSION_COMPLETED)], timeoutMs);
    } finally {
      await admin.disconnect();
    }
    const connection = await mongoose.createConnection(mongoUri).asPromise();
    try {
      // Every event the stored changes publish (autobooks, heads-ups) is recorded as acknowledged by the
      // broker: the outbox is done, and nothing more is written in the background.
      // The events follow from the stored decisions: an autobook, a heads-up, a void each publish one.
      const stored = async () => {
        const changes = await connection
          .collection('pair_changes')
          .find({}, { projection: { entries: 1 } })
          .toArray();
        const published = (e: HistoryEntry) => (e.outcome === 'autobooked' ? 1 : 0) + (e.changes.headsUp ? 1 : 0) + (e.changes.voided ? 1 : 0);
        return changes.reduce((n, c) => n + (c.entries as HistoryEntry[]).reduce((m, e) => m + published(e), 0), 0);
      };
      await waitFor(
        'the outbox to be done',
        async () => {
          const [events, recorded] = await Promise.all([stored(), connection.collection('published_autobooks').countDocuments({})]);
          return events >= workload.expectedTotal && recorded === events;
        },
        timeoutMs,
        250,
      );
    } finally {
      await connection.close();
    }
  }

  describe('restart', () => {
    let ot: OngoingTrainingHarness;
    afterAll(() => ot?.close());

    // A restarted process reads the stored pairs once at start (their history, folded) and carries each
    // on from there: the next completion books the session the stored state calls for.
    it('carries every pair on from its stored state after a restart, not from scratch (R5, R10)', async () => {
      ot = await OngoingTrainingHarness.create('restart');
      const pairs = Array.from({ length: 6 }, (_, i) => aPair(`restart-${i}`));
      const first = await ot.startApp();
      await ot.book(...pairs.map((p) => p.packageBooked({ sessionCount: 2, price: { amount: 20000, currency: 'USD' }, ongoingTraining: true })));
      await ot.complete(...pairs.map((p) => p.sessionCompleted()));
      for (const p of pairs) await ot.waitForPair(p.clientId, p.coachId, `one session on deck for ${p.clientId}`, (pair) => pair?.sessionsOnDeck === 1);
      await first.stop();

      await ot.startApp();
      await ot.complete(...pairs.map((p) => p.sessionCompleted()));
      const autobooks = await waitFor('one autobook per pair', () => ot.distinctAutobooks().length >= pairs.length && ot.distinctAutobooks());
      expect(autobooks.map((a) => a.clientId).sort()).toEqual(pairs.map((p) => p.clientId).sort());
      for (const a of autobooks) expect(a).toMatchObject({ sequence: 1, rate: { amount: 10000, currency: 'USD' }, trigger: { type: 'session.completed' } });
      for (const p of pairs) {
        const history = await ot.history(p.clientId, p.coachId);
        expect(history.map((e: { outcome: string }) => e.outcome)).toEqual(['autobooked', 'no-autobook', 'no-autobook']);
      }
    });
  });

  describe('replay', () => {
    let ot: OngoingTrainingHarness;
    afterAll(() => ot?.close());

    /** Every document of the service's database, by collection: what a replay must leave as it was. */
    async function snapshot(uri: string): Promise<Record<string, string[]>> {
      const connection = await mongoose.createConnection(uri).asPromise();
      try {
        const out: Record<string, string[]> = {};
        for (const { name } of await connection.db!.listCollections({}, { nameOnly: true }).toArray()) {
          const docs = await connection.collection(name).find({}).toArray();
          out[name] = docs.map((d) => JSON.stringify(d)).sort();
        }
        return out;
      } finally {
        await connection.close();
      }
    }

    it('books nothing new and writes nothing when every input is produced again, or read again from offset 0 after a restart (R10)', async () => {
      ot = await OngoingTrainingHarness.create('replay');
      const workload = aWorkload(ot.prefix, { pairs: 200, shape: pastTheEnd() });
      const first = await ot.startApp();
      await feed(ot, workload);
      await settle(ot, workload, ot.env.MONGODB_URI);
      expect(audit(workload, ot.autobooks())).toMatchObject({ doubled: 0, lost: 0, distinct: workload.expectedTotal });
      const stored = await snapshot(ot.env.MONGODB_URI);
      expect(stored.pair_changes.length).toBeGreaterThan(0);

      // The same inputs, in full, again: duplicates, stored nowhere.
      await ot.book(...workload.packages);
      await ot.complete(...workload.completions);
      await settle(ot, workload, ot.env.MONGODB_URI);
      expect(await snapshot(ot.env.MONGODB_URI)).toEqual(stored);

      // A restart (nothing in memory), and a new consumer group reading both topics from their first offset.
      await first.stop();
      const replayGroup = runId('replay-group');
      await ot.startApp({ KAFKA_GROUP_ID: replayGroup });
      const admin = ot.probe.kafka.admin();
      await admin.connect();
      await waitForGroupCaughtUp(admin, replayGroup, [ot.topic(TOPICS.PACKAGE_BOOKED), ot.topic(TOPICS.SESSION_COMPLETED)]);
      await admin.disconnect();

      const after = audit(workload, ot.autobooks());
      report(
        `replay: ${workload.inputs} inputs produced twice and read a third time by a new group after a restart; autobooks expected ${workload.expectedTotal}, distinct ${after.distinct}, doubled ${after.doubled}, lost ${after.lost}, redelivered copies ${after.redelivered}; database unchanged by both replays`,
      );
      expect(after).toMatchObject({ doubled: 0, lost: 0, distinct: workload.expectedTotal });
      expect(await snapshot(ot.env.MONGODB_URI)).toEqual(stored);
    });
  });

  describe('crash', () => {
    let ot: OngoingTrainingHarness;
    afterAll(() => ot?.close());

    it('publishes exactly the expected autobooks after a SIGKILL in the middle of the stream (R10)', async () => {
      ot = await OngoingTrainingHarness.create('crash');
      const workload = aWorkload(ot.prefix, { pairs: 600, shape: pastTheEnd({ extra: 5 }) });
      const app = await ot.startApp({ APPLY_CHUNK_SIZE: '25' });
      await feed(ot, workload);
      await waitFor('the first autobooks', () => ot.distinctAutobooks().length >= Math.min(20, workload.expectedTotal), 60000, 20);
      const seenAtKill = ot.distinctAutobooks().length;
      await app.kill();
      expect(app.exitSignal).toBe('SIGKILL');
      const restartedAt = Date.now();
      await ot.startApp();
      await settle(ot, workload, ot.env.MONGODB_URI);
      const result = audit(workload, ot.autobooks());
      report(
        `crash: ${workload.inputs} inputs, SIGKILL after ${seenAtKill} of ${workload.expectedTotal} autobooks; after restart distinct ${result.distinct}, doubled ${result.doubled}, lost ${result.lost}, redelivered copies ${result.redelivered}; all settled ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart`,
      );
      expect(seenAtKill).toBeLessThan(workload.expectedTotal);
      expect(result).toMatchObject({ doubled: 0, lost: 0, distinct: workload.expectedTotal });
    });
  });

  describe('rebalance', () => {
    let ot: OngoingTrainingHarness;
    afterAll(() => ot?.close());

    it('keeps the result exact with two instances in one group when one stops midway (R10)', async () => {
      ot = await OngoingTrainingHarness.create('rebalance', { partitions: 6 });
      const workload = aWorkload(ot.prefix, { pairs: 600, shape: pastTheEnd({ extra: 5 }) });
      const first = await ot.startApp({ APPLY_CHUNK_SIZE: '25' });
      await ot.startApp({ APPLY_CHUNK_SIZE: '25' });
      await feed(ot, workload);
      await waitFor('the first autobooks', () => ot.distinctAutobooks().length >= Math.min(20, workload.expectedTotal), 60000, 20);
      const seenAtStop = ot.distinctAutobooks().length;
      await first.stop();
      await settle(ot, workload, ot.env.MONGODB_URI);
      const result = audit(workload, ot.autobooks());
      report(
        `rebalance: ${workload.inputs} inputs over 6 partitions, 2 instances, one stopped after ${seenAtStop} of ${workload.expectedTotal} autobooks; distinct ${result.distinct}, doubled ${result.doubled}, lost ${result.lost}, redelivered copies ${result.redelivered}`,
      );
      expect(result).toMatchObject({ doubled: 0, lost: 0, distinct: workload.expectedTotal });
    });
  });

  describe('bad input', () => {
    let ot: OngoingTrainingHarness;
    afterAll(() => ot?.close());

    it('moves every message that breaks its contract to the DLQ with its reason, and applies the valid ones around them (R12)', async () => {
      ot = await OngoingTrainingHarness.create('bad-input');
      await ot.startApp();
      const pair = aPair('bad');
      const pkg = pair.packageBooked({ sessionCount: 1, ongoingTraining: true });
      const valid = JSON.stringify(pkg);
      const withPkg = (patch: Record<string, unknown>) => JSON.stringify({ ...pkg, packageId: runId('bad-pkg'), ...patch });
      const badPackages: { value: string; key: string | null; reason: RegExp }[] = [
        { value: '{"eventId": "oops"', key: pair.clientId, reason: /not valid UTF-8 JSON/ },
        { value: JSON.stringify({ eventId: 'x', clientId: pair.clientId }), key: pair.clientId, reason: /packageId/ },
        { value: withPkg({ sessionCount: '3' }), key: pair.clientId, reason: /sessionCount/ },
        { value: withPkg({ price: { amount: 100, currency: 'ABC' } }), key: pair.clientId, reason: /currency/ },
        { value: withPkg({ price: { amount: -1, currency: 'USD' } }), key: pair.clientId, reason: /price\.amount/ },
        { value: withPkg({ price: { amount: 10.5, currency: 'USD' } }), key: pair.clientId, reason: /price\.amount/ },
        { value: withPkg({ sessionCount: 0 }), key: pair.clientId, reason: /sessionCount/ },
        { value: withPkg({ coachId: 'c'.repeat(201) }), key: pair.clientId, reason: /coachId/ },
        { value: withPkg({ occurredAt: '2026-11-24 18:30' }), key: pair.clientId, reason: /occurredAt/ },
        { value: withPkg({ client: { name: 'A', email: 'not-an-email' } }), key: pair.clientId, reason: /client\.email/ },
        { value: withPkg({}), key: 'someone-else', reason: /wrong key/ },
      ];
      const badCompletions = [
        { value: JSON.stringify({ ...pair.sessionCompleted(), sessionId: undefined }), key: pair.clientId, reason: /sessionId/ },
        { value: JSON.stringify(pair.sessionCompleted()), key: null, reason: /wrong key/ },
        { value: '\u0000\u0001binary', key: pair.clientId, reason: /JSON/ },
      ];
      // Valid inputs between the bad ones: the package first, its completion last.
      await ot.probe.produce(ot.topic(TOPICS.PACKAGE_BOOKED), [...badPackages.slice(0, 5), { key: pair.clientId, value: valid }, ...badPackages.slice(5)]);
      await ot.probe.produce(ot.topic(TOPICS.SESSION_COMPLETED), [...badCompletions, { key: pair.clientId, value: JSON.stringify(pair.sessionCompleted()) }]);

      await waitFor('the valid inputs to autobook', () => ot.distinctAutobooks(pair.clientId).length === 1, 60000);
      const packageDlq = await ot.probe.waitForCount(ot.topic(`${TOPICS.PACKAGE_BOOKED}.dlq`), badPackages.length);
      const completionDlq = await ot.probe.waitForCount(ot.topic(`${TOPICS.SESSION_COMPLETED}.dlq`), badCompletions.length);
      for (const [bad, dlq, topic] of [
        [badPackages, packageDlq, TOPICS.PACKAGE_BOOKED],
        [badCompletions, completionDlq, TOPICS.SESSION_COMPLETED],
      ] as const) {
        expect(dlq).toHaveLength(bad.length);
        for (const message of bad) {
          const letter = dlq.find((m) => m.value!.equals(Buffer.from(message.value)) && m.key === message.key);
          expect(letter).toBeDefined();
          expect(letter!.headers[DLQ_HEADERS.REASON]).toMatch(message.reason);
          expect(letter!.headers[DLQ_HEADERS.SOURCE_TOPIC]).toBe(ot.topic(topic));
          expect(Number(letter!.headers[DLQ_HEADERS.SOURCE_PARTITION])).toBeGreaterThanOrEqual(0);
          expect(letter!.headers[DLQ_HEADERS.SOURCE_OFFSET]).toMatch(/^\d+$/);
          expect(Date.parse(letter!.headers[DLQ_HEADERS.FAILED_AT])).not.toBeNaN();
        }
      }
      report(
        `bad input: ${badPackages.length + badCompletions.length} invalid messages, all on their DLQ with a reason; the 2 valid inputs around them applied (1 autobook)`,
      );
    });
  });

  describe('database outage', () => {
    let ot: OngoingTrainingHarness;
    let ferret: { stop(): Promise<void> } | null = null;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-outage-'));
    afterAll(async () => {
      await ot?.close();
      await ferret?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('recovers by itself when the database comes back, with the exact result, and is not ready meanwhile', async () => {
      const port = await freePort();
      const start = () => infra.startFerretDb({ port, dataDir, log: () => undefined });
      ferret = await start();
      const mongoUri = `mongodb://127.0.0.1:${port}/outage`;
      ot = await OngoingTrainingHarness.create('outage');
      const workload = aWorkload(ot.prefix, { pairs: 400, shape: pastTheEnd({ extra: 5 }) });
      await ot.startApp({ MONGODB_URI: mongoUri, APPLY_CHUNK_SIZE: '25' });
      await feed(ot, workload);
      await waitFor('the first autobooks', () => ot.distinctAutobooks().length >= Math.min(10, workload.expectedTotal), 60000, 20);
      await ferret!.stop();
      const downAt = Date.now();
      await waitFor('/health/ready to say not ready', async () => (await fetch(`${ot.app.url}/health/ready`)).status === 503, 30000);
      // The outage itself: the database stays away for a few seconds while inputs keep arriving.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      ferret = await start();
      const upAt = Date.now();
      await ot.app.waitReady(60000);
      const readyAfter = Date.now() - upAt;
      await settle(ot, workload, mongoUri);
      const result = audit(workload, ot.autobooks());
      report(
        `database outage: ${workload.inputs} inputs, FerretDB down ${((upAt - downAt) / 1000).toFixed(1)} s; ready again ${(readyAfter / 1000).toFixed(1)} s after it came back, all settled ${((Date.now() - upAt) / 1000).toFixed(1)} s after; distinct ${result.distinct}, doubled ${result.doubled}, lost ${result.lost}, redelivered copies ${result.redelivered}`,
      );
      expect(result).toMatchObject({ doubled: 0, lost: 0, distinct: workload.expectedTotal });
      expect(ot.app.running).toBe(true);
    });
  });
});
