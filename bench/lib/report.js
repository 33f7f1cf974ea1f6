'use strict';
// The bench's verdicts and its printed table / markdown report.

const TARGETS = {
  ratio: 0.5,
  autobookedP99Ms: 50,
  emailP99Ms: 250,
  rssMb: 250,
};

const fmt = (x, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x)
    ? '–'
    : x === 'never' || x === Infinity
      ? 'never'
      : Number(x).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const loadText = (l) => (l ? `${l.one}/${l.five}/${l.fifteen}` : '–');

/** PASS/FAIL per target; `n/a` when the part did not run or could not measure. */
function evaluateTargets(r) {
  const out = [];
  const add = (name, value, unit, pass, note = '') => out.push({ name, value, unit, verdict: pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL', note });
  const rp = r.replay;
  if (rp?.service && rp?.barePipe) {
    const ratio =
      rp.ratio ?? (rp.service.partialInputsPerSecond && rp.barePipe.inputsPerSecond ? rp.service.partialInputsPerSecond / rp.barePipe.inputsPerSecond : null);
    add(
      `replay throughput >= ${TARGETS.ratio} x bare pipe`,
      ratio === null ? null : Math.round(ratio * 1000) / 1000,
      'x',
      ratio === null ? null : !rp.service.timedOut && ratio >= TARGETS.ratio,
      rp.service.timedOut ? 'service timed out: ratio of its rate so far' : '',
    );
  } else {
    add(`replay throughput >= ${TARGETS.ratio} x bare pipe`, null, 'x', null, 'not measured');
  }
  const again = rp?.replayAgain;
  if (again) {
    add(
      'replay over the stored state >= 0.5 x the first pass',
      again.ratioToFirstPass,
      'x',
      again.ratioToFirstPass === null ? null : again.ratioToFirstPass >= 0.5,
    );
    add(
      'replay over the stored state writes nothing',
      again.writeCommands,
      'write commands',
      again.writeCommands === null ? null : again.writeCommands === 0 && again.documentsWritten === 0,
    );
  }
  for (const p of r.longLived?.perPair ?? []) {
    add(
      `long-lived pair < 1 MB stored, < 4 KB written per input: ${p.pair}`,
      p.storedBytes,
      'B',
      p.storedBytes < 1024 * 1024 && p.bytesPerInputLast50 < 4096 && p.bytesPerInputFirst50 < 4096,
    );
  }
  const lt = r.latency;
  const complete = lt && lt.autobooksDistinct >= lt.expectedAutobooks && lt.emailsMissing === 0;
  const p99a = lt?.completionToAutobookedMs?.p99 ?? null;
  add(
    `p99 completion -> session.autobooked < ${TARGETS.autobookedP99Ms} ms`,
    p99a,
    'ms',
    p99a === null ? null : p99a < TARGETS.autobookedP99Ms && lt.autobooksDistinct >= lt.expectedAutobooks,
    lt && lt.autobooksDistinct < lt.expectedAutobooks ? `${lt.expectedAutobooks - lt.autobooksDistinct} autobooks never seen` : '',
  );
  const p99e = lt?.completionToBothEmailsMs?.p99 ?? null;
  add(
    `p99 completion -> email accepted (both emails) < ${TARGETS.emailP99Ms} ms`,
    p99e,
    'ms',
    p99e === null ? null : p99e !== 'never' && p99e < TARGETS.emailP99Ms && complete,
    lt && lt.emailsMissing ? `${lt.emailsMissing} emails never accepted` : '',
  );
  const rss = [];
  if (rp?.service) rss.push(['ongoing-training (replay)', rp.service.peakRssMb]);
  if (lt) rss.push(['ongoing-training (steady)', lt.peakRssMb.service], ['notifier (steady)', lt.peakRssMb.notifier]);
  for (const [who, value] of rss) add(`peak RSS < ${TARGETS.rssMb} MB: ${who}`, value, 'MB', value === null ? null : value < TARGETS.rssMb);
  return out;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? String(cell ?? '').padEnd(widths[c]) : String(cell ?? '').padStart(widths[c]))).join('  ')).join('\n');
}

