// `npm run demo`: runs the whole system locally and shows it at work.
//
//  1. builds (npm run build) when dist/ is missing or older than the sources;
//  2. starts Kafka and FerretDB through scripts/infra on the dev ports (reused when already running);
//  3. starts a mail catcher: SMTP on 127.0.0.1:1025, a web page on http://127.0.0.1:8025, and every email
//     written as .eml + .html under .artifacts/demo-mail/<run>/;
//  4. starts ongoing-training and the notifier from the build, on topics and databases of this run only;
//  5. plays a story through Kafka and the HTTP API (scenario.ts), checking every decision;
//  6. prints each pair's timeline from the service's history API, the emails and the dead letters;
//  7. keeps running until Ctrl-C (or stops at once with --once), then stops what it started.
//
// Environment (all optional): KAFKA_BROKERS (use these brokers, start no Kafka), DEMO_MONGODB_URL (a
// mongodb://host:port base to use, start no FerretDB), DEMO_SMTP_PORT (1025), DEMO_MAIL_UI_PORT (8025),
// DEMO_OT_PORT (3000), DEMO_NOTIFIER_PORT (3001): 0 picks a free port, a taken port falls back to a free
// one; DEMO_MAIL_DIR (where the emails are written). See apps/demo/README.md.
import { APP_ENTRIES, AppName, StopWaiting, WaitTimeout, appArgs, sleep, waitFor as poll } from '#testing';
import jwt from 'jsonwebtoken';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { HistoryEntry } from './history.js';
import { startMailCatcher } from './mail-catcher.js';
import { opsToken, pairViewLines, timelineLines } from './ops-cli.js';
import { Pair, ScenarioContext, runScenario } from './scenario.js';

const require = createRequire(import.meta.url);

// apps/demo/src/ and dist/apps/demo/ are both three levels below the root.
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

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

/** A failure the demo explains in its message (printed without a stack); it ends any wait at once. */
class DemoError extends StopWaiting {}

type Options = { once?: boolean; 'no-build'?: boolean; build?: boolean; 'keep-data'?: boolean; help?: boolean };

const say = (line = '') => process.stdout.write(`${line}\n`);
const log = (line: string) => say(`[demo] ${line}`);
const rel = (p: string) => {
  const r = path.relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
};

// ---------------------------------------------------------------------------------------------- stop

/** Set by SIGINT/SIGTERM: waits stop, the run unwinds and cleans up. A second signal forces the exit. */
const stop = { signal: null as NodeJS.Signals | null, aborted: new AbortController(), children: new Set<ChildProcess>() };

function onSignal(signal: NodeJS.Signals) {
  if (stop.signal) {
    process.stderr.write(
      `[demo] ${signal} again: exiting at once${stop.children.size ? `; killing ${[...stop.children].map((c) => c.pid).join(', ')}` : ''}\n`,
    );
    for (const child of stop.children) child.kill('SIGKILL');
    process.exit(130);
  }
  stop.signal = signal;
  process.stderr.write(`\n[demo] ${signal}: stopping (${signal} again to force)...\n`);
  stop.aborted.abort(new DemoError(`interrupted by ${signal}`));
}

function checkStop() {
  if (stop.signal) throw new DemoError(`interrupted by ${stop.signal}`);
}

/** Resolves after `ms`, or at once when a stop is asked for. */
const pause = (ms: number) => sleep(ms, stop.aborted.signal);

/** Polls `probe` until it returns something (not undefined/false), with a deadline; a stop ends it. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30000, everyMs = 100): Promise<T> {
  return poll(what, probe, { timeoutMs, everyMs, signal: stop.aborted.signal });
}

// --------------------------------------------------------------------------------------------- build

function walk(dir: string, files: string[] = []): string[] {
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(full, files);
    } else if (/\.(ts|hbs|json)$/.test(entry.name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) files.push(full);
  }
  return files;
}

/** The newest modification time of the files under `dir`. */
function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Why a build is needed (a sentence), or null when dist/ is newer than every source. */
function buildNeeded(): string | null {
  const missing = Object.values(APP_ENTRIES).find((f) => !fs.existsSync(f));
  if (missing) return `${rel(missing)} is missing`;
  // When the last build wrote (tsc -b leaves the files of an unchanged project as they were).
  const built = newestIn(path.join(ROOT, 'dist'));
  const sources = [...walk(path.join(ROOT, 'apps')), ...walk(path.join(ROOT, 'libs')), path.join(ROOT, 'nest-cli.json'), path.join(ROOT, 'tsconfig.json')];
  const newer = sources.filter((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs > built);
  if (newer.length) return `${rel(newer[0])}${newer.length > 1 ? ` and ${newer.length - 1} more source file(s) are` : ' is'} newer than the build`;
  return null;
}

async function build(options: Options): Promise<void> {
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
  const [command, args]: [string, string[]] = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath, 'run', 'build']]
    : ['npm', ['run', 'build']];
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  stop.children.add(child);
  const code = await new Promise<number | string>((resolve) => {
    child.on('exit', (c, s) => resolve((c ?? s)!));
    child.on('error', (error) => resolve(error.message));
  });
  stop.children.delete(child);
  checkStop();
  if (code !== 0) throw new DemoError(`the build failed (npm run build: ${code}); see its output above`);
}

