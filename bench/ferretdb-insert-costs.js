'use strict';
// `npm run bench:insert-costs`: what FerretDB spends to insert a document, by its shape. Starts its own
// FerretDB (FERRETDB_BACKEND as for scripts/infra) on a free port, inserts the same number of documents
// of each shape through the MongoDB driver in batches of 500 (a fresh database per shape and round, the
// shapes alternating), and reports FerretDB's CPU time per document, read from /proc. The shapes: an
// `_id` and a time; 10 and 40 short string fields; the pair changes this release writes for the bench's
// workload (`changeDocument`), with and without the service's secondary index; the same changes with
// their entries in full (as 4e39a34 wrote them, with its two indexes); and as b833b6d wrote them (pair
// key, version, times and event payloads in full besides, with its three).

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const infra = require('../scripts/infra');
const { cpuSecondsOf, freePort, parseOptions } = require('./lib/util');

const DIST = path.resolve(__dirname, '..', 'dist');
const SPEC = {
  pairs: { type: 'number', min: 10, help: 'pairs of the workload; each brings a package and 9 completions (3000)' },
  rounds: { type: 'number', min: 1, help: 'rounds over all shapes (3)' },
  help: { type: 'boolean', help: 'this text' },
};

function changes(pairs) {
  const { pairInputs } = require(path.join(DIST, 'libs', 'testing', 'index.js'));
  const { decide, emptyPair } = require(path.join(DIST, 'apps', 'ongoing-training', 'domain', 'index.js'));
  const { autobookEventId, upcomingEventId } = require(path.join(DIST, 'apps', 'ongoing-training', 'renewal', 'autobook-id.js'));
  const { changeDocument, pairKey } = require(path.join(DIST, 'apps', 'ongoing-training', 'renewal', 'pair.schema.js'));
  const now = new Date();
  const written = [];
  const full = [];
  const before = [];
  for (let i = 0; i < pairs; i++) {
    const pair = pairInputs('costs', i, { sessionCount: 3 + (i % 8), completions: 9 });
    const key = pairKey(pair.clientId, pair.coachId);
    let state = emptyPair(pair.clientId, pair.coachId);
    let version = 0;
    for (const input of [{ type: 'package.booked', event: pair.package }, ...pair.completions.map((event) => ({ type: 'session.completed', event }))]) {
      const decision = decide(state, input, { now: now.toISOString(), autobookEventId, upcomingEventId });
      state = decision.state;
      if (!decision.entry) continue;
      version++;
      const change = { pairKey: key, version, clientId: pair.clientId, coachId: pair.coachId, at: now, entries: [decision.entry] };
      const doc = changeDocument(change);
      written.push(doc);
      full.push(changeDocument(change, { compact: false }));
      before.push({
        ...doc,
        pairKey: key,
        version,
        entries: [decision.entry],
        ...(decision.autobooked ? { autobooked: [decision.autobooked] } : {}),
        ...(decision.upcoming ? { upcoming: [decision.upcoming] } : {}),
      });
    }
  }
  return { written, full, before };
}

const flat = (n) => (doc) => ({ _id: doc._id, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`field${i}`, `value-${i}`])) });
const INDEXES = [[{ at: 1 }]];
/** Those of the releases before: the due pauses were found in the changes (4e39a34, b833b6d). */
const INDEXES_BEFORE = [...INDEXES, [{ 'entries.changes.pausedUntil.to': 1 }, { sparse: true }]];

async function main() {
  const opts = parseOptions(process.argv.slice(2), process.env, SPEC);
  if (opts.help) {
    process.stdout.write(
      `npm run bench:insert-costs -- [options]\n${Object.entries(SPEC)
        .map(([k, v]) => `  --${k.padEnd(8)} ${v.help}`)
        .join('\n')}\n`,
    );
    return;
  }
  const { MongoClient } = require('mongodb');
  const { written, full, before } = changes(opts.pairs ?? 3000);
  const shapes = {
    'an _id and a time': { docs: written.map((d) => ({ _id: d._id, at: d.at })), indexes: [] },
    '10 string fields': { docs: written.map(flat(10)), indexes: [] },
    '40 string fields': { docs: written.map(flat(40)), indexes: [] },
    'pair changes, no secondary index': { docs: written, indexes: [] },
    "pair changes, the service's index": { docs: written, indexes: INDEXES },
    'pair changes, entries in full (4e39a34), its indexes': { docs: full, indexes: INDEXES_BEFORE },
    'pair changes as b833b6d wrote them, its indexes': { docs: before, indexes: [[{ pairKey: 1, version: 1 }], ...INDEXES_BEFORE] },
  };
  const log = (line) => process.stderr.write(`[insert-costs] ${line}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ongoing-training-insert-costs-'));
  const ferret = await infra.startFerretDb({
    port: await freePort(),
    dataDir,
    log,
    ...(process.env.FERRETDB_BACKEND ? { backend: process.env.FERRETDB_BACKEND } : {}),
  });
  const client = await new MongoClient(ferret.uri).connect();
  const results = Object.fromEntries(Object.keys(shapes).map((name) => [name, []]));
  try {
    for (let round = 1; round <= (opts.rounds ?? 3); round++) {
      for (const [name, shape] of Object.entries(shapes)) {
        const db = client.db(`costs_${round}_${Object.keys(shapes).indexOf(name)}`);
        const collection = db.collection('docs');
        await db.createCollection('docs');
        for (const [keys, options] of shape.indexes) await collection.createIndex(keys, options);
        const cpu = cpuSecondsOf(ferret.pid);
        const started = Date.now();
        for (let i = 0; i < shape.docs.length; i += 500) await collection.insertMany(shape.docs.slice(i, i + 500), { ordered: false });
        const seconds = (Date.now() - started) / 1000;
        results[name].push({ cpuUs: ((cpuSecondsOf(ferret.pid) - cpu) * 1e6) / shape.docs.length, perSecond: shape.docs.length / seconds });
        await db.dropDatabase();
      }
      log(`round ${round} done`);
    }
  } finally {
    await client.close();
    await ferret.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const { BSON } = require('mongodb');
  process.stdout.write(`${written.length} documents per shape, ${opts.rounds ?? 3} rounds; FerretDB ${ferret.backend ?? 'sqlite'}; medians\n`);
  process.stdout.write(`${'shape'.padEnd(62)} ${'BSON B/doc'.padStart(10)} ${'FerretDB CPU us/doc'.padStart(20)} ${'docs/s'.padStart(8)}\n`);
  for (const [name, shape] of Object.entries(shapes)) {
    const bytes = shape.docs.reduce((sum, d) => sum + BSON.calculateObjectSize(d), 0) / shape.docs.length;
    const row = results[name];
    process.stdout.write(
      `${name.padEnd(62)} ${Math.round(bytes).toLocaleString('en-US').padStart(10)} ${Math.round(median(row.map((r) => r.cpuUs)))
        .toString()
        .padStart(20)} ${Math.round(median(row.map((r) => r.perSecond)))
        .toLocaleString('en-US')
        .padStart(8)}\n`,
    );
  }
}

main().catch((error) => {
  process.stderr.write(`insert-costs failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
