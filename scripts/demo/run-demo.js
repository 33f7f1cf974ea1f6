#!/usr/bin/env node
'use strict';
// `npm run demo`: runs the whole system locally and shows it at work.
//
//  1. builds (npm run build) when dist/ is missing or older than the sources;
//  2. starts Kafka and FerretDB through scripts/infra on the dev ports (reused when already running);
//  3. starts a mail catcher: SMTP on 127.0.0.1:1025, a web page on http://127.0.0.1:8025, and every email
//     written as .eml + .html under .artifacts/demo-mail/<run>/;
//  4. starts ongoing-training and the notifier from the build, on topics and databases of this run only;
//  5. plays a story through Kafka and the HTTP API (scripts/demo/scenario.js), checking every decision;
//  6. prints each pair's timeline from the service's history API, the emails and the dead letters;
//  7. keeps running until Ctrl-C (or stops at once with --once), then stops what it started.
//
// Environment (all optional): KAFKA_BROKERS (use these brokers, start no Kafka), DEMO_MONGODB_URL (a
// mongodb://host:port base to use, start no FerretDB), DEMO_SMTP_PORT (1025), DEMO_MAIL_UI_PORT (8025),
// DEMO_OT_PORT (3000), DEMO_NOTIFIER_PORT (3001): 0 picks a free port, a taken port falls back to a free
// one; DEMO_MAIL_DIR (where the emails are written). See scripts/demo/README.md.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..', '..');

const HELP = `Usage: npm run demo [-- --once] [-- --no-build] [-- --keep-data]

Runs Kafka, MongoDB (FerretDB), a mail catcher and both apps locally, plays a story of clients and coaches
through Kafka and the API, and prints what happened and why. Then keeps running (Ctrl-C stops it).

  --once        stop as soon as the story has been told (exit 0 when every decision was as expected)
  --no-build    never build: use dist/ as it is (fails when it is missing)
  --build       build even when dist/ looks up to date
  --keep-data   keep this run's topics and databases when stopping (default: deleted)
  --help        this text

Environment: KAFKA_BROKERS, DEMO_MONGODB_URL (use running servers instead of starting them),
DEMO_SMTP_PORT (1025), DEMO_MAIL_UI_PORT (8025), DEMO_OT_PORT (3000), DEMO_NOTIFIER_PORT (3001)
(0: any free port), DEMO_MAIL_DIR.
`;

class DemoError extends Error {}

const say = (line = '') => process.stdout.write(`${line}\n`);
const log = (line) => say(`[demo] ${line}`);
const rel = (p) => {
  const r = path.relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
};

// ---------------------------------------------------------------------------------------------- stop

/** Set by SIGINT/SIGTERM: waits stop, the run unwinds and cleans up. A second signal forces the exit. */
const stop = { signal: null, wake: [], children: new Set() };

function onSignal(signal) {
  if (stop.signal) {
    process.stderr.write(`[demo] ${signal} again: exiting at once${stop.children.size ? `; killing ${[...stop.children].map((c) => c.pid).join(', ')}` : ''}\n`);
    for (const child of stop.children) child.kill('SIGKILL');
    process.exit(130);
  }
  stop.signal = signal;
  process.stderr.write(`\n[demo] ${signal}: stopping (${signal} again to force)...\n`);
  for (const wake of stop.wake.splice(0)) wake();
}

function checkStop() {
  if (stop.signal) throw new DemoError(`interrupted by ${stop.signal}`);
}

/** Resolves after `ms`, or at once when a stop is asked for. */
function pause(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      const i = stop.wake.indexOf(done);
      if (i >= 0) stop.wake.splice(i, 1);
      resolve();
    }
    stop.wake.push(done);
  });
}

/** Polls `probe` until it returns something (not undefined/false), with a deadline. */
async function waitFor(what, probe, timeoutMs = 30000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    checkStop();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof DemoError) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new DemoError(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    await pause(everyMs);
  }
}

// --------------------------------------------------------------------------------------------- build

function walk(dir, files = []) {
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'testing') walk(full, files);
    } else if (/\.(ts|hbs|json)$/.test(entry.name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) files.push(full);
  }
  return files;
}