// --------------------------------------------------------------------------------------------- infra

interface Infra {
  brokers: string[];
  mongoBase: string;
  notes: string[];
}

interface Step {
  what: string;
  run: () => unknown;
}

interface InfraServer {
  pid: number;
  alreadyRunning: boolean;
  address: string;
  brokers: string[];
  stop(): Promise<void>;
}

/** The local infrastructure (scripts/infra, CommonJS). */
const loadInfra = () =>
  require('../../../scripts/infra') as {
    devConfig(): { kafka: { port: number }; ferretdb: { port: number } };
    startKafka(options: object): Promise<InfraServer>;
    startFerretDb(options: object): Promise<InfraServer>;
  };

async function startInfra(infraStops: Step[]): Promise<Infra> {
  const fromEnv = { kafka: process.env.KAFKA_BROKERS, mongo: process.env.DEMO_MONGODB_URL };
  const result: { brokers: string[] | null; mongoBase: string | null; notes: string[] } = {
    brokers: fromEnv.kafka
      ? fromEnv.kafka
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean)
      : null,
    mongoBase: fromEnv.mongo ? fromEnv.mongo.replace(/\/+$/, '') : null,
    notes: [],
  };
  if (result.brokers) result.notes.push(`Kafka ${result.brokers.join(',')} (from KAFKA_BROKERS)`);
  if (result.mongoBase) {
    if (!/^mongodb(\+srv)?:\/\/[^/]+$/.test(result.mongoBase))
      throw new DemoError(`DEMO_MONGODB_URL must be a mongodb://host:port base without a database, got ${result.mongoBase}`);
    result.notes.push(`MongoDB ${result.mongoBase} (from DEMO_MONGODB_URL)`);
  }
  if (result.brokers && result.mongoBase) return result as Infra;

  const infra = loadInfra();
  const cfg = infra.devConfig();
  const infraLog = (line: string) => say(`[infra] ${line}`);
  const prefixed = (prefix: string) => (line: string) => infraLog(`${prefix}: ${line}`);
  log(
    `starting the local infrastructure (scripts/infra) on the dev ports: ${[!result.brokers && `Kafka ${cfg.kafka.port}`, !result.mongoBase && `FerretDB ${cfg.ferretdb.port}`].filter(Boolean).join(', ')}`,
  );
  const [kafka, ferret] = await Promise.allSettled([
    result.brokers ? null : infra.startKafka({ ...cfg.kafka, log: prefixed('kafka') }),
    result.mongoBase ? null : infra.startFerretDb({ ...cfg.ferretdb, log: prefixed('ferretdb') }),
  ]);
  for (const [label, settled] of [
    ['Kafka', kafka],
    ['FerretDB', ferret],
  ] as const) {
    const server = settled.status === 'fulfilled' ? settled.value : null;
    if (server && !server.alreadyRunning) {
      infraStops.push({ what: `${label} (pid ${server.pid}, started by the demo)`, run: () => server.stop() });
    }
  }
  const failed = [kafka, ferret].flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
  if (failed.length) {
    throw new DemoError(
      `the local infrastructure could not start:\n${failed.join('\n\n')}\n` +
        '(to use servers that already run elsewhere: KAFKA_BROKERS=host:port and DEMO_MONGODB_URL=mongodb://host:port)',
    );
  }
  if (kafka.status === 'fulfilled' && kafka.value) {
    result.brokers = kafka.value.brokers;
    result.notes.push(
      `Kafka ${kafka.value.address} (${kafka.value.alreadyRunning ? 'already running: left running' : `started by the demo, pid ${kafka.value.pid}`})`,
    );
  }
  if (ferret.status === 'fulfilled' && ferret.value) {
    result.mongoBase = ferret.value.address.replace(/\/+$/, '');
    result.notes.push(
      `MongoDB wire protocol (FerretDB) ${result.mongoBase} (${ferret.value.alreadyRunning ? 'already running: left running' : `started by the demo, pid ${ferret.value.pid}`})`,
    );
  }
  return result as Infra;
}

