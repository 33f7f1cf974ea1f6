'use strict';
// The processes the bench starts itself: the built apps, the bare pipe and the counting DB proxies.
// Each is stopped by its own pid (SIGTERM, then SIGKILL after a grace period), never by name.

const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { APP_ENTRIES, StopWaiting, appArgs, waitFor } = require('./build');
const { cpuSecondsOf, freePort, memoryOf } = require('./util');

const ROOT = path.resolve(__dirname, '..', '..');

/** Every child still running, so that an interrupted bench can stop them. */
const running = new Set();

/** A node child process with its output kept (the tail), its memory and CPU readable from /proc. */
class Child {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.output = '';
    this.exit = null;
    this.startedAt = Date.now();
    this.cpuAtStart = cpuSecondsOf(child.pid) ?? 0;
    this.peakRssKb = 0;
    this.lastHwmKb = 0;
    // Log lines by level (the apps log JSON lines), and the last warnings/errors, for the report.
    this.logLevels = {};
    this.consumerTrouble = 0;
    this.lastProblems = [];
    let partial = '';
    const keep = (chunk) => {
      const text = chunk.toString();
      this.output += text;
      if (this.output.length > 400_000) this.output = this.output.slice(-200_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      for (const line of lines) this.countLine(line);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve(this.exit);
      }),
    );
    running.add(this);
  }

  countLine(line) {
    const level = /"level":"(\w+)"/.exec(line)?.[1] ?? (line.trim() ? 'other' : null);
    if (!level) return;
    this.logLevels[level] = (this.logLevels[level] ?? 0) + 1;
    // kafkajs losing the group: a crash and restart of the consumer, a rebalance, a session gone.
    if (/consumer crashed|rebalanc|not aware of this member|heartbeat|group coordinator/i.test(line)) this.consumerTrouble++;
    if (level === 'warn' || level === 'error' || level === 'fatal' || level === 'other') {
      this.lastProblems.push(line.slice(0, 400));
      if (this.lastProblems.length > 8) this.lastProblems.shift();
    }
  }

  /** What the app logged: lines per level, consumer-group trouble, the last warnings and errors. */
  logSummary() {
    return { lines: this.logLevels, consumerTrouble: this.consumerTrouble, lastProblems: this.lastProblems };
  }

  get alive() {
    return this.exit === null;
  }

  /** Samples VmRSS (kept as the peak seen) and VmHWM (the kernel's own peak); call every second. */
  sample() {
    const m = memoryOf(this.pid);
    if (!m) return null;
    this.peakRssKb = Math.max(this.peakRssKb, m.rssKb);
    this.lastHwmKb = Math.max(this.lastHwmKb, m.hwmKb);
    return m;
  }

  /** Peak resident memory in MB: VmHWM read now (the process must still run), else the polled peak. */
  peakRssMb() {
    this.sample();
    return Math.max(this.lastHwmKb, this.peakRssKb) / 1024;
  }

  cpuSeconds() {
    const now = cpuSecondsOf(this.pid);
    return now === null ? null : now - this.cpuAtStart;
  }

  tail(chars = 3000) {
    return this.output.slice(-chars);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 20000) {
    if (!this.alive) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.alive && this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    return this.exit;
  }
}

/** Starts a built app (`dist/apps/<app>/...`) configured only by its environment. */
/** When an app's dist/ was last written: its newest file (`tsc -b` rewrites only what changed). */
function builtAt(entry) {
  const newest = fs
    .readdirSync(path.dirname(entry), { recursive: true, withFileTypes: true })
    .filter((file) => file.isFile())
    .reduce((latest, file) => Math.max(latest, fs.statSync(path.join(file.parentPath ?? file.path, file.name)).mtimeMs), 0);
  return new Date(newest).toISOString();
}

async function startApp(name, env, { nodeArgs = [] } = {}) {
  const entry = APP_ENTRIES[name];
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const httpPort = env.HTTP_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...nodeArgs, ...appArgs(name)], {
    cwd: ROOT,
    // METRICS_PORT on a free port too: the defaults (9464, 9465) may be taken by another stack.
    env: { PATH: process.env.PATH ?? '', HTTP_PORT: httpPort, METRICS_PORT: env.METRICS_PORT ?? String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app = new Child(name, child);
  app.url = `http://127.0.0.1:${httpPort}`;
  // Which build ran: others may rebuild dist/ while the bench runs.
  app.builtAt = builtAt(entry);
  return app;
}

/** Resolves once the app answers 200 on /health/ready; rejects if it exits or the time is up. */
async function waitReady(app, timeoutMs = 90000) {
  await waitFor(
    `${app.name} to be ready on ${app.url}`,
    async () => {
      if (!app.alive) throw new StopWaiting(`${app.name} exited (${JSON.stringify(app.exit)}):\n${app.tail()}`);
      const response = await fetch(`${app.url}/health/ready`).catch(() => null);
      return response?.status === 200;
    },
    timeoutMs,
  ).catch((error) => {
    throw error instanceof StopWaiting ? error : new Error(`${error.message}\n${app.tail()}`);
  });
}

/** Starts the bare pipe (bench/bare-pipe.js) with its settings in the environment. */
function startBarePipe(env) {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'bare-pipe.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Child('bare-pipe', child);
}

/** A counting proxy in front of a MongoDB wire-protocol server; `uri(db)` goes through it. */
async function startDbProxy(name, upstreamHost, upstreamPort) {
  const child = fork(path.join(__dirname, 'db-proxy.js'), [upstreamHost, String(upstreamPort)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const proxy = new Child(`db-proxy(${name})`, child);
  let nextId = 1;
  const waiting = new Map();
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject);
    proxy.exited.then((exit) => reject(new Error(`db proxy exited (${JSON.stringify(exit)}): ${proxy.tail()}`)));
    child.on('message', (message) => {
      if (message.type === 'listening') resolve(message.port);
      if (message.type === 'stats') {
        waiting.get(message.id)?.(message.stats);
        waiting.delete(message.id);
      }
    });
  });
  proxy.port = port;
  // directConnection: a replica-set member behind the proxy must not send the driver to its real address.
  proxy.uri = (database) => `mongodb://127.0.0.1:${port}/${database}?directConnection=true`;
  /** Counts since the last reset; `reset` starts a new window; `light` leaves out the percentiles. */
  proxy.stats = (reset = false, light = false) =>
    new Promise((resolve) => {
      if (!proxy.alive) return resolve(null);
      const id = nextId++;
      waiting.set(id, resolve);
      child.send({ type: 'stats', id, reset, light });
    });
  return proxy;
}

/** Stops every child the bench started and that still runs (on the way out, or on Ctrl-C). */
async function stopAll() {
  await Promise.all([...running].map((c) => c.stop(5000).catch(() => undefined)));
}

module.exports = { APP_ENTRIES, builtAt, startApp, waitReady, startBarePipe, startDbProxy, stopAll };
