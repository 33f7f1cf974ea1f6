#!/usr/bin/env node
'use strict';
// `npm run bench`: throughput, latency, memory and database round trips of the ongoing-training
// service (and the notifier) against real Kafka and FerretDB. See bench/README.md.
//
//   node bench/run-bench.js [--quick] [--inputs 100000 --pairs 10000] [--rate 200 --seconds 60] ...
//
// Uses the built apps (dist/): `npm run bench` builds them first.

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');

const { startInfra } = require('./lib/infra');
const { createTopics, groupProgress, kafkaClient, newProducer, produceAll, topicCount, topicEnds, watchTopic } = require('./lib/kafka');
const { startApp, startBarePipe, startDbProxy, stopAll, waitReady } = require('./lib/processes');
const { nodeProfileArgs, sampleGoProfile, summarizeGoProfile, summarizeNodeProfile } = require('./lib/profile');
const { renderMarkdown, renderTable, evaluateTargets } = require('./lib/report');
const { SmtpSink, aSteadyWorkload, aWorkload, changeIdRange, orderIndependent, pairOfAddress, sleep } = require('./lib/build');
const { cpuSecondsOf, cpuSecondsOfTree, load, loadText, parseOptions, round, summarize } = require('./lib/util');

const ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(ROOT, '.artifacts', 'bench');
const PROFILE_DIR = path.join(OUT_DIR, 'profiles');

const TOPIC = {
  PACKAGE_BOOKED: 'package.booked',
  SESSION_COMPLETED: 'session.completed',
  SESSION_AUTOBOOKED: 'session.autobooked',
};

/**
 * Every topic of the contracts and its dead-letter topic, made before the apps start: two apps creating
 * the same missing topic at the same moment can fail one of them (UNKNOWN_TOPIC_OR_PARTITION).
 */
function everyTopic(prefix) {
  const { TOPICS } = require(path.join(ROOT, 'dist/libs/contracts/topics.js'));
  return Object.values(TOPICS).flatMap((t) => [prefix + t, `${prefix}${t}.dlq`]);
}

const SPEC = {
  quick: { type: 'boolean', help: 'smoke run: 10k inputs over 1k pairs, 10 s of steady load' },
  inputs: { type: 'number', min: 1, help: 'replay: inputs to produce (100000; quick 10000)' },
  pairs: { type: 'number', min: 1, help: 'replay: client-coach pairs (10000; quick 1000)' },
  rate: { type: 'number', min: 1, help: 'latency: inputs per second (200)' },
  seconds: { type: 'number', min: 1, help: 'latency: seconds of measured steady load (60; quick 10)' },
  warmup: { type: 'number', min: 0, help: 'latency: seconds of load before measuring (5; quick 2)' },
  partitions: { type: 'number', min: 1, help: 'partitions of every topic (3)' },
  'chunk-size': { type: 'number', min: 1, help: "APPLY_CHUNK_SIZE of the service and the bare pipe (default: the service's own)" },
  'service-env': { type: 'string', help: 'extra environment of the service, KEY=VALUE[,KEY=VALUE...] (e.g. OUTBOX_RETRY_MS=2000)' },
  'active-pairs': { type: 'number', min: 1, help: 'latency: pairs in progress at a time (50)' },
  'log-level': { type: 'string', help: 'LOG_LEVEL of the apps (log, as in production)' },
  timeout: { type: 'number', min: 10, help: 'replay: seconds the service may take before it is given up on (1800; quick 600)' },
  'drain-timeout': { type: 'number', min: 5, help: 'latency: seconds to wait for the last autobooks and emails after the load (120)' },
  replay: { type: 'boolean', help: 'run the replay throughput part (--no-replay skips it)' },
  'bare-pipe': { type: 'boolean', help: 'run the bare pipe (--no-bare-pipe skips it)' },
  'replay-again': { type: 'boolean', help: 'replay everything again over the stored state after a restart (--no-replay-again skips it)' },
  'long-lived': { type: 'boolean', help: 'run the long-lived pairs: 10 years of weekly inputs (--no-long-lived skips it)' },
  'long-lived-pairs': { type: 'number', min: 1, help: 'long-lived: how many pairs (3)' },
  latency: { type: 'boolean', help: 'run the latency part (--no-latency skips it)' },
  'db-proxy': { type: 'boolean', help: 'count database round trips through a proxy (--no-db-proxy connects the apps directly)' },
  'keep-data': { type: 'boolean', help: 'keep the data dir of the Kafka and FerretDB started here' },
  profile: {
    type: 'boolean',
    help: 'replay: CPU profiles of the service (node --cpu-prof) and of FerretDB (Go pprof, when started here), summarized in the report; files in .artifacts/bench/profiles/',
  },
  'profile-seconds': { type: 'number', min: 1, help: 'replay: seconds of FerretDB sampled from the service start (10; quick 3)' },
  seed: { type: 'number', help: 'seed of the workloads (42)' },
  help: { type: 'boolean', help: 'this text' },
};

const log = (line) => process.stderr.write(`[bench] ${line}\n`);

function options() {
  const given = parseOptions(process.argv.slice(2), process.env, SPEC);
  if (given.help) {
    process.stdout.write(
      `npm run bench -- [options]   (or BENCH_<OPTION>=value; KAFKA_BROKERS and BENCH_MONGODB_URL use running servers)\n${Object.entries(SPEC)
        .map(([k, v]) => `  --${k.padEnd(16)} ${v.help}`)
        .join('\n')}\n`,
    );
    process.exit(0);
  }
  const quick = Boolean(given.quick);
  return {
    quick,
    inputs: given.inputs ?? (quick ? 10000 : 100000),
    pairs: given.pairs ?? (quick ? 1000 : 10000),
    rate: given.rate ?? 200,
    seconds: given.seconds ?? (quick ? 10 : 60),
    warmup: given.warmup ?? (quick ? 2 : 5),
    partitions: given.partitions ?? 3,
    chunkSize: given['chunk-size'] ?? null,
    serviceEnv: parseEnvList(given['service-env'] ?? ''),
    activePairs: given['active-pairs'] ?? 50,
    logLevel: given['log-level'] ?? 'log',
    timeoutS: given.timeout ?? (quick ? 600 : 1800),
    drainTimeoutS: given['drain-timeout'] ?? 120,
    replay: given.replay ?? true,
    barePipe: given['bare-pipe'] ?? true,
    replayAgain: given['replay-again'] ?? true,
    longLived: given['long-lived'] ?? true,
    longLivedPairs: given['long-lived-pairs'] ?? 3,
    latency: given.latency ?? true,
    dbProxy: given['db-proxy'] ?? true,
    keepData: given['keep-data'] ?? false,
    profile: given.profile ?? false,
    profileSeconds: given['profile-seconds'] ?? (quick ? 3 : 10),
    seed: given.seed ?? 42,
  };
}