/** Why a build is needed (a sentence), or null when dist/ is newer than every source. */
function buildNeeded() {
  const { APP_ENTRIES } = require('../app-processes');
  const missing = Object.values(APP_ENTRIES).find((f) => !fs.existsSync(f));
  if (missing) return `${rel(missing)} is missing`;
  const built = Math.min(...Object.values(APP_ENTRIES).map((f) => fs.statSync(f).mtimeMs));
  const sources = [...walk(path.join(ROOT, 'apps')), ...walk(path.join(ROOT, 'libs')), path.join(ROOT, 'nest-cli.json'), path.join(ROOT, 'tsconfig.json')];
  const newer = sources.filter((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs > built);
  if (newer.length) return `${rel(newer[0])}${newer.length > 1 ? ` and ${newer.length - 1} more source file(s) are` : ' is'} newer than the build`;
  return null;
}

async function build(options) {
  if (options['no-build']) {
    const why = buildNeeded();
    if (why && why.includes('missing')) throw new DemoError(`${why}: run npm run build first (or drop --no-build)`);
    if (why) log(`not building (--no-build), although ${why}`);
    return;
  }
  const why = options.build ? 'asked for (--build)' : buildNeeded();
  if (!why) {
    log('the build in dist/ is up to date');
    return;
  }
  log(`building (npm run build): ${why}`);
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, 'run', 'build']] : ['npm', ['run', 'build']];
  const child = spawn(npm[0], npm[1], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  stop.children.add(child);
  const code = await new Promise((resolve) => {
    child.on('exit', (c, s) => resolve(c ?? s));
    child.on('error', (error) => resolve(error.message));
  });
  stop.children.delete(child);
  checkStop();
  if (code !== 0) throw new DemoError(`the build failed (npm run build: ${code}); see its output above`);
}

// --------------------------------------------------------------------------------------------- infra

async function startInfra(infraStops) {
  const fromEnv = { kafka: process.env.KAFKA_BROKERS, mongo: process.env.DEMO_MONGODB_URL };
  const result = {
    brokers: fromEnv.kafka ? fromEnv.kafka.split(',').map((b) => b.trim()).filter(Boolean) : null,
    mongoBase: fromEnv.mongo ? fromEnv.mongo.replace(/\/+$/, '') : null,
    notes: [],
  };
  if (result.brokers) result.notes.push(`Kafka ${result.brokers.join(',')} (from KAFKA_BROKERS)`);
  if (result.mongoBase) {
    if (!/^mongodb(\+srv)?:\/\/[^/]+$/.test(result.mongoBase)) throw new DemoError(`DEMO_MONGODB_URL must be a mongodb://host:port base without a database, got ${result.mongoBase}`);
    result.notes.push(`MongoDB ${result.mongoBase} (from DEMO_MONGODB_URL)`);
  }
  if (result.brokers && result.mongoBase) return result;

  const infra = require('../infra');
  const cfg = infra.devConfig();
  const infraLog = (line) => say(`[infra] ${line}`);
  const prefixed = (prefix) => (line) => infraLog(`${prefix}: ${line}`);
  log(`starting the local infrastructure (scripts/infra) on the dev ports: ${[!result.brokers && `Kafka ${cfg.kafka.port}`, !result.mongoBase && `FerretDB ${cfg.ferretdb.port}`].filter(Boolean).join(', ')}`);
  const [kafka, ferret] = await Promise.allSettled([
    result.brokers ? null : infra.startKafka({ ...cfg.kafka, log: prefixed('kafka') }),
    result.mongoBase ? null : infra.startFerretDb({ ...cfg.ferretdb, log: prefixed('ferretdb') }),
  ]);
  for (const [label, settled] of [['Kafka', kafka], ['FerretDB', ferret]]) {
    const server = settled.status === 'fulfilled' ? settled.value : null;
    if (server && !server.alreadyRunning) {
      infraStops.push({ what: `${label} (pid ${server.pid}, started by the demo)`, run: () => server.stop() });
    }
  }
  const failed = [kafka, ferret].filter((s) => s.status === 'rejected').map((s) => s.reason.message);
  if (failed.length) {
    throw new DemoError(
      `the local infrastructure could not start:\n${failed.join('\n\n')}\n` +
        '(to use servers that already run elsewhere: KAFKA_BROKERS=host:port and DEMO_MONGODB_URL=mongodb://host:port)',
    );
  }
  if (kafka.value) {
    result.brokers = kafka.value.brokers;
    result.notes.push(`Kafka ${kafka.value.address} (${kafka.value.alreadyRunning ? 'already running: left running' : `started by the demo, pid ${kafka.value.pid}`})`);
  }
  if (ferret.value) {
    result.mongoBase = ferret.value.address.replace(/\/+$/, '');
    result.notes.push(`MongoDB wire protocol (FerretDB) ${result.mongoBase} (${ferret.value.alreadyRunning ? 'already running: left running' : `started by the demo, pid ${ferret.value.pid}`})`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------- apps

function envPort(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new DemoError(`${name}=${raw} is not a TCP port (0 picks a free one)`);
  return Number(raw);
}

/** `port` when it can be listened on (0.0.0.0, as the apps do), else a free port; 0: a free port. */
function portOrFree(port, label) {
  const tryListen = (p) =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(null));
      server.listen(p, '0.0.0.0', () => {
        const { port: got } = server.address();
        server.close(() => resolve(got));
      });
    });
  return tryListen(port).then(async (got) => {
    if (got !== null) return got;
    log(`${label}: port ${port} is taken, using a free port instead`);
    return tryListen(0);
  });
}

