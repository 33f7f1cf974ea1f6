'use strict';
// `--profile`: where the replay's time goes. The service runs with node's --cpu-prof (a V8 sampling
// profile written when it exits); FerretDB, when the bench started it, serves Go's pprof on a debug
// address and is sampled for a fixed time while the service applies the replay. Both are summarized
// into the report; the raw files stay in .artifacts/bench/profiles/ for `go tool pprof` or Chrome's
// DevTools.

const { execFile } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

/** Node flags that make an app write its CPU profile to `dir` when it exits. */
function nodeProfileArgs(dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`, '--cpu-prof-interval=500'];
}

/** Samples FerretDB's CPU for `seconds` through its pprof endpoint; resolves to the file written. */
function sampleGoProfile(debugAddr, seconds, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return new Promise((resolve, reject) => {
    const request = http.get(`http://${debugAddr}/debug/pprof/profile?seconds=${seconds}`, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`pprof answered ${response.statusCode}`));
        return;
      }
      const out = fs.createWriteStream(file);
      response.pipe(out);
      out.on('finish', () => resolve(file));
      out.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout((seconds + 30) * 1000, () => request.destroy(new Error('pprof did not answer in time')));
  });
}

/**
 * FerretDB's profile in a few lines: `go tool pprof -top` (symbolized with the binary that ran), the
 * functions with the largest cumulative share, and the share of a few places that say what bounds it.
 */
async function summarizeGoProfile(binary, file) {
  const top = await new Promise((resolve, reject) =>
    execFile('go', ['tool', 'pprof', '-top', '-cum', '-nodecount=400', binary, file], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
  const rows = [];
  let sampledS = null;
  let durationS = null;
  for (const line of top.split('\n')) {
    const header = /Duration: ([\d.]+)s, Total samples = ([\d.]+)(m?s)/.exec(line);
    if (header) {
      durationS = Number(header[1]);
      sampledS = Number(header[2]) / (header[3] === 'ms' ? 1000 : 1);
    }
    // flat, flat%, sum%, cum, cum%, name (a zero time has no unit)
    const m = /^\s*[\d.]+(?:m?s)?\s+[\d.]+%\s+[\d.]+%\s+[\d.]+(?:m?s)?\s+([\d.]+)%\s+(.+)$/.exec(line);
    if (m) rows.push({ cumPercent: Number(m[1]), name: m[2].trim() });
  }
  const share = (pattern) => Math.max(0, ...rows.filter((r) => pattern.test(r.name)).map((r) => r.cumPercent));
  return {
    durationS,
    cores: durationS ? Math.round((sampledS / durationS) * 100) / 100 : null,
    shares: {
      'insert command (handler.MsgInsert)': share(/handler\.\(\*Handler\)\.MsgInsert$/),
      'other commands': Math.max(0, share(/clientconn\.\(\*conn\)\.route$/) - share(/handler\.\(\*Handler\)\.MsgInsert$/)),
      'SQLite statements (sqlite3_step)': share(/lib\.Xsqlite3_step$/),
      'transaction commits': share(/fsql\.\(\*Tx\)\.Commit$/),
      'system calls (writes to the database files)': share(/syscall\.Syscall6$/),
      'garbage collection': share(/runtime\.gcBgMarkWorker$/),
    },
    topCumulative: rows.filter((r) => !/^runtime\.(goexit|main)|acceptLoop|\(\*conn\)\.run$/.test(r.name)).slice(0, 12),
  };
}

/** Where a node process spent its time, by package (from the V8 profile's self times). */
function summarizeNodeProfile(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byPlace = new Map();
  const byFunction = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const place = placeOf(functionName, url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    totalUs += us;
  }
  const list = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, seconds: Math.round(us / 1e4) / 100, percent: Math.round((us / totalUs) * 1000) / 10 }));
  return { seconds: Math.round(totalUs / 1e4) / 100, byPlace: list(byPlace, 12), topFunctions: list(byFunction, 12) };
}

function placeOf(functionName, url) {
  if (functionName === '(idle)') return 'idle (waiting for Kafka or the database)';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 itself (compiling, runtime)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'the app (dist/)';
  if (url.startsWith('node:') || !url) return 'node internals';
  return 'other';
}

function shortUrl(url) {
  return url
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/')
    .replace(/^file:\/\//, '');
}

module.exports = { nodeProfileArgs, sampleGoProfile, summarizeGoProfile, summarizeNodeProfile };
