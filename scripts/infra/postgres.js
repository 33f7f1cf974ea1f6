'use strict';
// PostgreSQL for FerretDB's postgresql backend (FERRETDB_BACKEND=postgresql): a private cluster in
// `<ferretdb dataDir>/postgres/`, made with the machine's own initdb and run detached like the other
// servers (pid file, log file, stopped only by pid). Nothing is downloaded: PostgreSQL's server
// binaries must be installed (Debian: apt-get install postgresql).

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFile } = require('node:child_process');

const proc = require('./lib/proc');

/** The programs used, all from one PostgreSQL bin folder. */
const TOOLS = ['initdb', 'postgres', 'pg_isready', 'createdb'];
/** Superuser made by initdb (trust auth, loopback only) and the database FerretDB uses. */
const SUPERUSER = 'ferretdb';
const DATABASE = 'ferretdb';
/** Account that runs the server when we are root: PostgreSQL refuses to run as root. */
const ROOT_RUNS_AS = 'postgres';

const INSTALL_HINT =
  'FERRETDB_BACKEND=postgresql needs the PostgreSQL server programs initdb, postgres, pg_isready and createdb ' +
  '(Debian/Ubuntu: apt-get install postgresql; they land in /usr/lib/postgresql/<major>/bin), or FERRETDB_POSTGRES_BIN set to the folder holding them. ' +
  'Unset FERRETDB_BACKEND (or set it to sqlite) to use FerretDB with SQLite instead.';

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The folder holding all of TOOLS: FERRETDB_POSTGRES_BIN, else the folder of `postgres`/`initdb`/
 * `pg_ctl` found on PATH (symlinks resolved: Debian puts only some of them on PATH), else the newest
 * /usr/lib/postgresql/<major>/bin. Throws INSTALL_HINT when there is none.
 */
function findPgBin() {
  const complete = (dir) => TOOLS.every((t) => isExecutable(path.join(dir, t)));
  const given = process.env.FERRETDB_POSTGRES_BIN;
  if (given) {
    if (complete(given)) return path.resolve(given);
    throw new Error(`FERRETDB_POSTGRES_BIN=${given} does not hold ${TOOLS.join(', ')}.\n${INSTALL_HINT}`);
  }
  const candidates = [];
  for (const dir of (process.env.PATH || '').split(path.delimiter).filter(Boolean)) {
    for (const tool of ['postgres', 'initdb', 'pg_ctl']) {
      const file = path.join(dir, tool);
      if (isExecutable(file)) candidates.push(dir, path.dirname(fs.realpathSync(file)));
    }
  }
  try {
    const majors = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of majors) candidates.push(path.join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    /* no Debian-style install */
  }
  const found = candidates.find(complete);
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

/** { uid, gid, name } of the account that runs the server when we are root; null when we are not root. */
function serverAccount() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const id = (flag) => spawnSync('id', [flag, ROOT_RUNS_AS], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) {
    throw new Error(
      `FERRETDB_BACKEND=postgresql: PostgreSQL refuses to run as root, and there is no "${ROOT_RUNS_AS}" account to run it as ` +
        `(Debian's postgresql package creates one). Run as another user, or create the account.`,
    );
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), name: ROOT_RUNS_AS };
}

/**
 * As root, the server's account must reach its folder. The FerretDB data dir and its parent (the
 * bench's and the jest setup's mkdtemp folders are 0700) get the search bit for others (o+x: no
 * listing); any other folder on the way that the account cannot enter is an error naming it.
 */
function makeReachable(pgRoot, dataDir, account, log) {
  const mayChmod = new Set([dataDir, path.dirname(dataDir)]);
  for (let dir = path.dirname(pgRoot); ; dir = path.dirname(dir)) {
    const st = fs.statSync(dir);
    const canEnter = st.uid === account.uid ? st.mode & 0o100 : st.gid === account.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!canEnter) {
      if (!mayChmod.has(dir)) {
        throw new Error(
          `FERRETDB_BACKEND=postgresql: ${dir} cannot be entered by the "${account.name}" account that runs PostgreSQL (we are root): put the data dir elsewhere or chmod o+x ${dir}.`,
        );
      }
      fs.chmodSync(dir, (st.mode & 0o7777) | 0o001);
      log(`chmod o+x ${dir} (PostgreSQL runs as ${account.name})`);
    }
    if (path.dirname(dir) === dir) break;
  }
}

const pathsFor = (dataDir) => {
  const root = path.join(dataDir, 'postgres');
  return {
    root,
    data: path.join(root, 'data'),
    socketDir: path.join(root, 'run'),
    pidFile: path.join(dataDir, 'postgres.pid'),
    logFile: path.join(dataDir, 'postgres.log'),
  };
};

/** The server's command line contains `<dataDir>/postgres/data/` (its -D): the ownership marker. */
const markerFor = (dataDir) => `${pathsFor(dataDir).data}${path.sep}`;