class App {
  constructor(name, env, logFile) {
    this.name = name;
    this.env = env;
    this.logFile = logFile;
    this.child = null;
    this.exit = null;
  }

  get port() {
    return Number(this.env.HTTP_PORT);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.child ? this.child.pid : null;
  }

  start() {
    const { appArgs } = require('../app-processes');
    const out = fs.openSync(this.logFile, 'a');
    // Its own process group: Ctrl-C in the terminal reaches the demo only, which stops the apps in order.
    this.child = spawn(process.execPath, appArgs(this.name), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', out, out],
      detached: true,
    });
    fs.closeSync(out);
    stop.children.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exit = code ?? signal;
        stop.children.delete(this.child);
        resolve();
      }),
    );
  }

  tail(lines = 30) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async waitReady(timeoutMs = 120000) {
    await waitFor(
      `${this.name} to be ready on ${this.url}/health/ready (log: ${rel(this.logFile)})`,
      async () => {
        if (this.exit !== null) throw new DemoError(`${this.name} exited (${this.exit}) before it was ready; the end of its log (${rel(this.logFile)}):\n${this.tail()}`);
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
        return response?.status === 200;
      },
      timeoutMs,
      200,
    );
  }

  /** SIGTERM (a graceful shutdown), SIGKILL after 20 s. */
  async stop() {
    if (!this.child || this.exit !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------------------------------- kafka

function kafkaFor(brokers) {
  const { Kafka, logLevel } = require('kafkajs');
  return new Kafka({ clientId: 'demo', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

async function createTopics(kafka, topics, numPartitions = 3) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions })) });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Reads every message of the topics from their start until `count` arrived. */
async function readTopics(kafka, topics, count, groupId, timeoutMs = 60000) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const seen = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        seen.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
      },
    });
    await waitFor(`${count} message(s) on ${topics.join(', ')} (got ${seen.length})`, () => seen.length >= count, timeoutMs);
    return seen;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

// --------------------------------------------------------------------------------------------- main

