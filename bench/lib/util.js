'use strict';
// Small helpers of the bench: options, percentiles, free ports, /proc readings.

const fs = require('node:fs');
const os = require('node:os');

const { freePort } = require('../../scripts/infra');

/** p50/p95/p99/max/mean of a list of numbers (nearest-rank percentiles). */
function summarize(values) {
  if (values.length === 0) return { n: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const sum = sorted.reduce((a, b) => a + b, 0); // Infinity when any is (a value that never came)
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

/** `/proc/<pid>/status` fields in kB (VmRSS, VmHWM), or null when the process is gone. */
function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by a process, or null when it is gone. */
function cpuSecondsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5), counted from 1)
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of `pid` and every process under it, plus its exited children (cutime + cstime):
 * for PostgreSQL, whose work is done by one backend process per connection under the postmaster.
 */
function cpuSecondsOfTree(pid) {
  const stats = new Map(); // pid -> [ppid, seconds of its own]
  let rootChildren = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[1] = ppid, [11] utime, [12] stime, [13] cutime, [14] cstime
      stats.set(Number(entry), [Number(fields[1]), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS]);
      if (Number(entry) === pid) rootChildren = (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
    } catch {
      /* exited meanwhile */
    }
  }
  if (!stats.has(pid)) return null;
  const inTree = new Set([pid]);
  let total = rootChildren;
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, [ppid]] of stats) {
      if (!inTree.has(p) && inTree.has(ppid)) {
        inTree.add(p);
        grew = true;
      }
    }
  }
  for (const p of inTree) total += stats.get(p)[1];
  return total;
}

/** The machine's load, as `uptime` says it. */
function load() {
  const [one, five, fifteen] = os.loadavg();
  return { one: round(one, 2), five: round(five, 2), fifteen: round(fifteen, 2), cores: os.cpus().length };
}

const loadText = (l) => `${l.one} / ${l.five} / ${l.fifteen} (${l.cores} cores)`;

const round = (x, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? null : x === Infinity ? 'never' : Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Options from flags (`--inputs 100000`, `--inputs=100000`, `--quick`) and BENCH_* variables
 * (BENCH_INPUTS=...); flags win. Unknown flags are an error, so a typo never runs the wrong bench.
 */
function parseOptions(argv, env, spec) {
  const values = {};
  for (const [name, def] of Object.entries(spec)) {
    const envName = `BENCH_${name.replace(/-/g, '_').toUpperCase()}`;
    if (env[envName] !== undefined && env[envName] !== '') values[name] = convert(name, env[envName], def);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--(no-)?([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[2] in spec))
      throw new Error(
        `unknown option ${arg}; options: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    const [, negated, name, inline] = m;
    const def = spec[name];
    if (def.type === 'boolean') {
      values[name] = negated ? false : inline === undefined ? true : convert(name, inline, def);
    } else {
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new Error(`--${name} needs a value`);
      values[name] = convert(name, raw, def);
    }
  }
  return values;
}

function convert(name, raw, def) {
  if (def.type === 'boolean') return raw === 'true' || raw === '1' || raw === 'yes';
  if (def.type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < (def.min ?? -Infinity))
      throw new Error(`--${name} must be a number${def.min !== undefined ? ` >= ${def.min}` : ''}, got ${raw}`);
    return n;
  }
  return String(raw);
}

module.exports = { freePort, summarize, memoryOf, cpuSecondsOf, cpuSecondsOfTree, load, loadText, round, parseOptions };