/** When each app's dist/ was last written: other people may rebuild while the bench runs. */
function builds() {
  const { APP_ENTRIES, builtAt } = require('./lib/processes');
  return Object.fromEntries(Object.entries(APP_ENTRIES).map(([name, file]) => [name, fs.existsSync(file) ? builtAt(file) : null]));
}

function gitInfo() {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean);
    // A fingerprint of the uncommitted changes in apps/ and libs/, to tell two runs' code apart.
    const diff = execFileSync('git', ['diff', 'HEAD', '--', 'apps', 'libs'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      changedFilesInAppsAndLibs: changed.length,
      changedFiles: changed.map((l) => l.slice(3)),
      diffSha1: changed.length ? crypto.createHash('sha1').update(diff).digest('hex').slice(0, 12) : null,
    };
  } catch {
    return { commit: null, changedFilesInAppsAndLibs: null };
  }
}

/** Whole-machine CPU busy share between two readings of /proc/stat (other people's work included). */
function machineCpu() {
  try {
    const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = fields.map(Number);
    const idle = n[3] + (n[4] ?? 0);
    return { idle, total: n.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}
const busyShare = (a, b) => (a && b && b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : null);

/**
 * CPU seconds of the processes that share the machine during a phase, as a share of one core:
 * who was busy (an app waiting on round trips shows little CPU, a saturated machine shows ~cores).
 */
/** PostgreSQL (FERRETDB_BACKEND=postgresql) works in one process per connection: its whole tree counts. */
const cpuOf = (name, pid) => (name === 'postgres' ? cpuSecondsOfTree(pid) : cpuSecondsOf(pid));

class CpuWindow {
  constructor(pids) {
    this.pids = pids; // { name: pid }
    this.startedAt = Date.now();
    this.machine = machineCpu();
    this.bench = process.cpuUsage();
    this.start = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuOf(k, pid) : null]));
  }

  add(name, pid) {
    this.pids[name] = pid;
    this.start[name] = cpuOf(name, pid);
  }

  end() {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const share = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const now = pid ? cpuOf(name, pid) : null;
      if (now !== null && this.start[name] !== null) share[name] = round((now - this.start[name]) / seconds, 2);
    }
    const bench = process.cpuUsage(this.bench);
    share.bench = round((bench.user + bench.system) / 1e6 / seconds, 2);
    return { seconds: round(seconds, 1), coresBusy: share, machineBusy: round(busyShare(this.machine, machineCpu()), 2) };
  }
}