// ---------------------------------------------------------------------------------------------- apps

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new DemoError(`${name}=${raw} is not a TCP port (0 picks a free one)`);
  return Number(raw);
}

/** `port` when it can be listened on (0.0.0.0, as the apps do), else a free port; 0: a free port. */
function portOrFree(port: number, label: string): Promise<number> {
  const tryListen = (p: number) =>
    new Promise<number | null>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(null));
      server.listen(p, '0.0.0.0', () => {
        const { port: got } = server.address() as net.AddressInfo;
        server.close(() => resolve(got));
      });
    });
  return tryListen(port).then(async (got) => {
    if (got !== null) return got;
    log(`${label}: port ${port} is taken, using a free port instead`);
    return (await tryListen(0))!;
  });
}

class App {
  child: ChildProcess | null = null;
  exit: number | string | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: AppName,
    readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

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
    const out = fs.openSync(this.logFile, 'a');
    // Its own process group: Ctrl-C in the terminal reaches the demo only, which stops the apps in order.
    this.child = spawn(process.execPath, appArgs(this.name), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', out, out],
      detached: true,
    });
    fs.closeSync(out);
    const child = this.child;
    stop.children.add(child);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exit = code ?? signal;
        stop.children.delete(child);
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
        if (this.exit !== null)
          throw new DemoError(`${this.name} exited (${this.exit}) before it was ready; the end of its log (${rel(this.logFile)}):\n${this.tail()}`);
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
    const child = this.child;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    await this.exited;
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------------------------------- kafka

