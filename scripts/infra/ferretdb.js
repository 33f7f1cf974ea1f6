'use strict';
// Local MongoDB wire protocol server: FerretDB v1 with its SQLite backend (no PostgreSQL needed),
// built from source with Go from the Go module proxy (scripts/infra/ferretdb/go.mod pins it).
// FERRETDB_BACKEND=postgresql: its PostgreSQL backend instead, on a private PostgreSQL cluster of
// the machine's (./postgres.js) that starts and stops with it.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { INFRA_SRC, runtimeDir, hashFiles, cachedBuild } = require('./lib/paths');
const proc = require('./lib/proc');
const { mongoReady } = require('./lib/probes');
const postgres = require('./postgres');

const MODULE_DIR = path.join(INFRA_SRC, 'ferretdb');
const GO_MOD = path.join(MODULE_DIR, 'go.mod');
const GO_SUM = path.join(MODULE_DIR, 'go.sum');
const MAIN_PKG = 'github.com/FerretDB/FerretDB/cmd/ferretdb';

const BACKENDS = ['sqlite', 'postgresql'];
const DEFAULT_BACKEND = 'sqlite';

/** FERRETDB_BACKEND (sqlite | postgresql), DEFAULT_BACKEND when unset. */
function backendFromEnv() {
  const raw = process.env.FERRETDB_BACKEND;
  if (raw === undefined || raw === '') return DEFAULT_BACKEND;
  if (!BACKENDS.includes(raw)) throw new Error(`FERRETDB_BACKEND=${raw}: expected one of ${BACKENDS.join(', ')}`);
  return raw;
}

/** FerretDB version pinned in the wrapper go.mod (single source of truth), e.g. "v1.24.2". */
function ferretDbVersion() {
  const m = /github\.com\/FerretDB\/FerretDB (v[0-9][^\s]*)/.exec(fs.readFileSync(GO_MOD, 'utf8'));
  if (!m) throw new Error(`no github.com/FerretDB/FerretDB requirement in ${GO_MOD}`);
  return m[1];
}

/** Throws a clear message unless Go >= 1.24 (FerretDB 1.24's go.mod minimum) is on PATH. */
function requireGo() {
  const out = proc.requireTool('go', ['version'], 'Go 1.24 or newer is required to build FerretDB (first run only): install Go and put go on PATH.');
  const m = /go(\d+)\.(\d+)/.exec(out);
  if (!m || Number(m[1]) * 1000 + Number(m[2]) < 1024) {
    throw new Error(`Go 1.24 or newer is required to build FerretDB (first run only), but \`go version\` says: ${out.trim()}`);
  }
}