const urlFor = (port) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`;

function run(file, args, opts) {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 10000, ...opts }, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
  });
}

/** True once the server accepts connections (pg_isready over TCP). */
async function pgReady(bin, port) {
  const r = await run(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, '-d', 'postgres', '-t', '3'], {
    env: proc.childEnv(['PG']),
  });
  return !r.error;
}

function pgHandle({ pid, port, dataDir, alreadyRunning }) {
  const p = pathsFor(dataDir);
  return {
    name: 'postgres',
    pid,
    port,
    url: urlFor(port),
    dataDir: p.data,
    pidFile: p.pidFile,
    logFile: p.logFile,
    alreadyRunning,
    stop: (opts = {}) => stopPostgres(dataDir, opts),
  };
}

/** The running server of this FerretDB data dir (ours, alive) as a handle, or null. */
function runningPostgres(dataDir) {
  const p = pathsFor(dataDir);
  const pid = proc.ourLivePid(p.pidFile, markerFor(dataDir));
  if (!pid) return null;
  const m = / -p (\d+) /.exec(` ${proc.commandLine(pid)} `);
  return m ? pgHandle({ pid, port: Number(m[1]), dataDir, alreadyRunning: true }) : null;
}

/**
 * Starts (or finds running) the PostgreSQL of FerretDB data dir `dataDir` on a free loopback port:
 * initdb on first use (trust auth, superuser `ferretdb`), the server detached with its pid in
 * `<dataDir>/postgres.pid` and its output in `<dataDir>/postgres.log`, then database `ferretdb`.
 * Resolves to { pid, port, url, dataDir, pidFile, logFile, alreadyRunning, stop(opts) } once it
 * accepts connections.
 */
async function startPostgres({ dataDir, log = proc.defaultLog, timeoutMs = 60000 } = {}) {
  const bin = findPgBin();
  const account = serverAccount();
  const p = pathsFor(dataDir);
  const marker = markerFor(dataDir);
  const describeFailure = () => `--- tail of ${p.logFile}\n${proc.tailFile(p.logFile, 30)}`;
  const env = proc.childEnv(['PG', 'LC_', 'LANG']); // PGDATA/PGPORT/... and the locale would change the cluster
  const as = account ? { uid: account.uid, gid: account.gid } : {};

  let pg = runningPostgres(dataDir);
  if (pg) {
    await proc.waitUntilReady({ probe: () => pgReady(bin, pg.port), timeoutMs, what: `PostgreSQL (pid ${pg.pid}, already running)`, describeFailure });
    log(`PostgreSQL already running (pid ${pg.pid}) on 127.0.0.1:${pg.port}`);
  } else {
    fs.mkdirSync(p.root, { recursive: true });
    if (account) {
      makeReachable(p.root, dataDir, account, log);
      fs.chownSync(p.root, account.uid, account.gid);
    }
    if (!fs.existsSync(path.join(p.data, 'PG_VERSION'))) {
      fs.rmSync(p.data, { recursive: true, force: true }); // an interrupted initdb
      log(`initdb ${p.data} (${path.join(bin, 'initdb')}${account ? `, as ${account.name}` : ''})`);
      const r = spawnSync(path.join(bin, 'initdb'), ['-D', p.data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C'], {
        cwd: p.root,
        env,
        encoding: 'utf8',
        ...as,
      });
      fs.appendFileSync(p.logFile, `===== ${new Date().toISOString()} initdb\n${r.stdout || ''}${r.stderr || ''}`);
      if (r.error || r.status !== 0) {
        throw new Error(`initdb ${p.data} failed (${r.error ? r.error.message : `exit code ${r.status}`}).\n${describeFailure()}`);
      }
    }
    fs.mkdirSync(p.socketDir, { recursive: true });
    if (account) fs.chownSync(p.socketDir, account.uid, account.gid);
    const port = await proc.freePort();
    // A unix socket path is limited to 107 bytes: without room for one, TCP only.
    const socketDirs = Buffer.byteLength(path.join(p.socketDir, `.s.PGSQL.${port}.lock`)) < 100 ? p.socketDir : '';
    const started = Date.now();
    const child = proc.spawnDaemon(
      path.join(bin, 'postgres'),
      ['-D', `${p.data}${path.sep}`, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDirs}`],
      { cwd: p.root, env, logFile: p.logFile, pidFile: p.pidFile, ...as },
    );
    try {
      await proc.waitUntilReady({ child, probe: () => pgReady(bin, port), timeoutMs, what: `PostgreSQL (pid ${child.pid})`, describeFailure });
    } catch (err) {
      await proc.stopPid(p.pidFile, { marker });
      throw err;
    }
    log(`PostgreSQL ready on 127.0.0.1:${port} (pid ${child.pid}, ${((Date.now() - started) / 1000).toFixed(1)}s), data in ${p.data}`);
    pg = pgHandle({ pid: child.pid, port, dataDir, alreadyRunning: false });
  }

  const c = await run(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(pg.port), '-U', SUPERUSER, DATABASE], { env: proc.childEnv(['PG']) });
  if (c.error && !/already exists/.test(c.stderr)) {
    if (!pg.alreadyRunning) await stopPostgres(dataDir);
    throw new Error(`createdb ${DATABASE} on 127.0.0.1:${pg.port} failed: ${(c.stderr || c.error.message).trim()}`);
  }
  return pg;
}

/**
 * Stops the PostgreSQL of FerretDB data dir `dataDir` (SIGTERM: smart shutdown, which is quick once
 * FerretDB, its only client, is gone; SIGKILL after `graceMs`). Resolves to the pid, or null.
 */
function stopPostgres(dataDir, { graceMs = 20000, log } = {}) {
  return proc.stopPid(pathsFor(dataDir).pidFile, { marker: markerFor(dataDir), graceMs, log });
}

module.exports = { startPostgres, stopPostgres, runningPostgres, findPgBin, pgReady, markerFor, pathsFor, urlFor, INSTALL_HINT };