function kafkaFor(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'demo', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

async function createTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
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
interface Letter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

async function readTopics(kafka: Kafka, topics: string[], count: number, groupId: string, timeoutMs = 60000): Promise<Letter[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const seen: Letter[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        seen.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    await waitFor(`${count} message(s) on ${topics.join(', ')} (got ${seen.length})`, () => seen.length >= count, timeoutMs);
    return seen;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

// --------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  let options: Options;
  try {
    ({ values: options } = parseArgs({
      options: {
        once: { type: 'boolean' },
        'no-build': { type: 'boolean' },
        build: { type: 'boolean' },
        'keep-data': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`[demo] ${(error as Error).message}\n\n${HELP}`);
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
  const cleanups: Step[] = [];
  const infraStops: Step[] = [];
  const apps: App[] = [];
  let kafka: Kafka | null = null;
  let infraInfo: Infra | null = null;
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
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanups.push({ what: 'the demo producer', run: () => producer.disconnect().catch(() => undefined) });
    const token = (role: string, sub: string) => jwt.sign({ sub, role }, secret, { algorithm: 'HS256', expiresIn: '1h' });
    const ops = opsToken(secret, 'demo');
    const api: ScenarioContext['api'] = async (method, route, { body, token: bearer = ops } = {}) => {
      const response = await fetch(`${ot.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const history = async (pair: Pair): Promise<HistoryEntry[] | null> => {
      const r = await api('GET', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training/${encodeURIComponent(pair.coachId)}/history?limit=1000`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`history answered ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.entries as HistoryEntry[];
    };
    const ctx: ScenarioContext = {
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
    const story = await runScenario(ctx);

    // Dead letters, read back.
    const dlqTopics = [...new Set(story.deadLetters.map((d) => `${prefix}${d.topic}.dlq`))];
    const letters = await readTopics(kafka, dlqTopics, story.deadLetters.length, `${prefix}demo-dlq-reader`);

    // Every autobook sends two emails (R9): wait for them all.
    const timelines: { pair: Pair; entries: HistoryEntry[] }[] = [];
    for (const pair of story.pairs) timelines.push({ pair, entries: [...((await history(pair)) ?? [])].reverse() });
    const autobooks = timelines.reduce((n, t) => n + t.entries.filter((e) => e.outcome === 'autobooked').length, 0);
    // Two emails per autobook (R9), per void (R15) and per failed payment (R16); one per heads-up (R13).
    const expectedEmails = timelines.reduce(
      (n, t) =>
        n +
        t.entries.reduce(
          (m, e) =>
            m +
            (e.outcome === 'autobooked' ? 2 : 0) +
            (e.changes.voided ? 2 : 0) +
            (e.changes.headsUp ? 1 : 0) +
            (e.input.type === 'payment.failed' && e.changes.payment ? 2 : 0),
          0,
        ),
      0,
    );
    await waitFor(
      `${expectedEmails} emails at the mail catcher (got ${catcher.messages.length}; notifier log: ${rel(notifier.logFile)})`,
      () => catcher.messages.length >= expectedEmails,
      60000,
    );

    // The report.
    say('\n== Timeline: what happened and why (from GET /v1/clients/{client}/ongoing-training/{coach}/history, oldest first) ==');
    for (const { pair, entries } of timelines) {
      say(`\n${pair.title}`);
      say(`  ${pair.story}`);
      say(...[timelineLines(entries, pair.notes).join('\n')]);
      const list = await api('GET', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training`);
      const view = list.body.coaches.find((c: { coachId: string }) => c.coachId === pair.coachId);
      say('  now:');
      say(pairViewLines(view, { indent: '    ' }).join('\n'));
    }
    say('\n== Dead letters (R12), read back from the .dlq topics ==');
    for (const letter of letters) {
      say(`  ${letter.topic} partition ${letter.partition} offset ${letter.offset}, key ${letter.key}`);
      say(`    value (unchanged): ${letter.value}`);
      say(`    dlq-reason: ${letter.headers['dlq-reason']}`);
      say(
        `    from ${letter.headers['dlq-source-topic']} partition ${letter.headers['dlq-source-partition']} offset ${letter.headers['dlq-source-offset']}, at ${letter.headers['dlq-failed-at']}`,
      );
    }
    say(
      `\n== Emails: ${catcher.messages.length} caught: 2 per autobook (${autobooks} autobooks, R9), 1 per heads-up (R13), 2 per void (R15) and per failed payment (R16) ==`,
    );
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
    say(
      `\n[demo] OK: ${decisions} decisions, ${autobooks} autobooks, ${catcher.messages.length} emails, ${letters.length} dead letters, all as the rules say.`,
    );
    ok = true;

    if (!options.once) {
      mailLive = true;
      say(`[demo] running: open ${catcher.url} for the emails (new ones are listed here as they come). Press Ctrl-C to stop.`);
      while (!stop.signal) await pause(60000);
    }
  } catch (error) {
    if (error instanceof DemoError || error instanceof WaitTimeout) process.stderr.write(`[demo] failed: ${error.message}\n`);
    else process.stderr.write(`[demo] failed: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    for (const app of apps) {
      if (app.child && app.exit !== null) process.stderr.write(`[demo] ${app.name} had exited (${app.exit}); the end of its log:\n${app.tail(15)}\n`);
    }
  } finally {
    await cleanup({ cleanups, infraStops, apps, kafka, infraInfo, prefix, databases, keep: Boolean(options['keep-data']) });
  }
  if (ok) return 0;
  return stop.signal ? (stop.signal === 'SIGINT' ? 130 : 143) : 1;
}

async function cleanup({
  cleanups,
  infraStops,
  apps,
  kafka,
  infraInfo,
  prefix,
  databases,
  keep,
}: {
  cleanups: Step[];
  infraStops: Step[];
  apps: App[];
  kafka: Kafka | null;
  infraInfo: Infra | null;
  prefix: string;
  databases: string[];
  keep: boolean;
}): Promise<void> {
  log('stopping...');
  // The producer, the apps (they flush and leave their groups), the mail catcher: the reverse of their start.
  for (const c of cleanups.splice(0).reverse()) {
    await Promise.resolve(c.run()).catch((error: Error) => log(`stopping ${c.what} failed: ${error.message}`));
  }
  for (const app of apps.filter((a) => a.child)) log(`${app.name} (pid ${app.pid}) stopped (${app.exit})`);
  // This run's topics, groups and databases, unless they are to be kept.
  if (infraInfo && infraInfo.brokers && infraInfo.mongoBase) {
    if (keep) log(`kept topics ${prefix}* and databases ${databases.join(', ')} (--keep-data)`);
    else
      await deleteData(kafka ?? kafkaFor(infraInfo.brokers), infraInfo.mongoBase, prefix, databases).catch((error: Error) =>
        log(`could not delete this run's data: ${error.message}`),
      );
  }
  // The infrastructure: only what the demo started itself.
  const stops = infraStops.splice(0);
  for (const c of stops) {
    await Promise.resolve(c.run()).then(
      () => log(`stopped ${c.what}`),
      (error: Error) => log(`stopping ${c.what} failed: ${error.message}`),
    );
  }
  if (infraInfo && stops.length === 0) log('the infrastructure was not started by this demo: left as it was');
}

async function deleteData(kafka: Kafka, mongoBase: string, prefix: string, databases: string[]): Promise<void> {
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

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[demo] failed: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