function dbLine(db) {
  if (!db) return 'not counted (--no-db-proxy)';
  return `${fmt(db.perUnit, 2)} round trips/${db.unit} (${fmt(db.opMsg)} OP_MSG), mean ${fmt(db.meanMs, 2)} ms each, ${fmt(db.meanInFlight, 1)} in flight on average`;
}

function commandsTable(db, limit = 8) {
  if (!db) return [];
  return table([
    ['  command', 'count', `per ${db.unit}`, 'mean ms', 'p50 ms', 'p99 ms', 'max ms', 'total s'],
    ...db.commands
      .slice(0, limit)
      .map((c) => [`  ${c.name}`, fmt(c.count), fmt(c.perUnit, 3), fmt(c.meanMs, 2), fmt(c.p50Ms, 2), fmt(c.p99Ms, 2), fmt(c.maxMs, 1), fmt(c.totalS, 1)]),
  ]).split('\n');
}

function cpuLine(cpu) {
  if (!cpu) return '–';
  const parts = Object.entries(cpu.coresBusy).map(([k, v]) => `${k} ${fmt(v, 2)}`);
  return `${parts.join(', ')} cores; whole machine ${cpu.machineBusy === null ? '–' : `${Math.round(cpu.machineBusy * 100)}%`} busy`;
}

function groupLine(g) {
  if (!g) return 'not known (broker not started here)';
  return `${g.generations} generation(s), ${g.heartbeatExpirations} member(s) removed on heartbeat expiration${g.firstExpiration ? ` (first at ${g.firstExpiration})` : ''}`;
}