/** Environment for the go commands: a plain module build, never a toolchain download or go.work. */
function goEnv() {
  const env = { ...process.env, GOWORK: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  // A -mod=... in the user's GOFLAGS would fight the explicit -mod=vendor below.
  env.GOFLAGS = (env.GOFLAGS || '')
    .split(/\s+/)
    .filter((f) => f && !f.startsWith('-mod='))
    .join(' ');
  return env;
}

/**
 * Makes sure `<cache>/ferretdb-<version>/ferretdb` exists, building it on first use (progress is
 * logged). Returns { version, binary }.
 *
 * Why vendoring: FerretDB's main package panics at start unless build/version/version.txt is
 * embedded, and that generated file is not in the published module. The module cache is
 * read-only (and `go build -overlay` refuses files under GOMODCACHE), so we vendor the pinned
 * dependencies into a scratch folder, add version.txt there, and build with -mod=vendor.
 */
async function ensureFerretDb({ log = proc.defaultLog } = {}) {
  const version = ferretDbVersion();
  const { dir } = await cachedBuild({
    name: `ferretdb-${version.replace(/^v/, '')}`,
    inputsHash: hashFiles([GO_MOD, GO_SUM]),
    log,
    build: async (tmp) => {
      requireGo();
      const src = path.join(tmp, 'src');
      fs.mkdirSync(src);
      fs.copyFileSync(GO_MOD, path.join(src, 'go.mod'));
      fs.copyFileSync(GO_SUM, path.join(src, 'go.sum'));
      const env = goEnv();
      log(`building FerretDB ${version} from the Go module proxy (first run only)…`);
      const dl = await proc.runWithProgress('go', ['mod', 'vendor'], { cwd: src, env, log, label: `downloading FerretDB ${version} modules` });
      log(`modules ready in ${dl.seconds.toFixed(0)}s; compiling (1–3 minutes on 2 cores when Go's build cache is cold)…`);
      const versionDir = path.join(src, 'vendor', 'github.com', 'FerretDB', 'FerretDB', 'build', 'version');
      fs.writeFileSync(path.join(versionDir, 'version.txt'), `${version}\n`);
      fs.writeFileSync(path.join(versionDir, 'package.txt'), 'ongoing-training-infra\n');
      const binary = path.join(tmp, 'ferretdb');
      const b = await proc.runWithProgress('go', ['build', '-mod=vendor', '-trimpath', '-o', binary, MAIN_PKG], {
        cwd: src,
        env,
        log,
        label: `compiling FerretDB ${version}`,
      });
      fs.rmSync(src, { recursive: true, force: true }); // ~240 MB of vendored sources, no longer needed
      const v = spawnSync(binary, ['--version'], { encoding: 'utf8' });
      if (v.status !== 0 || !v.stdout.includes(`version: ${version}`)) {
        throw new Error(`built FerretDB does not report ${version}:\n${v.stdout}${v.stderr}`);
      }
      log(`built FerretDB ${version} in ${b.seconds.toFixed(0)}s`);
    },
  });
  return { version, binary: path.join(dir, 'ferretdb') };
}

/** Our server's command line contains `--state-dir=<dataDir>/`: the ownership marker. */
const markerFor = (dataDir) => `--state-dir=${dataDir}${path.sep}`;

/**
 * Stops the FerretDB of `dataDir`, then its PostgreSQL if it has one (once FerretDB, its only client,
 * is gone). `graceMs` is FerretDB's (0 = simulated crash); PostgreSQL always gets a clean shutdown.
 * Resolves to { ferretdb: pid | null, postgres: pid | null }.
 */
async function stopFerretDb(dataDir, { graceMs, log } = {}) {
  const ferretdb = await proc.stopPid(path.join(dataDir, 'ferretdb.pid'), { marker: markerFor(dataDir), log, ...(graceMs === undefined ? {} : { graceMs }) });
  const pg = await postgres.stopPostgres(dataDir, { log });
  return { ferretdb, postgres: pg };
}

function ferretHandle({ pid, port, dataDir, pidFile, alreadyRunning, backend, pg }) {
  return {
    name: 'ferretdb',
    backend,
    /** The PostgreSQL behind it (backend postgresql): { pid, port, url, dataDir, pidFile, logFile }. */
    postgres: pg ? { pid: pg.pid, port: pg.port, url: pg.url, dataDir: pg.dataDir, pidFile: pg.pidFile, logFile: pg.logFile } : null,
    pid,
    address: `mongodb://127.0.0.1:${port}`,
    uri: `mongodb://127.0.0.1:${port}`,
    port,
    dataDir,
    pidFile,
    logFile: path.join(dataDir, 'ferretdb.log'),
    alreadyRunning,
    // stop({ graceMs: 0 }) = SIGKILL right after SIGTERM, e.g. to simulate a crash in a test.
    // Stops its PostgreSQL too (backend postgresql); resolves to FerretDB's pid (null: was not running).
    stop: async (opts = {}) => (await stopFerretDb(dataDir, opts)).ferretdb,
  };
}

/**
 * Starts (or finds already running) a detached FerretDB on 127.0.0.1:port, SQLite files in
 * `<dataDir>/db/`, and resolves once it answers an OP_MSG `ping`. Restarting on the same dataDir
 * keeps the data (used by the database-outage test: stop, then start again on the same port).
 * `logLevel` defaults to 'error': at 'warn' FerretDB dumps every error reply (e.g. each E11000).
 * `backend` (default FERRETDB_BACKEND, else sqlite): 'postgresql' first starts a PostgreSQL of its
 * own with its cluster in `<dataDir>/postgres/` (./postgres.js), stopped with it.
 */
async function startFerretDb({
  port = 27017,
  dataDir,
  log = proc.defaultLog,
  timeoutMs = 30000,
  logLevel = 'error',
  debugAddr = '-',
  backend = backendFromEnv(),
} = {}) {
  if (!BACKENDS.includes(backend)) throw new Error(`FerretDB backend ${backend}: expected one of ${BACKENDS.join(', ')}`);
  if (backend === 'postgresql') postgres.findPgBin(); // fail before a FerretDB build when PostgreSQL is missing
  dataDir = path.resolve(dataDir || path.join(runtimeDir(), 'ferretdb'));
  const pidFile = path.join(dataDir, 'ferretdb.pid');
  const logFile = path.join(dataDir, 'ferretdb.log');
  const describeFailure = () => `--- tail of ${logFile}\n${proc.tailFile(logFile, 30)}`;

  let existing = proc.ourLivePid(pidFile, markerFor(dataDir));
  if (existing) {
    const cmdline = proc.commandLine(existing);
    const m = /--listen-addr=127\.0\.0\.1:(\d+)/.exec(cmdline);
    if (m && Number(m[1]) !== port) {
      throw new Error(`FerretDB from ${dataDir} is already running (pid ${existing}) on port ${m[1]}, not ${port}: stop it first (down).`);
    }
    const running = (/--handler=(\w+)/.exec(cmdline) || [])[1];
    if (running && running !== backend) {
      throw new Error(
        `FerretDB from ${dataDir} is already running (pid ${existing}) with the ${running} backend, not ${backend} (FERRETDB_BACKEND): stop it first (down).`,
      );
    }
    if (backend === 'postgresql' && !postgres.runningPostgres(dataDir)) {
      // Its PostgreSQL is gone (killed?): start both again rather than hand out a FerretDB that cannot store.
      log(`FerretDB (pid ${existing}) runs without its PostgreSQL: restarting both`);
      await stopFerretDb(dataDir, { log });
      existing = null;
    }
  }
  if (existing) {
    await proc.waitUntilReady({ probe: () => mongoReady({ port }), timeoutMs, what: `FerretDB (pid ${existing}, already running)`, describeFailure });
    log(`FerretDB already running (pid ${existing}) on mongodb://127.0.0.1:${port}`);
    const pg = backend === 'postgresql' ? postgres.runningPostgres(dataDir) : null;
    return ferretHandle({ pid: existing, port, dataDir, pidFile, alreadyRunning: true, backend, pg });
  }
  if (await proc.portInUse(port)) {
    throw new Error(
      `Port ${port} (MongoDB wire protocol / FerretDB) on 127.0.0.1 is already in use by a process that is not ours ` +
        `(no live pid in ${pidFile}). Stop that process (a local mongod?) or pick another port (FERRETDB_PORT).`,
    );
  }

  const { version, binary } = await ensureFerretDb({ log });
  fs.mkdirSync(dataDir, { recursive: true });
  let pg = null;
  let handlerArgs;
  if (backend === 'postgresql') {
    // The PostgreSQL cluster lives in <dataDir>/postgres/; FerretDB keeps one schema per MongoDB database.
    pg = await postgres.startPostgres({ dataDir, log });
    handlerArgs = ['--handler=postgresql', `--postgresql-url=${pg.url}`];
  } else {
    const dbDir = path.join(dataDir, 'db');
    fs.mkdirSync(dbDir, { recursive: true });
    // SQLite URI of a directory: FerretDB keeps one <database>.sqlite file per MongoDB database there.
    const sqliteUrl = `file:${dbDir.split(path.sep).map(encodeURIComponent).join('/')}/`;
    handlerArgs = ['--handler=sqlite', `--sqlite-url=${sqliteUrl}`];
  }
  log(`starting FerretDB ${version} (${backend} backend) on mongodb://127.0.0.1:${port}, data in ${dataDir}`);
  const started = Date.now();
  const child = proc.spawnDaemon(
    binary,
    [
      ...handlerArgs,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dataDir}${path.sep}`, // state.json (instance uuid); also our ownership marker
      '--telemetry=disable',
      // No metrics/pprof HTTP listener unless asked for on a port of the caller's (the default, 8088, would
      // clash between two instances).
      `--debug-addr=${debugAddr}`,
      `--log-level=${logLevel}`,
    ],
    // FERRETDB_* variables are read as flag values by FerretDB: keep the command line authoritative.
    { cwd: dataDir, env: proc.childEnv(['FERRETDB_']), logFile, pidFile },
  );
  try {
    await proc.waitUntilReady({ child, probe: () => mongoReady({ port }), timeoutMs, what: `FerretDB (pid ${child.pid})`, describeFailure });
  } catch (err) {
    await stopFerretDb(dataDir);
    throw err;
  }
  log(`FerretDB ready on mongodb://127.0.0.1:${port} (pid ${child.pid}, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return ferretHandle({ pid: child.pid, port, dataDir, pidFile, alreadyRunning: false, backend, pg });
}

module.exports = { ensureFerretDb, startFerretDb, stopFerretDb, ferretDbVersion, requireGo, markerFor, backendFromEnv, BACKENDS, DEFAULT_BACKEND };
