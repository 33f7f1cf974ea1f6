'use strict';
// Kafka and FerretDB for the bench: started here on free ports with data dirs of their own (through
// scripts/infra), unless KAFKA_BROKERS / BENCH_MONGODB_URL name servers to use. Only what was started
// here is stopped here. FERRETDB_BACKEND (sqlite | postgresql) picks FerretDB's backend, as for
// scripts/infra; with postgresql its PostgreSQL is started and stopped with it.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const infra = require('../../scripts/infra');
const { freePort } = require('./util');

/**
 * Resolves to { brokers, mongoBase, mongoHost, mongoPort, kafkaPid, ferretPid, dataDir, startedKafka,
 * startedFerret, stop() }. `keepData` leaves the data dir behind for a look afterwards.
 */
async function startInfra({ log, env = process.env, keepData = false, profile = false }) {
  const dataDir = fs.mkdtempSync(path.join(env.BENCH_DATA_DIR || os.tmpdir(), 'ongoing-training-bench-'));
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop().catch((error) => log(`stopping ${s.name} failed: ${error.message}`))));
    started.length = 0;
    if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [kafka, ferret] = await Promise.all([
      env.KAFKA_BROKERS
        ? null
        : (async () => infra.startKafka({ port: await freePort(), controllerPort: await freePort(), dataDir: path.join(dataDir, 'kafka'), log }))(),
      env.BENCH_MONGODB_URL
        ? null
        : (async () =>
            infra.startFerretDb({
              port: await freePort(),
              dataDir: path.join(dataDir, 'ferretdb'),
              log,
              ...(env.FERRETDB_BACKEND ? { backend: env.FERRETDB_BACKEND } : {}),
              // Go's pprof, for --profile.
              ...(profile ? { debugAddr: `127.0.0.1:${await freePort()}` } : {}),
            }))(),
    ]);
    if (kafka) started.push(kafka);
    if (ferret) started.push(ferret);
    const url = new URL(env.BENCH_MONGODB_URL || ferret.uri);
    const mongoBase = `${url.protocol}//${url.username ? `${url.username}:${url.password}@` : ''}${url.host}`;
    return {
      brokers: kafka ? kafka.brokers : env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
      mongoBase,
      /** A database on the server, with the options of BENCH_MONGODB_URL (e.g. ?directConnection=true). */
      mongoUri: (database) => `${mongoBase}/${database}${url.search}`,
      mongoHost: url.hostname,
      mongoPort: Number(url.port || 27017),
      kafkaPid: kafka?.pid ?? null,
      /** The broker's own log folder (server.log*), when it was started here. */
      kafkaLogDir: kafka ? path.dirname(kafka.logFile) : null,
      ferretPid: ferret?.pid ?? null,
      /** FerretDB's backend (sqlite | postgresql) and, for postgresql, its postmaster's pid. */
      ferretBackend: ferret?.backend ?? null,
      postgresPid: ferret?.postgres?.pid ?? null,
      /** FerretDB's pprof address (--profile) and the binary that runs, to symbolize its profile. */
      ferretDebugAddr:
        ferret && profile ? (/--debug-addr=(\S+)/.exec(fs.readFileSync(`/proc/${ferret.pid}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1] ?? null) : null,
      ferretBinary: ferret ? fs.readlinkSync(`/proc/${ferret.pid}/exe`) : null,
      startedKafka: Boolean(kafka),
      startedFerret: Boolean(ferret),
      dataDir,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

module.exports = { startInfra };