function logLine(l) {
  if (!l) return '–';
  const levels = Object.entries(l.lines)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${levels || 'none'}${l.consumerTrouble ? `; ${l.consumerTrouble} about the consumer group (crash/rebalance/heartbeat)` : ''}`;
}

function renderTable(r) {
  const lines = [];
  lines.push(
    `Ongoing Training bench (${r.mode}) — ${r.startedAt}, commit ${r.git.commit ?? '?'}${r.git.changedFilesInAppsAndLibs ? ` + ${r.git.changedFilesInAppsAndLibs} uncommitted files in apps/libs` : ''}, node ${r.node}`,
  );
  if (r.git.diffSha1) lines.push(`uncommitted changes (diff ${r.git.diffSha1}): ${r.git.changedFiles.join(', ')}`);
  lines.push(
    `apps built at: ${Object.entries(r.builds.start)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}${r.replay?.service?.builtAt ? `; replay ran the ongoing-training build of ${r.replay.service.builtAt}` : ''}${r.latency?.builtAt ? `; latency ran ${r.latency.builtAt.service} / ${r.latency.builtAt.notifier}` : ''}`,
  );
  lines.push(`load (uptime 1/5/15 min, ${r.load.start.cores} cores): start ${loadText(r.load.start)}, end ${loadText(r.load.end)}`);
  if (r.infra)
    lines.push(`infra: Kafka ${r.infra.kafka}; MongoDB wire protocol ${r.infra.mongo}${r.infra.dbProxy ? '; apps -> counting proxy -> database' : ''}`);
  const rp = r.replay;
  if (rp) {
    lines.push('');
    lines.push(
      `1. Replay throughput: ${fmt(rp.inputs)} inputs (${fmt(rp.packages)} packages first, then ${fmt(rp.completions)} completions) over ${fmt(rp.pairs)} pairs, ${rp.partitions} partitions; ${fmt(rp.expectedAutobooks)} autobooks expected (${fmt(rp.exhaustingShare * 100, 1)}% of completions)`,
    );
    const rows = [['', 'wall s', 'inputs/s', 'steady 10-90% /s', 'to 10% s', 'peak RSS MB', 'load before', 'load after']];
    if (rp.barePipe)
      rows.push([
        'bare pipe',
        fmt(rp.barePipe.seconds, 1),
        fmt(rp.barePipe.inputsPerSecond),
        fmt(rp.barePipe.steadyInputsPerSecond),
        fmt(rp.barePipe.firstTenPercentS, 1),
        fmt(rp.barePipe.peakRssMb),
        loadText(rp.barePipe.load.before),
        loadText(rp.barePipe.load.after),
      ]);
    if (rp.service) {
      rows.push([
        'ongoing-training',
        `${fmt(rp.service.seconds, 1)}${rp.service.timedOut ? ' (timed out)' : ''}`,
        rp.service.timedOut ? `(${fmt(rp.service.partialInputsPerSecond)})` : fmt(rp.service.inputsPerSecond),
        fmt(rp.service.steadyInputsPerSecond),
        fmt(rp.service.firstTenPercentS, 1),
        fmt(rp.service.peakRssMb),
        loadText(rp.service.load.before),
        loadText(rp.service.load.after),
      ]);
    }
    lines.push(
      ...table(rows)
        .split('\n')
        .map((l) => `  ${l}`),
    );
    if (rp.ratio !== undefined || rp.steadyRatio !== undefined)
      lines.push(`  ratio service / bare pipe: ${fmt(rp.ratio, 3)} (wall), ${fmt(rp.steadyRatio, 3)} (steady 10-90%)`);
    else if (rp.service?.timedOut && rp.barePipe?.inputsPerSecond)
      lines.push(
        `  ratio service / bare pipe: ${fmt(rp.service.partialInputsPerSecond / rp.barePipe.inputsPerSecond, 4)} (the service's rate until it was given up on)`,
      );
    if (rp.service) {
      const committedText = rp.service.timedOut
        ? `given up after ${fmt(rp.service.seconds, 0)} s (--timeout) with ${fmt(rp.service.committed)} of ${fmt(rp.inputs)} inputs committed`
        : `all inputs committed after ${fmt(rp.service.appliedSeconds, 1)} s`;
      lines.push(
        `  autobooks: ${fmt(rp.service.autobooksDistinct)} distinct of ${fmt(rp.expectedAutobooks)} expected, ${fmt(rp.service.autobookMessages)} messages; ${committedText}`,
      );
      lines.push(`  database: ${dbLine(rp.service.db)}`);
      const rate = rp.service.inputsPerSecond ?? rp.service.partialInputsPerSecond;
      if (rp.service.db && rate) {
        const dbMsPerInput = (rp.service.db.dbTimeS * 1000) / Math.max(1, rp.service.committed);
        lines.push(
          `  where the time goes: ${fmt(dbMsPerInput, 1)} ms of database answer time per input / ${fmt(rp.service.db.meanInFlight, 1)} in flight = ${fmt(dbMsPerInput / (rp.service.db.meanInFlight || 1), 1)} ms wall per input; measured ${fmt(1000 / rate, 1)} ms per input`,
        );
      }
      const w = rp.service.windows ?? [];
      if (w.length > 1) {
        const show = (x) =>
          `${x.fromS}-${x.toS} s: ${fmt(x.inputsPerSecond, 1)} inputs/s, ${Object.entries(x.db)
            .filter(([n]) => ['find', 'insert', 'update'].includes(n))
            .map(([n, c]) => `${n} ${fmt(c.meanMs, 1)} ms`)
            .join(', ')}`;
        lines.push(`  first window ${show(w[0])}`);
        lines.push(`  last window  ${show(w[w.length - 1])}`);
      }
      if (rp.service.documents)
        lines.push(
          `  documents at the end: ${Object.entries(rp.service.documents)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')}`,
        );
      lines.push(...commandsTable(rp.service.db).map((l) => `  ${l}`));
      lines.push(`  CPU during the service run: ${cpuLine(rp.service.cpu)}`);
      lines.push(`  consumer group: ${groupLine(rp.service.group)}; app log lines ${logLine(rp.service.logs)}`);
      lines.push(...profileLines(rp.service.profile).map((l) => `  ${l}`));
    }
    const again = rp.replayAgain;
    if (again) {
      lines.push(
        `  replay over the stored state (restarted service, new group, from the first offset): ${fmt(again.seconds, 1)} s, ${fmt(again.inputsPerSecond)} inputs/s (steady ${fmt(again.steadyInputsPerSecond)}), ${fmt(again.ratioToFirstPass, 3)} of the first pass; peak RSS ${fmt(again.peakRssMb)} MB`,
      );
      lines.push(
        `    written: ${fmt(again.writeCommands)} write commands, ${fmt(again.documentsWritten)} documents, ${fmt(again.bytesWritten)} bytes of data; ${fmt(again.autobookMessages)} autobook messages; database: ${dbLine(again.db)}`,
      );
      if (again.documents)
        lines.push(
          `    documents: ${Object.entries(again.documents)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')}; data size ${fmt(again.dataSize)} bytes`,
        );
    }
    if (rp.barePipe) {
      lines.push(`  CPU during the bare pipe: ${cpuLine(rp.barePipe.cpu)}; ${fmt(rp.barePipe.outputMessages)} messages out`);
      const st = rp.barePipe.settings;
      if (st)
        lines.push(
          `  bare pipe settings from ${st.source}: sessionTimeout ${st.consumer.sessionTimeout}, maxWaitTimeInMs ${st.consumer.maxWaitTimeInMs}, autoCommit ${st.run.autoCommitInterval} ms / ${st.run.autoCommitThreshold}, partitionsConsumedConcurrently ${st.run.partitionsConsumedConcurrently ?? 1}, chunk ${st.chunkSize}`,
        );
    }
  }
  const ll = r.longLived;
  if (ll) {
    lines.push('');
    lines.push(
      `1b. Long-lived pairs: ${ll.pairs} pairs x 10 years of weekly inputs (${fmt(ll.packages)} packages, ${fmt(ll.completions)} completions in all), applied in ${fmt(ll.seconds, 1)} s; peak RSS ${fmt(ll.peakRssMb)} MB`,
    );
    const rows = [['  pair', 'changes', 'entries', 'autobooks', 'stored B', 'B/input first 50', 'B/input last 50', 'largest change B']];
    for (const p of ll.perPair)
      rows.push([
        `  ${p.pair}`,
        fmt(p.changes),
        fmt(p.entries),
        fmt(p.autobooks),
        fmt(p.storedBytes),
        fmt(p.bytesPerInputFirst50),
        fmt(p.bytesPerInputLast50),
        fmt(p.largestChangeBytes),
      ]);
    lines.push(...table(rows).split('\n'));
  }
  const lt = r.latency;
  if (lt) {
    lines.push('');
    lines.push(
      `2. End-to-end latency: ${fmt(lt.rate)} inputs/s (achieved ${fmt(lt.achievedRate, 1)}), ${lt.warmupSeconds} s warm-up + ${lt.seconds} s measured; ${fmt(lt.inputs)} inputs, ${fmt(lt.measuredAutobooks)} measured autobooks`,
    );
    const rows = [["from the completion's produce call to", 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
    for (const [name, s] of [
      ['session.autobooked seen on the topic', lt.completionToAutobookedMs],
      ['email accepted by SMTP (each email)', lt.completionToEmailMs],
      ['both emails accepted', lt.completionToBothEmailsMs],
    ]) {
      rows.push([name, fmt(s.n), fmt(s.p50, 1), fmt(s.p95, 1), fmt(s.p99, 1), fmt(s.max, 1)]);
    }
    lines.push(
      ...table(rows)
        .split('\n')
        .map((l) => `  ${l}`),
    );
    lines.push(
      `  autobooks ${fmt(lt.autobooksDistinct)}/${fmt(lt.expectedAutobooks)} expected (triggers: ${
        Object.entries(lt.autobooksByTrigger)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '–'
      }), ` +
        `emails ${fmt(lt.emailsAccepted)}/${fmt(lt.expectedEmails)} (missing ${lt.emailsMissing}, duplicates ${lt.emailDuplicates}, Message-ID mismatches ${lt.messageIdMismatches}; ${fmt(lt.otherEmails ?? 0)} heads-up emails besides)`,
    );
    lines.push(
      `  peak RSS: ongoing-training ${fmt(lt.peakRssMb.service)} MB, notifier ${fmt(lt.peakRssMb.notifier)} MB; load ${loadText(lt.load.before)} -> ${loadText(lt.load.after)}`,
    );
    lines.push(`  database, service: ${dbLine(lt.db.service)}`);
    lines.push(`  database, notifier: ${dbLine(lt.db.notifier)}`);
    lines.push(`  CPU: ${cpuLine(lt.cpu)}; bench event loop delay p99 ${fmt(lt.benchEventLoopDelayMs.p99, 1)} ms`);
    if (lt.group) lines.push(`  consumer groups: service ${groupLine(lt.group.service)}; notifier ${groupLine(lt.group.notifier)}`);
    if (lt.logs) lines.push(`  app log lines: service ${logLine(lt.logs.service)}; notifier ${logLine(lt.logs.notifier)}`);
  }
  lines.push('');
  lines.push('Targets (reported, not enforced)');
  lines.push(
    ...table(
      r.targets.map((t) => [
        `  ${t.name}`,
        t.value === null ? '–' : t.value === 'never' ? 'never' : `${fmt(t.value, t.unit === 'x' ? 3 : t.unit === 'ms' ? 1 : 0)} ${t.unit}`,
        t.verdict,
        t.note,
      ]),
    ).split('\n'),
  );
  const problems = [
    ['ongoing-training (replay)', r.replay?.service?.logs],
    ['ongoing-training (steady)', r.latency?.logs?.service],
    ['notifier (steady)', r.latency?.logs?.notifier],
  ].filter(([, l]) => l?.lastProblems?.length);
  if (problems.length) {
    lines.push('');
    lines.push('Last warnings/errors logged by the apps');
    for (const [who, l] of problems) for (const p of l.lastProblems.slice(-3)) lines.push(`  ${who}: ${p.slice(0, 300)}`);
  }
  if (r.warnings?.length) {
    lines.push('');
    lines.push('Warnings');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  if (r.errors.length) {
    lines.push('');
    lines.push('Errors');
    for (const e of r.errors) lines.push(`  ${e.split('\n').slice(0, 6).join('\n  ')}`);
  }
  return lines.join('\n');
}

/** The replay's profiles in two lines (the markdown has them whole). */
function profileLines(profile) {
  if (!profile) return [];
  const lines = [];
  const s = profile.service;
  if (s?.error) lines.push(`profile, service: ${s.error}`);
  else if (s)
    lines.push(
      `profile, service (${fmt(s.seconds, 1)} s sampled): ${s.byPlace
        .slice(0, 6)
        .map((p) => `${p.name} ${fmt(p.percent, 0)}%`)
        .join(', ')}`,
    );
  const f = profile.ferretdb;
  if (f?.error) lines.push(`profile, FerretDB: ${f.error}`);
  else if (f)
    lines.push(
      `profile, FerretDB (${fmt(f.durationS, 0)} s from the service start, ${fmt(f.cores, 2)} cores): ${Object.entries(f.shares)
        .map(([k, v]) => `${k} ${fmt(v, 0)}%`)
        .join(', ')}`,
    );
  return lines;
}

function profileMarkdown(profile) {
  const md = [];
  const s = profile?.service;
  if (s && !s.error) {
    md.push(
      '',
      '## Profile of the service during the replay (node --cpu-prof, self time)',
      '',
      `File: \`${s.file}\` (open in Chrome DevTools). ${fmt(s.seconds, 1)} s sampled, the process's whole life.`,
      '',
    );
    md.push('| where | s | % |', '|---|---:|---:|');
    for (const p of s.byPlace) md.push(`| ${p.name} | ${p.seconds} | ${p.percent} |`);
    md.push('', '| function | s | % |', '|---|---:|---:|');
    for (const p of s.topFunctions) md.push(`| \`${p.name}\` | ${p.seconds} | ${p.percent} |`);
  }
  const f = profile?.ferretdb;
  if (f && !f.error) {
    md.push(
      '',
      '## Profile of FerretDB during the replay (Go pprof, cumulative share of its CPU time)',
      '',
      `File: \`${f.file}\` (\`go tool pprof -top ${f.binary} ${f.file}\`). ${fmt(f.durationS, 0)} s sampled from the service start, ${fmt(f.cores, 2)} cores busy on average.`,
      '',
    );
    md.push('| part | % of FerretDB CPU |', '|---|---:|');
    for (const [k, v] of Object.entries(f.shares)) md.push(`| ${k} | ${v} |`);
    md.push('', '| function (cumulative) | % |', '|---|---:|');
    for (const r of f.topCumulative) md.push(`| \`${r.name}\` | ${r.cumPercent} |`);
  }
  return md;
}

function renderMarkdown(r, text) {
  const md = [];
  md.push(`# Ongoing Training bench (${r.mode}), ${r.startedAt}`);
  md.push('');
  md.push('```text');
  md.push(text);
  md.push('```');
  md.push('');
  md.push('## Targets');
  md.push('');
  md.push('| target | measured | verdict | note |');
  md.push('|---|---:|---|---|');
  for (const t of r.targets)
    md.push(`| ${t.name} | ${t.value === null ? '–' : t.value === 'never' ? 'never' : `${t.value} ${t.unit}`} | ${t.verdict} | ${t.note} |`);
  for (const [title, db] of [
    ['Database commands, replay (ongoing-training)', r.replay?.service?.db],
    ['Database commands, steady load (ongoing-training)', r.latency?.db?.service],
    ['Database commands, steady load (notifier)', r.latency?.db?.notifier],
  ]) {
    if (!db) continue;
    md.push('');
    md.push(`## ${title}`);
    md.push('');
    md.push(
      `${db.opMsg} OP_MSG requests for ${db.units} ${db.unit}s: ${db.perUnit} per ${db.unit}; mean ${db.meanMs} ms; ${db.meanInFlight} in flight on average over ${db.windowS} s; ${db.connections} connections.`,
    );
    md.push('');
    md.push(`| command | count | per ${db.unit} | mean ms | p50 ms | p99 ms | max ms | total s |`);
    md.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of db.commands) md.push(`| ${c.name} | ${c.count} | ${c.perUnit} | ${c.meanMs} | ${c.p50Ms} | ${c.p99Ms} | ${c.maxMs} | ${c.totalS} |`);
  }
  const w = r.replay?.service?.windows ?? [];
  if (w.length) {
    const names = [...new Set(w.flatMap((x) => Object.keys(x.db)))].filter((n) => !/hello|handshake|ping/i.test(n));
    md.push('');
    md.push('## Replay over time (ongoing-training): progress and mean database answer time per window');
    md.push('');
    md.push(`| window s | committed | inputs/s | autobooks | ${names.map((n) => `${n} n / mean ms`).join(' | ')} |`);
    md.push(`|---|---:|---:|---:|${names.map(() => '---:').join('|')}|`);
    for (const x of w)
      md.push(
        `| ${x.fromS}-${x.toS} | ${x.committed} | ${x.inputsPerSecond} | ${x.autobooks} | ${names.map((n) => (x.db[n] ? `${x.db[n].count} / ${x.db[n].meanMs}` : '')).join(' | ')} |`,
      );
  }
  md.push(...profileMarkdown(r.replay?.service?.profile));
  md.push('');
  md.push('Options: `' + JSON.stringify(r.options) + '`');
  md.push('');
  return `${md.join('\n')}\n`;
}

module.exports = { TARGETS, evaluateTargets, renderTable, renderMarkdown };