async function main() {
  let options;
  try {
    ({ values: options } = parseArgs({
      options: { once: { type: 'boolean' }, 'no-build': { type: 'boolean' }, build: { type: 'boolean' }, 'keep-data': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`[demo] ${error.message}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    say(HELP);
    return 0;
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runId = `demo-${stamp}-${crypto.randomBytes(2).toString('hex')}`;
  const prefix = `${runId}.`;
  const cleanups = [];
  const infraStops = [];
  const apps = [];
  let kafka = null;
  let infraInfo = null;
  const databases = [`${runId}-ongoing-training`, `${runId}-notifier`];
  let ok = false;
  let mailLive = false;
  try {
    say(`== Ongoing Training demo: run ${runId} ==`);
    await build(options);
    checkStop();

    infraInfo = await startInfra(infraStops);
    checkStop();
    for (const note of infraInfo.notes) log(note);

    // The mail catcher.
    const { startMailCatcher } = require('./mail-catcher');
    const mailDir = path.resolve(process.env.DEMO_MAIL_DIR || path.join(ROOT, '.artifacts', 'demo-mail', runId));
    const catcher = await startMailCatcher({
      dir: mailDir,
      smtpPort: envPort('DEMO_SMTP_PORT', 1025),
      uiPort: envPort('DEMO_MAIL_UI_PORT', 8025),
      // Quiet while the story is told (the report lists the emails), live afterwards.
      log: (line) => (mailLive || !/^#\d+ /.test(line)) && say(`[mail] ${line}`),
    });
    cleanups.push({ what: 'the mail catcher', run: () => catcher.close() });
    log(`mail catcher: SMTP ${catcher.smtpUrl}, web page ${catcher.url}, emails saved in ${rel(mailDir)}/`);

    // The apps, on this run's topics and databases.
    const secret = crypto.randomBytes(32).toString('hex');
    const logDir = path.join(ROOT, '.artifacts', 'demo', runId);
    fs.mkdirSync(logDir, { recursive: true });
    const otPort = await portOrFree(envPort('DEMO_OT_PORT', 3000), 'ongoing-training');
    const clockFile = path.join(logDir, 'clock-offset-ms');
    fs.writeFileSync(clockFile, '0');
    const notifierPort = await portOrFree(envPort('DEMO_NOTIFIER_PORT', 3001), 'notifier');
    // GET /metrics is served on the management ports only (METRICS_PORT), not on the API's.
    const otMetricsPort = await portOrFree(9464, 'ongoing-training metrics');
    const notifierMetricsPort = await portOrFree(9465, 'notifier metrics');
    const common = {
      KAFKA_BROKERS: infraInfo.brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'text',
    };
    const ot = new App(
      'ongoing-training',
      {
        ...common,
        HTTP_PORT: String(otPort),
        METRICS_PORT: String(otMetricsPort),
        MONGODB_URI: `${infraInfo.mongoBase}/${databases[0]}`,
        KAFKA_GROUP_ID: `${prefix}ongoing-training`,
        AUTH_JWT_SECRET: secret,
        // The demo's clock: the story moves it to end a pause by time (R14).
        CLOCK_OFFSET_FILE: clockFile,
        PAUSE_CHECK_MS: '500',
      },
      path.join(logDir, 'ongoing-training.log'),
    );
    const notifier = new App(
      'notifier',
      {
        ...common,
        HTTP_PORT: String(notifierPort),
        METRICS_PORT: String(notifierMetricsPort),
        MONGODB_URI: `${infraInfo.mongoBase}/${databases[1]}`,
        KAFKA_GROUP_ID: `${prefix}notifier`,
        SMTP_URL: catcher.smtpUrl,
        PREFERENCES_URL: `${catcher.url}/account/ongoing-training`,
        EMAIL_PREVIEW: 'true',
      },
      path.join(logDir, 'notifier.log'),
    );
    // The topics, made here before the apps start: two apps creating the same missing topic at the same
    // moment can fail one of them (UNKNOWN_TOPIC_OR_PARTITION while the other's creation propagates).
    kafka = kafkaFor(infraInfo.brokers);
    const inputs = ['package.booked', 'session.completed', 'session.completion.reverted', 'payment.failed', 'payment.succeeded', 'session.autobooked'];
    const outputs = ['session.autobook.upcoming', 'session.autobook.voided'];
    await createTopics(kafka, [...inputs.flatMap((t) => [prefix + t, `${prefix}${t}.dlq`]), ...outputs.map((t) => prefix + t)]);
    apps.push(ot, notifier);
    cleanups.push({ what: 'the apps', run: () => Promise.all(apps.map((a) => a.stop())) });
    for (const app of apps) {
      app.start();
      log(`${app.name} pid ${app.pid} on ${app.url} (log: ${rel(app.logFile)})`);
    }
    await Promise.all(apps.map((a) => a.waitReady()));
    log(`both apps are ready (topics ${prefix}*, databases ${databases.join(', ')})`);

    // The story.
    const { Partitioners } = require('kafkajs');
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanups.push({ what: 'the demo producer', run: () => producer.disconnect().catch(() => undefined) });
    const jwt = require('jsonwebtoken');
    const token = (role, sub) => jwt.sign({ sub, role }, secret, { algorithm: 'HS256', expiresIn: '1h' });
    const ops = token('ops', 'demo');
    const api = async (method, route, { body, token: bearer = ops } = {}) => {
      const response = await fetch(`${ot.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const history = async (pair) => {
      const r = await api('GET', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training/${encodeURIComponent(pair.coachId)}/history?limit=1000`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`history answered ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.entries;
    };
    const ctx = {
      send: (topic, event) => producer.send({ topic: prefix + topic, acks: -1, messages: [{ key: event.clientId, value: JSON.stringify(event) }] }),
      sendRaw: (topic, key, text) => producer.send({ topic: prefix + topic, acks: -1, messages: [{ key, value: text }] }),
      api,
      token,
      history,
      waitFor: (what, probe) => waitFor(what, probe, 30000),
      // Moves the service's clock this far ahead (CLOCK_OFFSET_FILE), as time passing would.
      moveClock: (ms) => fs.writeFileSync(clockFile, String(ms)),
      log: say,
    };
    say('\n== The story: events through Kafka, the switch through the API ==');
    const { runScenario } = require('./scenario');
    const story = await runScenario(ctx);

    // Dead letters, read back.
    const dlqTopics = [...new Set(story.deadLetters.map((d) => `${prefix}${d.topic}.dlq`))];
    const letters = await readTopics(kafka, dlqTopics, story.deadLetters.length, `${prefix}demo-dlq-reader`);

    // Every autobook sends two emails (R9): wait for them all.
    const timelines = [];
    for (const pair of story.pairs) timelines.push({ pair, entries: [...(await history(pair))].reverse() });
    const autobooks = timelines.reduce((n, t) => n + t.entries.filter((e) => e.outcome === 'autobooked').length, 0);
    // Two emails per autobook (R9), per void (R15) and per failed payment (R16); one per heads-up (R13).
    const expectedEmails = timelines.reduce(
      (n, t) =>
        n +
        t.entries.reduce(
          (m, e) => m + (e.outcome === 'autobooked' ? 2 : 0) + (e.changes.voided ? 2 : 0) + (e.changes.headsUp ? 1 : 0) + (e.input.type === 'payment.failed' && e.changes.payment ? 2 : 0),
          0,
        ),
      0,
    );
    await waitFor(`${expectedEmails} emails at the mail catcher (got ${catcher.messages.length}; notifier log: ${rel(notifier.logFile)})`, () => catcher.messages.length >= expectedEmails, 60000);

    // The report.
    // The ops CLI's timeline (`npm run ops -- pair`), from the build.
    const { timelineLines, pairViewLines } = require('../../dist/apps/ops/cli/timeline.js');
    say('\n== Timeline: what happened and why (from GET /v1/clients/{client}/ongoing-training/{coach}/history, oldest first) ==');
    for (const { pair, entries } of timelines) {
      say(`\n${pair.title}`);
      say(`  ${pair.story}`);
      say(...[timelineLines(entries, pair.notes).join('\n')]);
      const list = await api('GET', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training`);
      const view = list.body.coaches.find((c) => c.coachId === pair.coachId);
      say('  now:');
      say(pairViewLines(view, { indent: '    ' }).join('\n'));
    }
    say('\n== Dead letters (R12), read back from the .dlq topics ==');
    for (const letter of letters) {
      say(`  ${letter.topic} partition ${letter.partition} offset ${letter.offset}, key ${letter.key}`);
      say(`    value (unchanged): ${letter.value}`);
      say(`    dlq-reason: ${letter.headers['dlq-reason']}`);
      say(`    from ${letter.headers['dlq-source-topic']} partition ${letter.headers['dlq-source-partition']} offset ${letter.headers['dlq-source-offset']}, at ${letter.headers['dlq-failed-at']}`);
    }
    say(`\n== Emails: ${catcher.messages.length} caught: 2 per autobook (${autobooks} autobooks, R9), 1 per heads-up (R13), 2 per void (R15) and per failed payment (R16) ==`);
    for (const m of catcher.messages) say(`  ${String(m.id).padStart(2)}. to ${m.envelope.to.join(', ').padEnd(26)} ${m.subject}`);
    if (catcher.messages.length !== expectedEmails) story.mismatches.push(`expected ${expectedEmails} emails, caught ${catcher.messages.length}`);

    say(`\n== Where to see it${options.once ? ' (until the demo stops, which --once does now; the files stay)' : ''} ==`);
    say(`  emails:          ${catcher.url}  (and the files in ${rel(mailDir)}/)`);
    say(`  email previews:  ${notifier.url}/preview`);
    say(`  API:             ${ot.url}/openapi.json  (Bearer token: HS256 with AUTH_JWT_SECRET=${secret})`);
    say(`  a pair:          AUTH_JWT_SECRET=${secret} npm run ops -- pair client-ana coach-carla --url ${ot.url}`);
    say(`  logs:            ${rel(ot.logFile)}, ${rel(notifier.logFile)}`);
    say(`  Kafka topics:    ${prefix}*  on ${infraInfo.brokers.join(',')}`);

    if (story.mismatches.length) {
      say('\n== Not as the rules say ==');
      for (const m of story.mismatches) say(`  - ${m}`);
      throw new DemoError(`${story.mismatches.length} decision(s) were not the expected ones (see above)`);
    }
    const decisions = timelines.reduce((n, t) => n + t.entries.length, 0);
    say(`\n[demo] OK: ${decisions} decisions, ${autobooks} autobooks, ${catcher.messages.length} emails, ${letters.length} dead letters, all as the rules say.`);
    ok = true;

    if (!options.once) {
      mailLive = true;
      say(`[demo] running: open ${catcher.url} for the emails (new ones are listed here as they come). Press Ctrl-C to stop.`);
      while (!stop.signal) await pause(60000);
    }
  } catch (error) {
    if (error instanceof DemoError) process.stderr.write(`[demo] failed: ${error.message}\n`);
    else process.stderr.write(`[demo] failed: ${error && error.stack ? error.stack : String(error)}\n`);
    for (const app of apps) {
      if (app.child && app.exit !== null) process.stderr.write(`[demo] ${app.name} had exited (${app.exit}); the end of its log:\n${app.tail(15)}\n`);
    }
  } finally {
    await cleanup({ cleanups, infraStops, apps, kafka, infraInfo, prefix, databases, keep: options['keep-data'] });
  }
  if (ok) return 0;
  return stop.signal ? (stop.signal === 'SIGINT' ? 130 : 143) : 1;
}

async function cleanup({ cleanups, infraStops, apps, kafka, infraInfo, prefix, databases, keep }) {
  log('stopping...');
  // The producer, the apps (they flush and leave their groups), the mail catcher: the reverse of their start.
  for (const c of cleanups.splice(0).reverse()) {
    await Promise.resolve(c.run()).catch((error) => log(`stopping ${c.what} failed: ${error.message}`));
  }
  for (const app of apps.filter((a) => a.child)) log(`${app.name} (pid ${app.pid}) stopped (${app.exit})`);
  // This run's topics, groups and databases, unless they are to be kept.
  if (infraInfo && infraInfo.brokers && infraInfo.mongoBase) {
    if (keep) log(`kept topics ${prefix}* and databases ${databases.join(', ')} (--keep-data)`);
    else await deleteData(kafka ?? kafkaFor(infraInfo.brokers), infraInfo.mongoBase, prefix, databases).catch((error) => log(`could not delete this run's data: ${error.message}`));
  }
  // The infrastructure: only what the demo started itself.
  const stops = infraStops.splice(0);
  for (const c of stops) {
    await Promise.resolve(c.run()).then(
      () => log(`stopped ${c.what}`),
      (error) => log(`stopping ${c.what} failed: ${error.message}`),
    );
  }
  if (infraInfo && stops.length === 0) log('the infrastructure was not started by this demo: left as it was');
}

async function deleteData(kafka, mongoBase, prefix, databases) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10000 });
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (ours.length) await admin.deleteGroups(ours).catch(() => undefined);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const mongoose = require('mongoose');
  for (const db of databases) {
    const connection = mongoose.createConnection(`${mongoBase}/${db}`, { serverSelectionTimeoutMS: 5000 });
    try {
      await connection.asPromise();
      await connection.dropDatabase();
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
  log(`deleted this run's topics (${prefix}*), consumer groups and databases`);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`[demo] failed: ${error && error.stack ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main };