/** Prints a progress line every second until stopped. */
function ticker(line) {
  const started = Date.now();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      log(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s ${await line()} | load ${os1()}`);
    } catch (error) {
      log(`progress: ${error.message}`);
    } finally {
      busy = false;
    }
  }, 1000);
  return () => clearInterval(timer);
}
const os1 = () => require('node:os').loadavg()[0].toFixed(2);

function mb(app) {
  const m = app.sample();
  return m ? `${(m.rssKb / 1024).toFixed(0)}MB` : 'gone';
}

/** A db proxy per app when counting, else the database as it is. */
async function databaseFor(name, infra, opts) {
  if (!opts.dbProxy) return { uri: infra.mongoUri, stats: async () => null, stop: async () => undefined, pid: null };
  const proxy = await startDbProxy(name, infra.mongoHost, infra.mongoPort);
  return proxy;
}

function summarizeDb(stats, units, unitName) {
  if (!stats) return null;
  const commands = Object.entries(stats.byCommand)
    .map(([name, s]) => ({
      name,
      count: s.count,
      perUnit: units ? round(s.count / units, 3) : null,
      meanMs: round(s.meanMs, 2),
      p50Ms: round(s.p50Ms, 2),
      p99Ms: round(s.p99Ms, 2),
      maxMs: round(s.maxMs, 1),
      totalS: round(s.totalMs / 1000, 1),
    }))
    .sort((a, b) => b.count - a.count);
  const totalMs = Object.values(stats.byCommand).reduce((a, s) => a + s.totalMs, 0);
  const replies = Object.values(stats.byCommand).reduce((a, s) => a + s.replies, 0);
  const background = ['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'buildInfo', 'buildinfo', 'getParameter'];
  const work = Object.entries(stats.byCommand)
    .filter(([name]) => !background.includes(name))
    .reduce((a, [, s]) => a + s.count, 0);
  const windowS = (stats.until - stats.since) / 1000;
  return {
    unit: unitName,
    units,
    requests: stats.messages,
    opMsg: stats.opMsg,
    perUnit: units ? round(stats.opMsg / units, 3) : null,
    workCommands: work,
    workPerUnit: units ? round(work / units, 3) : null,
    meanMs: replies ? round(totalMs / replies, 2) : null,
    dbTimeS: round(totalMs / 1000, 1),
    windowS: round(windowS, 1),
    // Requests in flight on average: DB time summed over every request / wall time.
    meanInFlight: windowS > 0 ? round(totalMs / 1000 / windowS, 2) : null,
    connections: stats.connections,
    commands,
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Replay throughput: bare pipe, then the service, over the same inputs produced beforehand.

/** The replay's inputs as Kafka messages keyed by clientId: pairs whose autobooks do not depend on the order of the topics. */
function replayWorkload(label, { inputs, pairs, seed }) {
  const workload = aWorkload(label, { pairs, seed, shape: orderIndependent(inputs / pairs) });
  const message = (event) => ({ key: event.clientId, value: JSON.stringify(event) });
  return {
    pairs: workload.pairs.length,
    packages: workload.packages.map(message),
    completions: workload.completions.map(message),
    inputs: workload.inputs,
    expectedTotal: workload.expectedTotal,
    exhaustingShare: workload.expectedTotal / workload.completions.length,
  };
}

async function replayPhase({ opts, infra, kafka, admin, runId }) {
  const prefix = `bench-${runId}-replay.`;
  const topic = (t) => prefix + t;
  const inputTopics = [topic(TOPIC.PACKAGE_BOOKED), topic(TOPIC.SESSION_COMPLETED)];
  const bareOut = topic('bench.bare-pipe.out');
  await createTopics(admin, [...everyTopic(prefix), bareOut], opts.partitions);

  const workload = replayWorkload('r', { inputs: opts.inputs, pairs: opts.pairs, seed: opts.seed });
  log(
    `replay: ${workload.inputs} inputs (${workload.packages.length} packages, ${workload.completions.length} completions) over ${workload.pairs} pairs; ` +
      `${workload.expectedTotal} autobooks expected (${(workload.exhaustingShare * 100).toFixed(1)}% of completions exhaust a pair)`,
  );
  const producer = await newProducer(kafka);
  const producedAt = Date.now();
  let lastLog = 0;
  const progress = (what, total) => (n) => {
    if (Date.now() - lastLog > 1000 || n === total) {
      lastLog = Date.now();
      log(`producing ${what}: ${n}/${total}`);
    }
  };
  await produceAll(producer, inputTopics[0], workload.packages, { onProgress: progress('packages', workload.packages.length) });
  await produceAll(producer, inputTopics[1], workload.completions, { onProgress: progress('completions', workload.completions.length) });
  await producer.disconnect();
  const produceSeconds = (Date.now() - producedAt) / 1000;
  const ends = await topicEnds(admin, inputTopics);
  log(`produced ${workload.inputs} inputs in ${produceSeconds.toFixed(1)} s`);

  const result = {
    inputs: workload.inputs,
    packages: workload.packages.length,
    completions: workload.completions.length,
    pairs: workload.pairs,
    expectedAutobooks: workload.expectedTotal,
    exhaustingShare: round(workload.exhaustingShare, 3),
    produceSeconds: round(produceSeconds, 1),
    partitions: opts.partitions,
    barePipe: null,
    service: null,
  };

  /** Polls the group until it has committed the end of both topics (and `extraDone()`), with the 10%/90% times. */
  async function follow(groupId, child, extraDone, extraLine, timeoutS, onSample = null, sampleEveryMs = 30000) {
    const started = Date.now();
    const marks = {};
    let appliedAt = null;
    let last = { committed: 0, total: workload.inputs };
    let nextSample = started + sampleEveryMs;
    const stopTicker = ticker(
      async () =>
        `${child.name}: committed ${last.committed}/${last.total} (${Math.round(last.committed / ((Date.now() - started) / 1000))}/s)${extraLine ? ` ${extraLine()}` : ''} rss ${mb(child)}`,
    );
    try {
      for (;;) {
        if (!child.alive) throw new Error(`${child.name} exited (${JSON.stringify(child.exit)}):\n${child.tail()}`);
        last = await groupProgress(admin, groupId, ends).catch(() => last);
        const share = last.committed / last.total;
        for (const p of [10, 50, 90]) if (marks[p] === undefined && share >= p / 100) marks[p] = Date.now();
        if (last.done && appliedAt === null) appliedAt = Date.now();
        if (onSample && Date.now() >= nextSample) {
          nextSample += sampleEveryMs;
          await onSample(Date.now() - started, last.committed);
        }
        if (last.done && extraDone()) return { started, appliedAt, doneAt: Date.now(), marks, timedOut: false, committed: last.committed };
        if (Date.now() - started > timeoutS * 1000) return { started, appliedAt, doneAt: null, marks, timedOut: true, committed: last.committed };
        await sleep(100);
      }
    } finally {
      stopTicker();
    }
  }
  const steadyRate = (marks) => (marks[10] && marks[90] && marks[90] > marks[10] ? (0.8 * workload.inputs) / ((marks[90] - marks[10]) / 1000) : null);

  // The bare pipe.
  if (opts.barePipe) {
    const groupId = `bench-${runId}-bare`;
    const cpu = new CpuWindow({ kafka: infra.kafkaPid });
    const loadBefore = load();
    const pipe = startBarePipe({
      BARE_BROKERS: infra.brokers.join(','),
      BARE_TOPICS: inputTopics.join(','),
      BARE_OUT_TOPIC: bareOut,
      BARE_GROUP_ID: groupId,
      ...barePipeApplySettings(opts),
    });
    cpu.add('barePipe', pipe.pid);
    log(`bare pipe started (pid ${pipe.pid})`);
    const run = await follow(groupId, pipe, () => true, null, opts.timeoutS);
    const cpuUse = cpu.end();
    const peakRssMb = pipe.peakRssMb();
    await pipe.stop();
    const out = await topicCount(admin, bareOut);
    const settingsLine = pipe.output.split('\n').find((l) => l.startsWith('{"settings"'));
    const seconds = ((run.doneAt ?? Date.now()) - run.started) / 1000;
    result.barePipe = {
      seconds: round(seconds, 2),
      inputsPerSecond: run.timedOut ? null : round(workload.inputs / seconds, 0),
      steadyInputsPerSecond: round(steadyRate(run.marks), 0),
      firstTenPercentS: run.marks[10] ? round((run.marks[10] - run.started) / 1000, 2) : null,
      outputMessages: out,
      settings: settingsLine ? JSON.parse(settingsLine).settings : null,
      timedOut: run.timedOut,
      peakRssMb: round(peakRssMb, 0),
      cpu: cpuUse,
      load: { before: loadBefore, after: load() },
    };
    log(
      `bare pipe: ${workload.inputs} inputs in ${seconds.toFixed(1)} s = ${result.barePipe.inputsPerSecond}/s; ${out} messages out; load ${loadText(load())}`,
    );
  }

  // The service, from scratch: fresh database, new group.
  {
    const groupId = `bench-${runId}-ot-replay`;
    const db = await databaseFor('replay', infra, opts);
    const autobooks = new Map();
    let messages = 0;
    const watcher = await watchTopic(kafka, topic(TOPIC.SESSION_AUTOBOOKED), (message) => {
      messages++;
      const a = JSON.parse(message.value.toString());
      if (!autobooks.has(a.eventId)) autobooks.set(a.eventId, a);
    });
    await db.stats(true);
    const cpu = new CpuWindow({ kafka: infra.kafkaPid, ferretdb: infra.ferretPid, postgres: infra.postgresPid, dbProxy: db.pid });
    const loadBefore = load();
    const profileName = `replay-${runId}`;
    const nodeArgs = opts.profile ? nodeProfileArgs(PROFILE_DIR, `ongoing-training-${profileName}`) : [];
    const app = await startApp('ongoing-training', serviceEnv({ opts, infra, prefix, groupId, mongoUri: db.uri(`bench_${runId}_replay`) }), { nodeArgs });
    cpu.add('service', app.pid);
    const ferretSample =
      opts.profile && infra.ferretDebugAddr
        ? sampleGoProfile(infra.ferretDebugAddr, opts.profileSeconds, path.join(PROFILE_DIR, `ferretdb-${profileName}.pprof`)).catch((error) => ({ error }))
        : null;
    log(`ongoing-training started (pid ${app.pid}) on ${workload.inputs} inputs, group ${groupId}`);
    // Every 30 s (quick: 5 s): progress and the database's answer times, to see them change as data grows.
    const samples = [{ t: 0, committed: 0, autobooks: 0, db: null }];
    const onSample = async (t, committed) => samples.push({ t, committed, autobooks: autobooks.size, db: await db.stats(false, true) });
    const run = await follow(
      groupId,
      app,
      () => autobooks.size >= workload.expectedTotal,
      () => `autobooks ${autobooks.size}/${workload.expectedTotal}`,
      opts.timeoutS,
      onSample,
      opts.quick ? 5000 : 30000,
    );
    const cpuUse = cpu.end();
    await onSample((run.doneAt ?? Date.now()) - run.started, run.committed);
    const dbStats = summarizeDb(await db.stats(true), workload.inputs, 'input');
    const peakRssMb = app.peakRssMb();
    await app.stop();
    await watcher.disconnect();
    await db.stop();
    const profile = opts.profile ? await replayProfiles({ infra, name: profileName, ferretSample }) : null;
    const seconds = ((run.doneAt ?? Date.now()) - run.started) / 1000;
    const byTrigger = {};
    for (const a of autobooks.values()) byTrigger[a.trigger?.type] = (byTrigger[a.trigger?.type] ?? 0) + 1;
    result.service = {
      windows: windows(samples),
      documents: await countDocuments(infra.mongoUri(`bench_${runId}_replay`)),
      seconds: round(seconds, 2),
      appliedSeconds: run.appliedAt ? round((run.appliedAt - run.started) / 1000, 2) : null,
      inputsPerSecond: run.timedOut ? null : round(workload.inputs / seconds, 0),
      // Inputs applied per second while the timeout ran, when it ran out.
      partialInputsPerSecond: run.timedOut ? round(run.committed / seconds, 0) : null,
      steadyInputsPerSecond: round(steadyRate(run.marks), 0),
      firstTenPercentS: run.marks[10] ? round((run.marks[10] - run.started) / 1000, 2) : null,
      committed: run.committed,
      timedOut: run.timedOut,
      autobooksDistinct: autobooks.size,
      autobookMessages: messages,
      autobooksByTrigger: byTrigger,
      peakRssMb: round(peakRssMb, 0),
      db: dbStats,
      cpu: cpuUse,
      load: { before: loadBefore, after: load() },
      appExit: app.exit,
      group: groupHistory(infra, groupId),
      logs: app.logSummary(),
      builtAt: app.builtAt,
      profile,
    };
    log(
      `ongoing-training: ${workload.inputs} inputs in ${seconds.toFixed(1)} s = ${result.service.inputsPerSecond ?? `(timed out; ${result.service.partialInputsPerSecond}/s so far)`}/s; autobooks ${autobooks.size}/${workload.expectedTotal}; load ${loadText(load())}`,
    );
  }
  // The same inputs again over the state the first pass stored: a restarted service (nothing in memory)
  // with a new group from the first offset, as ops replay topics. Everything is a duplicate (R10): the
  // service must write nothing, and go at least half as fast as the first pass.
  if (opts.replayAgain && result.service && !result.service.timedOut) {
    const groupId = `bench-${runId}-ot-replay-again`;
    const dbName = `bench_${runId}_replay`;
    const db = await databaseFor('replay-again', infra, opts);
    const before = { documents: await countDocuments(infra.mongoUri(dbName)), dataSize: await dataSize(infra.mongoUri(dbName)) };
    let messages = 0;
    const watcher = await watchTopic(kafka, topic(TOPIC.SESSION_AUTOBOOKED), () => messages++);
    await db.stats(true);
    const app = await startApp('ongoing-training', serviceEnv({ opts, infra, prefix, groupId, mongoUri: db.uri(dbName) }));
    log(`ongoing-training restarted (pid ${app.pid}) over the stored state, group ${groupId}`);
    const run = await follow(groupId, app, () => true, null, opts.timeoutS);
    const stats = await db.stats(true);
    const peakRssMb = app.peakRssMb();
    await app.stop();
    await watcher.disconnect();
    await db.stop();
    const after = { documents: await countDocuments(infra.mongoUri(dbName)), dataSize: await dataSize(infra.mongoUri(dbName)) };
    const seconds = ((run.doneAt ?? Date.now()) - run.started) / 1000;
    const writeCommands = stats
      ? Object.entries(stats.byCommand)
          .filter(([name]) => ['insert', 'update', 'delete', 'findAndModify'].includes(name))
          .reduce((sum, [, c]) => sum + c.count, 0)
      : null;
    const documentsWritten =
      before.documents && after.documents ? Object.keys(after.documents).reduce((sum, c) => sum + (after.documents[c] - (before.documents[c] ?? 0)), 0) : null;
    result.replayAgain = {
      seconds: round(seconds, 2),
      inputsPerSecond: run.timedOut ? null : round(workload.inputs / seconds, 0),
      steadyInputsPerSecond: round(steadyRate(run.marks), 0),
      ratioToFirstPass: run.timedOut || !result.service.inputsPerSecond ? null : round(workload.inputs / seconds / result.service.inputsPerSecond, 3),
      writeCommands,
      documentsWritten,
      bytesWritten: before.dataSize !== null && after.dataSize !== null ? after.dataSize - before.dataSize : null,
      autobookMessages: messages,
      documents: after.documents,
      dataSize: after.dataSize,
      peakRssMb: round(peakRssMb, 0),
      db: summarizeDb(stats, workload.inputs, 'input'),
      timedOut: run.timedOut,
      logs: app.logSummary(),
    };
    log(
      `replay over the stored state: ${workload.inputs} inputs in ${seconds.toFixed(1)} s = ${result.replayAgain.inputsPerSecond}/s (${result.replayAgain.ratioToFirstPass} of the first pass); write commands ${writeCommands}, documents written ${documentsWritten}, bytes ${result.replayAgain.bytesWritten}`,
    );
  }
  if (result.barePipe?.inputsPerSecond && result.service.inputsPerSecond) {
    result.ratio = round(result.service.inputsPerSecond / result.barePipe.inputsPerSecond, 3);
  }
  if (result.barePipe?.steadyInputsPerSecond && result.service.steadyInputsPerSecond) {
    result.steadyRatio = round(result.service.steadyInputsPerSecond / result.barePipe.steadyInputsPerSecond, 3);
  }
  return result;
}

/** The replay's profiles, summarized (each part says why it is missing, if it is). */
async function replayProfiles({ infra, name, ferretSample }) {
  const nodeFile = path.join(PROFILE_DIR, `ongoing-training-${name}.cpuprofile`);
  const profile = { service: null, ferretdb: null };
  try {
    profile.service = { file: path.relative(ROOT, nodeFile), ...summarizeNodeProfile(nodeFile) };
  } catch (error) {
    profile.service = { error: `no service profile: ${error.message}` };
  }
  if (!ferretSample) {
    profile.ferretdb = { error: 'FerretDB was not started by the bench: no pprof' };
  } else {
    const sampled = await ferretSample;
    try {
      if (sampled.error) throw sampled.error;
      profile.ferretdb = { file: path.relative(ROOT, sampled), binary: infra.ferretBinary, ...(await summarizeGoProfile(infra.ferretBinary, sampled)) };
    } catch (error) {
      profile.ferretdb = { error: `no FerretDB profile: ${error.message}` };
    }
  }
  return profile;
}

/**
 * What the broker says of a consumer group (when the bench started the broker): generations it went
 * through and members it removed because their heartbeats stopped (a chunk longer than the session).
 */
function groupHistory(infra, groupId) {
  if (!infra.kafkaLogDir) return null;
  try {
    const text = fs
      .readdirSync(infra.kafkaLogDir)
      .filter((f) => f.startsWith('server.log'))
      .map((f) => fs.readFileSync(path.join(infra.kafkaLogDir, f), 'utf8'))
      .join('\n');
    const lines = text.split('\n').filter((l) => l.includes(`group ${groupId} `) || l.includes(`group ${groupId}.`));
    const generations = lines.map((l) => Number(/Stabilized group \S+ generation (\d+)/.exec(l)?.[1] ?? NaN)).filter((n) => !Number.isNaN(n));
    return {
      generations: generations.length ? Math.max(...generations) : 0,
      heartbeatExpirations: lines.filter((l) => /on heartbeat expiration/.test(l)).length,
      rebalances: lines.filter((l) => /Preparing to rebalance/.test(l)).length,
      firstExpiration: /^\[([^\]]+)\]/.exec(lines.find((l) => /on heartbeat expiration/.test(l)) ?? '')?.[1] ?? null,
    };
  } catch {
    return null;
  }
}

/** Per window between two samples: inputs/s, autobooks, and the mean answer time of each command. */
function windows(samples) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1], samples[i]];
    const seconds = (b.t - a.t) / 1000;
    if (seconds < 1) continue;
    const meanMs = {};
    for (const [name, c] of Object.entries(b.db?.byCommand ?? {})) {
      const before = a.db?.byCommand?.[name] ?? { count: 0, replies: 0, totalMs: 0 };
      const replies = c.replies - before.replies;
      if (replies > 0) meanMs[name] = { count: c.count - before.count, meanMs: round((c.totalMs - before.totalMs) / replies, 1) };
    }
    out.push({
      fromS: round(a.t / 1000, 0),
      toS: round(b.t / 1000, 0),
      committed: b.committed,
      inputsPerSecond: round((b.committed - a.committed) / seconds, 1),
      autobooks: b.autobooks,
      db: meanMs,
    });
  }
  return out;
}

/** Documents in the service's collections (read straight from the database, not through the proxy). */
/** The database's data size in bytes (`dbStats`), or null. */
async function dataSize(uri) {
  const mongoose = require('mongoose');
  let connection;
  try {
    connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    const stats = await connection.db.command({ dbStats: 1, scale: 1 });
    return Number(stats.dataSize);
  } catch {
    return null;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

async function countDocuments(uri) {
  const mongoose = require('mongoose');
  let connection;
  try {
    connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    const out = {};
    const collections = (await connection.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    for (const name of collections)
      out[name] = await connection.db
        .collection(name)
        .estimatedDocumentCount()
        .catch(() => null);
    return out;
  } catch {
    return null;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * The bare pipe applies inputs in the chunks and with the partition concurrency the service runs
 * with: read from the service's own config loader in dist/ (its defaults, or what --chunk-size and
 * --service-env set).
 */
function barePipeApplySettings(opts) {
  const { loadOngoingTrainingConfig } = require(path.join(ROOT, 'dist/apps/ongoing-training/config.js'));
  const env = { DEMO_MODE: 'true', ...(opts.chunkSize ? { APPLY_CHUNK_SIZE: String(opts.chunkSize) } : {}), ...opts.serviceEnv };
  const config = loadOngoingTrainingConfig(env);
  return { BARE_CHUNK_SIZE: String(config.APPLY_CHUNK_SIZE), BARE_PARTITIONS_CONCURRENTLY: String(config.APPLY_PARTITIONS_CONCURRENTLY) };
}

function serviceEnv({ opts, infra, prefix, groupId, mongoUri }) {
  return {
    KAFKA_BROKERS: infra.brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(opts.partitions),
    KAFKA_GROUP_ID: groupId,
    MONGODB_URI: mongoUri,
    AUTH_JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: opts.logLevel,
    ...(opts.chunkSize ? { APPLY_CHUNK_SIZE: String(opts.chunkSize) } : {}),
    ...opts.serviceEnv,
  };
}

function parseEnvList(text) {
  const env = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--service-env wants KEY=VALUE pairs, got ${pair}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// 1b. Long-lived pairs: 10 years of a client training weekly, a package of 3 to 4 sessions about every
// five weeks (100 packages, 520 completions, ~170 autobooks), fed week by week. What a pair then holds,
// and what each input writes at the start and at the end of the ten years (the service only inserts,
// so the bytes an input writes are the bytes of the change that holds its entry).

async function longLivedPhase({ opts, infra, kafka, admin, runId }) {
  const { BSON } = require('mongodb');
  const prefix = `bench-${runId}-long.`;
  const topic = (t) => prefix + t;
  const inputTopics = [topic(TOPIC.PACKAGE_BOOKED), topic(TOPIC.SESSION_COMPLETED)];
  await createTopics(admin, everyTopic(prefix), opts.partitions);
  const dbName = `bench_${runId}_long`;
  const groupId = `bench-${runId}-ot-long`;
  const app = await startApp('ongoing-training', serviceEnv({ opts, infra, prefix, groupId, mongoUri: infra.mongoUri(dbName) }));
  const producer = await newProducer(kafka);
  const WEEK = 7 * 24 * 3600 * 1000;
  const start = Date.parse('2016-01-04T10:00:00Z');
  const pairs = Array.from({ length: opts.longLivedPairs }, (_, i) => ({ clientId: `long-client-${runId}-${i}`, coachId: `long-coach-${i}` }));
  const contacts = (i) => ({
    client: { name: `Client ${i}`, email: `client-${i}@bench.example` },
    coach: { name: `Coach ${i}`, email: `coach-${i}@bench.example` },
  });
  let inputs = 0;
  let packages = 0;
  const started = Date.now();
  const mongoose = require('mongoose');
  const watch = await mongoose.createConnection(infra.mongoUri(dbName), { serverSelectionTimeoutMS: 5000 }).asPromise();
  const keys = pairs.map((p) => JSON.stringify([p.clientId, p.coachId]));
  // Waits until every pair's latest decision is about the given input (by the id it carries).
  const appliedUpTo = async (ids, what) => {
    const deadline = Date.now() + 60000;
    for (;;) {
      const latest = await Promise.all(
        keys.map((key) =>
          watch.db
            .collection('pair_changes')
            .find({ _id: changeIdRange(key) })
            .sort({ _id: -1 })
            .limit(1)
            .project({ entries: 1 })
            .toArray(),
        ),
      );
      if (latest.every((docs, i) => docs[0]?.entries.some((e) => e.input.packageId === ids[i] || e.input.sessionId === ids[i]))) return;
      if (!app.alive) throw new Error(`ongoing-training exited:\n${app.tail()}`);
      if (Date.now() > deadline) throw new Error(`long-lived: ${what} not applied within 60 s`);
      await sleep(20);
    }
  };
  // Packages and completions come on two topics, read side by side: each package is applied before the
  // week's completion is sent, as in life, so that the ten years go the same way on every run.
  let lastSessions = null;
  for (let week = 0; week < 520; week++) {
    const at = new Date(start + week * WEEK).toISOString();
    if ((week % 26) % 5 === 0 && week % 26 < 25) {
      if (lastSessions) await appliedUpTo(lastSessions, `week ${week - 1}`);
      const ids = pairs.map((pair) => `${pair.clientId}-pkg-${week}`);
      const messages = pairs.map((pair, i) => {
        const sessionCount = 3 + (packages % 2);
        return {
          key: pair.clientId,
          value: JSON.stringify({
            eventId: `evt-${ids[i]}`,
            occurredAt: at,
            packageId: ids[i],
            ...pair,
            sessionCount,
            price: { amount: 9000 * sessionCount, currency: 'USD' },
            ...(week === 0 ? { ongoingTraining: true } : {}),
            ...contacts(i),
          }),
        };
      });
      await producer.send({ topic: inputTopics[0], acks: -1, messages });
      packages++;
      inputs += pairs.length;
      await appliedUpTo(ids, `the packages of week ${week}`);
    }
    lastSessions = pairs.map((pair) => `${pair.clientId}-s-${week}`);
    const completions = pairs.map((pair, i) => ({
      key: pair.clientId,
      value: JSON.stringify({
        eventId: `evt-${lastSessions[i]}`,
        occurredAt: new Date(Date.parse(at) + 3600_000).toISOString(),
        sessionId: lastSessions[i],
        ...pair,
      }),
    }));
    await producer.send({ topic: inputTopics[1], acks: -1, messages: completions });
    inputs += pairs.length;
  }
  await watch.close();
  packages *= pairs.length;
  await producer.disconnect();
  const ends = await topicEnds(admin, inputTopics);
  const deadline = Date.now() + opts.timeoutS * 1000;
  for (;;) {
    if (!app.alive) throw new Error(`ongoing-training exited:\n${app.tail()}`);
    const progress = await groupProgress(admin, groupId, ends).catch(() => null);
    if (progress?.done) break;
    if (Date.now() > deadline) throw new Error('long-lived: the service did not apply every input in time');
    await sleep(200);
  }
  const seconds = (Date.now() - started) / 1000;
  const peakRssMb = app.peakRssMb();
  await app.stop();

  const connection = await mongoose.createConnection(infra.mongoUri(dbName), { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    const perPair = [];
    for (const pair of pairs) {
      const key = JSON.stringify([pair.clientId, pair.coachId]);
      let docs = await connection.db
        .collection('pair_changes')
        .find({ _id: changeIdRange(key) })
        .sort({ _id: 1 })
        .toArray();
      // The earlier release's layout (a version per change, its content in one JSON string), to compare.
      const legacy = docs.length === 0;
      if (legacy) docs = await connection.db.collection('pair_versions').find({ pairKey: key }).sort({ version: 1 }).toArray();
      const listed = await connection.db.collection('client_pairs').find({ _id: key }).toArray();
      const content = (d) => (legacy ? JSON.parse(d.body) : d);
      const sizes = docs.map((d) => ({
        bytes: BSON.calculateObjectSize(d),
        entries: content(d).entries.length,
        // The autobooks the change made: its entries say so (the earlier release also kept their payloads).
        autobooks: content(d).entries.filter((e) => e.outcome === 'autobooked').length,
      }));
      const entries = sizes.reduce((n, d) => n + d.entries, 0);
      // Bytes written per input over the first and the last 50 inputs (whole changes).
      const perInput = (list) => {
        let bytes = 0;
        let n = 0;
        for (const d of list) {
          if (n >= 50) break;
          bytes += d.bytes;
          n += d.entries;
        }
        return n ? Math.round(bytes / n) : null;
      };
      perPair.push({
        pair: key,
        changes: docs.length,
        entries,
        autobooks: sizes.reduce((n, d) => n + d.autobooks, 0),
        storedBytes: sizes.reduce((n, d) => n + d.bytes, 0) + listed.reduce((n, d) => n + BSON.calculateObjectSize(d), 0),
        bytesPerInputFirst50: perInput(sizes),
        bytesPerInputLast50: perInput([...sizes].reverse()),
        largestChangeBytes: Math.max(...sizes.map((d) => d.bytes)),
      });
    }
    const result = {
      pairs: pairs.length,
      inputs,
      packages,
      completions: inputs - packages,
      seconds: round(seconds, 1),
      peakRssMb: round(peakRssMb, 0),
      perPair,
    };
    log(
      `long-lived: ${pairs.length} pairs, ${inputs} inputs in ${seconds.toFixed(1)} s; ${perPair.map((p) => `${p.storedBytes} B stored (${p.entries} entries, ${p.autobooks} autobooks; ${p.bytesPerInputFirst50} B/input at the start, ${p.bytesPerInputLast50} at the end)`).join('; ')}`,
    );
    return result;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. End-to-end latency under steady load: service + notifier + SMTP sink.

async function latencyPhase({ opts, infra, kafka, admin, runId }) {
  const prefix = `bench-${runId}-latency.`;
  const topic = (t) => prefix + t;
  await createTopics(admin, everyTopic(prefix), opts.partitions);

  const workload = aSteadyWorkload('l', { rate: opts.rate, seconds: opts.warmup + opts.seconds, active: opts.activePairs, seed: opts.seed + 1 });
  log(
    `latency: ${workload.inputs} inputs at ${opts.rate}/s (${opts.warmup} s warm-up + ${opts.seconds} s measured), ${workload.expectedTotal} autobooks expected`,
  );

  // What the bench sees: autobooks on the topic, emails at the sink.
  const autobooks = new Map(); // eventId -> { seenAt, payload, copies }
  const emails = new Map(); // `${pair}/${recipient}` -> [{ acceptedAt, messageId }]
  let strayEmails = 0;
  let otherEmails = 0;
  const onEmail = ({ acceptedAt, messageId, envelopeTo: rcptTo }) => {
    // Only the autobook emails are timed; the heads-ups before a pair's first autobook (R13) are counted.
    if (!String(messageId).startsWith('<autobook.')) {
      otherEmails += rcptTo.length;
      return;
    }
    for (const address of rcptTo) {
      const who = pairOfAddress(address);
      if (!who) {
        strayEmails++;
        continue;
      }
      const key = `${who.pair}/${who.recipient}`;
      const list = emails.get(key) ?? [];
      list.push({ acceptedAt, messageId });
      emails.set(key, list);
    }
  };
  // Keeps nothing and parses nothing: the moment it answers the DATA is when an email counts as accepted.
  const sink = await SmtpSink.start({ keep: false, onAccepted: onEmail });
  const serviceDb = await databaseFor('latency-service', infra, opts);
  const notifierDb = await databaseFor('latency-notifier', infra, opts);
  const watcher = await watchTopic(kafka, topic(TOPIC.SESSION_AUTOBOOKED), (message, seenAt) => {
    const a = JSON.parse(message.value.toString());
    const known = autobooks.get(a.eventId);
    // (An autobook never seen is counted under "autobooks n/expected"; its latency cannot be known.)
    if (known) known.copies++;
    else autobooks.set(a.eventId, { seenAt, payload: a, copies: 1 });
  });

  const mailFromDomain = 'bench.example';
  const notifier = await startApp('notifier', {
    KAFKA_BROKERS: infra.brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(opts.partitions),
    KAFKA_GROUP_ID: `bench-${runId}-notifier`,
    MONGODB_URI: notifierDb.uri(`bench_${runId}_notifier`),
    SMTP_URL: sink.url,
    MAIL_FROM: `Bench <no-reply@${mailFromDomain}>`,
    LOG_LEVEL: opts.logLevel,
  });
  const app = await startApp(
    'ongoing-training',
    serviceEnv({ opts, infra, prefix, groupId: `bench-${runId}-ot-latency`, mongoUri: serviceDb.uri(`bench_${runId}_latency`) }),
  );
  await Promise.all([waitReady(app), waitReady(notifier)]);
  log(`ongoing-training (pid ${app.pid}) and notifier (pid ${notifier.pid}) ready; producing`);
  await Promise.all([serviceDb.stats(true), notifierDb.stats(true)]);
  const cpu = new CpuWindow({
    kafka: infra.kafkaPid,
    ferretdb: infra.ferretPid,
    postgres: infra.postgresPid,
    service: app.pid,
    notifier: notifier.pid,
    serviceDbProxy: serviceDb.pid,
    notifierDbProxy: notifierDb.pid,
  });
  const loadBefore = load();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  // Produce on schedule: every input at its slot (i / rate seconds), due ones sent together.
  const producer = await newProducer(kafka);
  const sentAt = new Float64Array(workload.inputs);
  let sent = 0;
  const stopTicker = ticker(
    async () =>
      `latency: sent ${sent}/${workload.inputs} autobooks ${autobooks.size}/${workload.expectedTotal} emails ${sink.accepted}/${2 * workload.expectedTotal} rss ot ${mb(app)} notifier ${mb(notifier)}`,
  );
  const t0 = performance.now();
  while (sent < workload.inputs) {
    const now = (performance.now() - t0) / 1000;
    let due = sent;
    while (due < workload.inputs && workload.sequence[due].at <= now) due++;
    if (due === sent) {
      await sleep(Math.max(1, (workload.sequence[sent].at - now) * 1000));
      continue;
    }
    const byTopic = new Map();
    for (let i = sent; i < due; i++) {
      const s = workload.sequence[i];
      const list = byTopic.get(s.topic) ?? [];
      list.push({ key: s.key, value: JSON.stringify(s.payload) });
      byTopic.set(s.topic, list);
    }
    const at = performance.now();
    for (let i = sent; i < due; i++) sentAt[i] = at;
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([t, messages]) => ({ topic: topic(t), messages })) });
    sent = due;
  }
  const produceSeconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  log(`produced ${sent} inputs in ${produceSeconds.toFixed(1)} s; waiting for the last autobooks and emails`);

  const expectedEmails = 2 * workload.expectedTotal;
  const drainDeadline = Date.now() + opts.drainTimeoutS * 1000;
  while ((autobooks.size < workload.expectedTotal || countEmails(emails) < expectedEmails) && Date.now() < drainDeadline) {
    if (!app.alive || !notifier.alive) break;
    await sleep(100);
  }
  stopTicker();
  loop.disable();
  const cpuUse = cpu.end();
  const [serviceDbStats, notifierDbStats] = await Promise.all([serviceDb.stats(true), notifierDb.stats(true)]);
  const peak = { service: app.peakRssMb(), notifier: notifier.peakRssMb() };
  await Promise.all([app.stop(), notifier.stop()]);
  await watcher.disconnect();
  await sink.close();
  await Promise.all([serviceDb.stop(), notifierDb.stop()]);

  // Latencies from the produce call of the input that brought on deck to 0 (the autobook's trigger).
  const measuredFrom = opts.warmup;
  const toAutobook = [];
  const toEmail = [];
  const toBothEmails = [];
  const byTrigger = {};
  let unmatchedTrigger = 0;
  let emailsMissing = 0;
  let emailDuplicates = 0;
  let messageIdMismatches = 0;
  let measuredAutobooks = 0;
  for (const [eventId, a] of autobooks) {
    const trigger = a.payload.trigger ?? {};
    byTrigger[trigger.type] = (byTrigger[trigger.type] ?? 0) + 1;
    const index = workload.byEventId.get(trigger.eventId);
    if (index === undefined) {
      unmatchedTrigger++;
      continue;
    }
    const input = workload.sequence[index];
    const pair = Number(/-client-(\d+)$/.exec(a.payload.clientId)?.[1]);
    const got = ['client', 'coach'].map((recipient) => {
      const list = emails.get(`${pair}/${recipient}`) ?? [];
      if (list.length > 1) emailDuplicates += list.length - 1;
      const expectedId = `<autobook.${crypto
        .createHash('sha256')
        .update(JSON.stringify([eventId, recipient]))
        .digest('hex')
        .slice(0, 40)}@${mailFromDomain}>`;
      if (list[0] && list[0].messageId !== expectedId) messageIdMismatches++;
      return list[0]?.acceptedAt ?? null;
    });
    emailsMissing += got.filter((t) => t === null).length;
    if (input.at < measuredFrom || trigger.type !== 'session.completed') continue;
    measuredAutobooks++;
    const from = sentAt[index];
    toAutobook.push(a.seenAt - from);
    // An email never accepted counts as infinitely late: percentiles over the accepted ones only would flatter.
    for (const t of got) toEmail.push(t === null ? Infinity : t - from);
    toBothEmails.push(got.some((t) => t === null) ? Infinity : Math.max(...got) - from);
  }
  const measuredInputs = workload.sequence.filter((s) => s.at >= measuredFrom).length;
  const fixed = (s) => ({ n: s.n, p50: round(s.p50, 1), p95: round(s.p95, 1), p99: round(s.p99, 1), max: round(s.max, 1), mean: round(s.mean, 1) });
  return {
    rate: opts.rate,
    seconds: opts.seconds,
    warmupSeconds: opts.warmup,
    inputs: workload.inputs,
    measuredInputs,
    completions: workload.completions,
    achievedRate: round(workload.inputs / produceSeconds, 1),
    expectedAutobooks: workload.expectedTotal,
    autobooksDistinct: autobooks.size,
    autobookCopies: [...autobooks.values()].reduce((n, a) => n + a.copies, 0) - autobooks.size,
    autobooksByTrigger: byTrigger,
    measuredAutobooks,
    unmatchedTrigger,
    emailsAccepted: sink.accepted - otherEmails,
    expectedEmails,
    emailsMissing,
    emailDuplicates,
    otherEmails,
    strayEmails,
    messageIdMismatches,
    completionToAutobookedMs: fixed(summarize(toAutobook)),
    completionToEmailMs: fixed(summarize(toEmail)),
    completionToBothEmailsMs: fixed(summarize(toBothEmails)),
    benchEventLoopDelayMs: { p50: round(loop.percentile(50) / 1e6, 1), p99: round(loop.percentile(99) / 1e6, 1), max: round(loop.max / 1e6, 1) },
    peakRssMb: { service: round(peak.service, 0), notifier: round(peak.notifier, 0) },
    db: {
      service: summarizeDb(serviceDbStats, workload.inputs, 'input'),
      notifier: summarizeDb(notifierDbStats, countEmails(emails), 'email'),
    },
    cpu: cpuUse,
    load: { before: loadBefore, after: load() },
    appExit: { service: app.exit, notifier: notifier.exit },
    group: { service: groupHistory(infra, `bench-${runId}-ot-latency`), notifier: groupHistory(infra, `bench-${runId}-notifier`) },
    logs: { service: app.logSummary(), notifier: notifier.logSummary() },
    builtAt: { service: app.builtAt, notifier: notifier.builtAt },
  };
}

const countEmails = (emails) => [...emails.values()].reduce((n, list) => n + list.length, 0);

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = options();
  const runId = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const startedAt = new Date();
  const results = {
    startedAt: startedAt.toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    options: opts,
    git: gitInfo(),
    node: process.version,
    load: { start: load() },
    builds: { start: builds() },
    infra: null,
    replay: null,
    longLived: null,
    latency: null,
    errors: [],
    warnings: [],
  };
  log(
    `run ${runId} (${results.mode}); load ${loadText(results.load.start)}; commit ${results.git.commit} (${results.git.changedFilesInAppsAndLibs} changed files in apps/ and libs/)`,
  );

  let infra = null;
  let interrupted = false;
  const cleanup = async () => {
    await stopAll();
    if (infra) await infra.stop();
  };
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    results.errors.push('interrupted (SIGINT): the figures are partial');
    log('interrupted: stopping what the bench started');
    cleanup().finally(() => process.exit(130));
  });

  try {
    infra = await startInfra({ log: (line) => log(`infra: ${line}`), keepData: opts.keepData, profile: opts.profile });
    results.infra = {
      kafka: infra.startedKafka ? `started here (${infra.brokers.join(',')})` : `given (${infra.brokers.join(',')})`,
      mongo: infra.startedFerret
        ? `FerretDB started here (${infra.mongoHost}:${infra.mongoPort}, ${infra.ferretBackend} backend)`
        : `given (${infra.mongoHost}:${infra.mongoPort})`,
      dbProxy: opts.dbProxy,
    };
    const kafka = kafkaClient(infra.brokers);
    const admin = kafka.admin();
    await admin.connect();
    try {
      if (opts.replay) {
        try {
          results.replay = await replayPhase({ opts, infra, kafka, admin, runId });
        } catch (error) {
          results.errors.push(`replay: ${error.stack ?? error}`);
          log(`replay failed: ${error.stack ?? error}`);
          await stopAll();
        }
      }
      if (opts.longLived) {
        try {
          results.longLived = await longLivedPhase({ opts, infra, kafka, admin, runId });
        } catch (error) {
          results.errors.push(`long-lived: ${error.stack ?? error}`);
          log(`long-lived failed: ${error.stack ?? error}`);
          await stopAll();
        }
      }
      if (opts.latency) {
        try {
          results.latency = await latencyPhase({ opts, infra, kafka, admin, runId });
        } catch (error) {
          results.errors.push(`latency: ${error.stack ?? error}`);
          log(`latency failed: ${error.stack ?? error}`);
          await stopAll();
        }
      }
      if (!infra.startedKafka) {
        // Given servers: leave no bench topics behind.
        const ours = (await admin.listTopics()).filter((t) => t.startsWith(`bench-${runId}-`));
        if (ours.length) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
      }
    } finally {
      await admin.disconnect();
    }
    if (!infra.startedFerret) await dropDatabases(infra, runId).catch((error) => log(`dropping bench databases failed: ${error.message}`));
  } catch (error) {
    results.errors.push(String(error.stack ?? error));
    log(`bench failed: ${error.stack ?? error}`);
  } finally {
    await cleanup();
  }

  results.load.end = load();
  results.builds.end = builds();
  if (JSON.stringify(results.builds.start) !== JSON.stringify(results.builds.end)) {
    results.warnings.push(`dist/ was rebuilt while the bench ran (${JSON.stringify(results.builds)}): apps started after that ran the new build`);
  }
  results.finishedAt = new Date().toISOString();
  results.targets = evaluateTargets(results);
  const table = renderTable(results);
  process.stdout.write(`${table}\n`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const base = path.join(OUT_DIR, `bench-${results.mode}-${stamp}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, renderMarkdown(results, table));
  fs.copyFileSync(`${base}.json`, path.join(OUT_DIR, `latest-${results.mode}.json`));
  fs.copyFileSync(`${base}.md`, path.join(OUT_DIR, `latest-${results.mode}.md`));
  log(`wrote ${path.relative(ROOT, base)}.json and .md (and latest-${results.mode}.*)`);
  // Targets are reported, not enforced; only a bench that could not measure fails.
  // Exit now: a client left behind by a failed part must not keep the process alive.
  process.exit(results.errors.length ? 1 : 0);
}

async function dropDatabases(infra, runId) {
  const mongoose = require('mongoose');
  const connection = await mongoose.createConnection(infra.mongoUri('admin'), { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    for (const name of [`bench_${runId}_replay`, `bench_${runId}_latency`, `bench_${runId}_notifier`]) {
      await connection
        .useDb(name)
        .dropDatabase()
        .catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  log(`bench crashed: ${error.stack ?? error}`);
  stopAll().finally(() => process.exit(1));
});
