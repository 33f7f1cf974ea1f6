'use strict';
// Process plumbing shared by the Kafka and FerretDB launchers: tool checks, build commands with
// progress, detached daemons with pid files, and careful stopping (only our own pids).

const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');

// Colour codes of a terminal (ESC [ ... m), which a log tail does not need.
// eslint-disable-next-line no-control-regex
const ANSI_COLOURS = /\x1b\[[0-9;]*m/g;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Default logger: one prefixed line per message, on stdout (the CLI's output). */
function defaultLog(msg) {
  process.stdout.write(`[infra] ${msg}\n`);
}

/**
 * Runs `cmd --version`-style probe; returns its combined output, or throws `message` when the
 * command is not on PATH (ENOENT) so the user learns what to install instead of a bare spawn error.
 */
function requireTool(cmd, args, message) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') throw new Error(message);
  if (r.error) throw new Error(`${message}\n(${cmd} failed: ${r.error.message})`);
  return `${r.stdout || ''}${r.stderr || ''}`;
}

/**
 * Runs a (possibly long) build command, streaming its output lines through `log` and printing a
 * heartbeat every 15 s when it is quiet, so a cold download never looks hung.
 * Rejects with the tail of the output when the command fails.
 */
function runWithProgress(cmd, args, { cwd, env, log = defaultLog, label }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tail = [];
    let lastOutput = Date.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (buf) => {
      // Maven prints colour resets even in batch mode: strip ANSI codes, drop empty lines.
      for (const line of buf.toString().replace(ANSI_COLOURS, '').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 60) tail.shift();
        log(`  ${line}`);
        lastOutput = Date.now();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      if (Date.now() - lastOutput >= 14000) {
        log(`  … still ${label} (${Math.round((Date.now() - started) / 1000)}s)`);
        lastOutput = Date.now();
      }
    }, 15000);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) return resolve({ seconds: (Date.now() - started) / 1000 });
      reject(new Error(`${label} failed: \`${cmd} ${args.join(' ')}\` exited with ${code ?? signal}\n${tail.join('\n')}`));
    });
  });
}

/** Last `lines` lines of a text file ('' when missing): used in startup-failure errors. */
function tailFile(file, lines = 40) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

/** Reads a pid file; null when absent or garbage. */
function readPid(pidFile) {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * True when `pid` exists and is not a zombie. The zombie check matters when the process that
 * started a daemon (e.g. a jest globalSetup) also stops it: until Node reaps the exited child,
 * kill(pid, 0) still succeeds.
 */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM'; // exists but not ours to signal
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** Command line of a process as one string ('' if unknown). /proc on Linux, `ps` elsewhere. */
function commandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  }
}

/**
 * The pid named by `pidFile` if that process is alive AND still ours: its command line contains
 * `marker` (the data dir). Guards against pid reuse after a reboot or a crash. Stale pid files
 * are removed.
 */
function ourLivePid(pidFile, marker) {
  const pid = readPid(pidFile);
  if (!pid) return null;
  if (isAlive(pid) && commandLine(pid).includes(marker)) return pid;
  fs.rmSync(pidFile, { force: true });
  return null;
}

/**
 * Stops the process named by `pidFile`: SIGTERM, up to `graceMs` for a clean shutdown, then
 * SIGKILL. Only signals a pid whose command line contains `marker` (default: the pid file's
 * folder plus a trailing separator: our daemons get their data dir on the command line as
 * `<dataDir>/server.properties` or `--state-dir=<dataDir>/`). Removes the pid file.
 * Resolves to the pid stopped, or null when nothing of ours was running.
 */
async function stopPid(pidFile, { marker = path.dirname(path.resolve(pidFile)) + path.sep, graceMs = 20000, log } = {}) {
  const pid = ourLivePid(pidFile, marker);
  if (!pid) {
    fs.rmSync(pidFile, { force: true });
    return null;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    if (log) log(`pid ${pid} ignored SIGTERM for ${graceMs / 1000}s: sending SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited in between */
    }
    while (isAlive(pid)) await sleep(50);
  }
  fs.rmSync(pidFile, { force: true });
  return pid;
}

/**
 * Starts `cmd` detached from this process (own session, stdio to `logFile`, unref'd) so it
 * outlives the CLI or the jest worker that started it, and records its pid in `pidFile`.
 * Returns the ChildProcess, whose 'exit' event still tells us about an early crash.
 */
function spawnDaemon(cmd, args, { cwd, env, logFile, pidFile, uid, gid }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n===== ${new Date().toISOString()} starting: ${cmd} ${args.join(' ')}\n`);
  // uid/gid: run as another account (PostgreSQL, when we are root); the log file stays ours.
  const as = uid === undefined ? {} : { uid, gid };
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', out, out], ...as });
  fs.closeSync(out);
  child.exited = null;
  child.on('exit', (code, signal) => {
    child.exited = { code, signal };
  });
  child.on('error', (err) => {
    child.exited = { error: err };
  });
  child.unref();
  if (child.pid) fs.writeFileSync(pidFile, `${child.pid}\n`);
  return child;
}

/**
 * Polls `probe()` until it resolves true, the child exits, or `timeoutMs` passes.
 * `describeFailure()` supplies the log tails for the error message.
 */
async function waitUntilReady({ child, probe, timeoutMs, what, describeFailure }) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  for (;;) {
    if (child && child.exited) {
      const how = child.exited.error ? child.exited.error.message : `exit code ${child.exited.code ?? child.exited.signal}`;
      throw new Error(`${what} died during startup (${how}).\n${describeFailure()}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what} did not answer within ${timeoutMs / 1000}s` + `${lastError ? ` (last probe error: ${lastError.message})` : ''}.\n${describeFailure()}`,
      );
    }
    await sleep(250);
  }
}

/** Resolves true when nothing can be bound to 127.0.0.1:port right now (someone listens there). */
function portInUse(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(false)));
  });
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for children: ours, minus variables that would silently change their config. */
function childEnv(dropPrefixes, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!dropPrefixes.some((p) => k.startsWith(p))) env[k] = v;
  }
  return { ...env, ...extra };
}

module.exports = {
  sleep,
  defaultLog,
  requireTool,
  runWithProgress,
  tailFile,
  readPid,
  isAlive,
  commandLine,
  ourLivePid,
  stopPid,
  spawnDaemon,
  waitUntilReady,
  portInUse,
  freePort,
  childEnv,
};
