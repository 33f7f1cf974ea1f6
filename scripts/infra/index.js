'use strict';
// Local infrastructure for development and tests: Apache Kafka (KRaft) and FerretDB (MongoDB wire
// protocol on SQLite, or on a PostgreSQL of its own with FERRETDB_BACKEND=postgresql), fetched/built
// into a per-machine cache and run as detached processes.
// Plain CommonJS + Node stdlib so it runs before `npm ci` and from a jest globalSetup alike.
//
//   const infra = require('./scripts/infra');
//   await infra.up();                       // dev set on the default ports, idempotent
//   const k = await infra.startKafka({ port: 29092, controllerPort: 29093, dataDir: '/tmp/k' });
//   await k.stop();
// See scripts/infra/README.md.

const path = require('node:path');

const { ensureKafka, startKafka } = require('./kafka');
const { ensureFerretDb, startFerretDb } = require('./ferretdb');
const kafkaMod = require('./kafka');
const ferretMod = require('./ferretdb');
const postgresMod = require('./postgres');
const proc = require('./lib/proc');
const { kafkaReady, mongoReady } = require('./lib/probes');
const { cacheDir, runtimeDir } = require('./lib/paths');

function envPort(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return port;
}

/** The dev set: default ports (env overrides) and data dirs under <INFRA_DIR> (default <repo>/.infra). */
function devConfig() {
  return {
    kafka: {
      port: envPort('KAFKA_PORT', 9092),
      controllerPort: envPort('KAFKA_CONTROLLER_PORT', 9093),
      dataDir: path.join(runtimeDir(), 'kafka'),
    },
    ferretdb: {
      port: envPort('FERRETDB_PORT', 27017),
      dataDir: path.join(runtimeDir(), 'ferretdb'),
    },
  };
}

const prefixed = (log, prefix) => (msg) => log(`${prefix}: ${msg}`);

/**
 * Starts Kafka and FerretDB on the dev ports, in parallel. Idempotent: what already runs (ours,
 * answering) is left alone. Rejects if either fails (the other one is left running; `down` stops it).
 */
async function up({ log = proc.defaultLog } = {}) {
  const cfg = devConfig();
  const [k, f] = await Promise.allSettled([
    startKafka({ ...cfg.kafka, log: prefixed(log, 'kafka') }),
    startFerretDb({ ...cfg.ferretdb, log: prefixed(log, 'ferretdb') }),
  ]);
  const failures = [k, f].filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length) {
    const err = new Error(failures.map((e) => e.message).join('\n\n'));
    err.causes = failures;
    throw err;
  }
  log(`Kafka ${k.value.address}`);
  log(`MongoDB wire protocol (FerretDB, ${f.value.backend} backend) ${f.value.address}`);
  if (f.value.postgres) log(`PostgreSQL behind FerretDB ${f.value.postgres.url}`);
  return { kafka: k.value, ferretdb: f.value };
}

/** Stops the dev set (only pids named by our pid files and still ours); FerretDB's PostgreSQL after it. */
async function down({ log = proc.defaultLog } = {}) {
  const cfg = devConfig();
  const said = (label, pid) => log(pid ? `${label} stopped (pid ${pid})` : `${label} was not running`);
  await Promise.all([
    (async () => said('Kafka', await proc.stopPid(path.join(cfg.kafka.dataDir, 'kafka.pid'), { marker: kafkaMod.markerFor(cfg.kafka.dataDir), log })))(),
    (async () => {
      const stopped = await ferretMod.stopFerretDb(cfg.ferretdb.dataDir, { log });
      said('FerretDB', stopped.ferretdb);
      if (stopped.postgres) said('PostgreSQL (FerretDB backend)', stopped.postgres);
    })(),
  ]);
}

/**
 * Reports each part of the dev set as running/stopped, with pid and address. Never throws for a
 * stopped part; resolves to [{ name, running, answering, pid, address, note }].
 */
async function status({ log = proc.defaultLog } = {}) {
  const cfg = devConfig();
  const parts = [
    {
      name: 'Kafka',
      pidFile: path.join(cfg.kafka.dataDir, 'kafka.pid'),
      marker: kafkaMod.markerFor(cfg.kafka.dataDir),
      port: cfg.kafka.port,
      address: `127.0.0.1:${cfg.kafka.port}`,
      probe: () => kafkaReady({ port: cfg.kafka.port }),
    },
    {
      name: 'FerretDB',
      pidFile: path.join(cfg.ferretdb.dataDir, 'ferretdb.pid'),
      marker: ferretMod.markerFor(cfg.ferretdb.dataDir),
      port: cfg.ferretdb.port,
      address: `mongodb://127.0.0.1:${cfg.ferretdb.port}`,
      probe: () => mongoReady({ port: cfg.ferretdb.port }),
    },
  ];
  // FerretDB's PostgreSQL: listed when it runs, or when FERRETDB_BACKEND asks for it.
  const pg = postgresMod.runningPostgres(cfg.ferretdb.dataDir);
  if (pg || ferretMod.backendFromEnv() === 'postgresql') {
    parts.push({
      name: 'PostgreSQL',
      pidFile: postgresMod.pathsFor(cfg.ferretdb.dataDir).pidFile,
      marker: postgresMod.markerFor(cfg.ferretdb.dataDir),
      port: null, // a free port picked at each start
      address: pg ? pg.url : '(FerretDB backend, free port)',
      probe: () => postgresMod.pgReady(postgresMod.findPgBin(), pg.port),
    });
  }
  const results = [];
  for (const p of parts) {
    const pid = proc.ourLivePid(p.pidFile, p.marker);
    const answering = pid ? await p.probe().catch(() => false) : false;
    let note = '';
    if (!pid && p.port && (await proc.portInUse(p.port))) note = ` (port ${p.port} is in use by another process)`;
    if (pid && !answering) note = ' but not answering (starting, or wedged: see its log)';
    results.push({ name: p.name, running: Boolean(pid), answering, pid, address: p.address, note });
    log(pid ? `${p.name.padEnd(8)} running  pid ${pid}  ${p.address}${note}` : `${p.name.padEnd(8)} stopped  ${p.address}${note}`);
  }
  return results;
}

module.exports = {
  ensureKafka,
  ensureFerretDb,
  startKafka,
  startFerretDb,
  stopPid: proc.stopPid,
  freePort: proc.freePort,
  up,
  down,
  status,
  devConfig,
  cacheDir,
  runtimeDir,
  kafkaReady,
  mongoReady,
};
