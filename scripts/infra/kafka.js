'use strict';
// Local Apache Kafka: single-node KRaft (broker + controller in one JVM) on 127.0.0.1.
// Jars come from Maven Central through Maven (scripts/infra/kafka/pom.xml); no tarball download.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const { INFRA_SRC, runtimeDir, hashFiles, cachedBuild } = require('./lib/paths');
const proc = require('./lib/proc');
const { kafkaReady } = require('./lib/probes');

const POM = path.join(INFRA_SRC, 'kafka', 'pom.xml');
const LOG4J2_CONFIG = path.join(INFRA_SRC, 'kafka', 'log4j2.xml');
// The brief's budget for a dev broker; the broker itself is happy with far less heap.
const HEAP_OPTS = ['-Xmx512m', '-Xms256m'];

/** Kafka version pinned in the pom (single source of truth). */
function kafkaVersion() {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!m) throw new Error(`no <kafka.version> property in ${POM}`);
  return m[1].trim();
}

/** Throws a clear message unless a Java >= 17 runtime is on PATH (Kafka 4.x brokers need 17). */
function requireJava() {
  const out = proc.requireTool(
    'java',
    ['-version'],
    'Java 17 is required to run the local Kafka broker: install a JDK (e.g. `apt-get install openjdk-17-jdk-headless`) and put java on PATH.',
  );
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(`Java 17 is required to run the local Kafka broker, but \`java -version\` says:\n${out.trim()}`);
  }
}

/**
 * Makes sure `<cache>/kafka-<version>/libs` holds the broker's jars, fetching them with Maven on
 * first use (progress is logged). Returns { version, home, libs }.
 */
async function ensureKafka({ log = proc.defaultLog } = {}) {
  const version = kafkaVersion();
  const { dir } = await cachedBuild({
    name: `kafka-${version}`,
    inputsHash: hashFiles([POM]),
    log,
    build: async (tmp) => {
      proc.requireTool(
        'mvn',
        ['-v'],
        'Maven is required to fetch the Kafka jars from Maven Central (first run only): install it (e.g. `apt-get install maven`) and put mvn on PATH.',
      );
      log(`fetching Apache Kafka ${version} jars from Maven Central (first run only)…`);
      const { seconds } = await proc.runWithProgress(
        'mvn',
        ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(tmp, 'libs')}`],
        { cwd: path.dirname(POM), log, label: `downloading Kafka ${version} jars` },
      );
      const jars = fs.readdirSync(path.join(tmp, 'libs')).filter((f) => f.endsWith('.jar'));
      if (!jars.some((f) => f.startsWith(`kafka_2.13-${version}`))) throw new Error(`Maven did not fetch kafka_2.13-${version}.jar`);
      log(`fetched ${jars.length} jars in ${seconds.toFixed(0)}s`);
    },
  });
  return { version, home: dir, libs: path.join(dir, 'libs') };
}

/** Kafka cluster ids are 16 random bytes, base64url; Kafka itself avoids ones starting with '-'. */
function newClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties({ version, port, controllerPort, logDirs }) {
  const major = Number(version.split('.')[0]);
  return [
    '# Written by scripts/infra/kafka.js on every start: edit that file, not this one.',
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    // Static voter set: the controller endpoint is not baked into the formatted log, so a data
    // dir can be restarted on other ports (a dynamic `--standalone` quorum would remember them).
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `log.dirs=${logDirs}`,
    // Single broker: internal topics cannot have more than one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    ...(major >= 4 ? ['share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1'] : []),
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // Fewer internal partitions than the default 50: the first group join / transaction on a
    // fresh data dir creates them, and 50 of each just costs startup time and file handles.
    'offsets.topic.num.partitions=5',
    'transaction.state.log.num.partitions=5',
    // Tests join groups constantly: don't wait 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created explicitly by the apps (kafkajs admin), never by a typo'd producer.
    'auto.create.topics.enable=false',
    'num.partitions=3',
    '',
  ].join('\n');
}

/** Runs a short Java tool to completion, resolving with its output; rejects with it on failure. */
function runJava(args, { cwd }) {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`java ${args.slice(-6).join(' ')} exited with ${code}\n${out}`))));
  });
}

/** Handle returned by startKafka for a running broker. */
function kafkaHandle({ pid, port, dataDir, pidFile, alreadyRunning }) {
  const address = `127.0.0.1:${port}`;
  return {
    name: 'kafka',
    pid,
    address,
    brokers: [address],
    port,
    dataDir,
    pidFile,
    logFile: path.join(dataDir, 'logs', 'server.log'),
    alreadyRunning,
    // stop({ graceMs: 0 }) = SIGKILL right after SIGTERM, e.g. to simulate a crash in a test.
    stop: (opts = {}) => proc.stopPid(pidFile, { ...opts, marker: markerFor(dataDir) }),
  };
}

/** Our broker's command line contains its server.properties path: the ownership marker. */
const markerFor = (dataDir) => path.join(dataDir, 'server.properties');

/**
 * Starts (or finds already running) a detached single-node Kafka on 127.0.0.1:port and resolves
 * once it answers ApiVersions + Metadata with itself as a live broker.
 * Data, logs and `kafka.pid` live in `dataDir` (default <INFRA_DIR>/kafka). Restarting on the same
 * dataDir keeps topics and offsets.
 */
async function startKafka({ port = 9092, controllerPort = 9093, dataDir, log = proc.defaultLog, timeoutMs = 90000 } = {}) {
  dataDir = path.resolve(dataDir || path.join(runtimeDir(), 'kafka'));
  const pidFile = path.join(dataDir, 'kafka.pid');
  const stdoutFile = path.join(dataDir, 'kafka.out');
  const serverLog = path.join(dataDir, 'logs', 'server.log');
  const describeFailure = () =>
    [`--- tail of ${serverLog}`, proc.tailFile(serverLog, 30), `--- tail of ${stdoutFile}`, proc.tailFile(stdoutFile, 20)].join('\n');

  // Idempotent: a live broker of ours on this data dir is reused once it answers.
  const existing = proc.ourLivePid(pidFile, markerFor(dataDir));
  if (existing) {
    // Same data dir but started with other ports (e.g. KAFKA_PORT changed): say so instead of
    // waiting for an answer on a port it does not listen on.
    const m = /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/m.exec(fs.readFileSync(markerFor(dataDir), 'utf8'));
    if (m && Number(m[1]) !== port) {
      throw new Error(`Kafka from ${dataDir} is already running (pid ${existing}) on port ${m[1]}, not ${port}: stop it first (down).`);
    }
    await proc.waitUntilReady({ probe: () => kafkaReady({ port }), timeoutMs, what: `Kafka (pid ${existing}, already running)`, describeFailure });
    log(`Kafka already running (pid ${existing}) on 127.0.0.1:${port}`);
    return kafkaHandle({ pid: existing, port, dataDir, pidFile, alreadyRunning: true });
  }
  for (const [p, what, env] of [
    [port, 'Kafka', 'KAFKA_PORT'],
    [controllerPort, 'Kafka controller', 'KAFKA_CONTROLLER_PORT'],
  ]) {
    if (await proc.portInUse(p)) {
      throw new Error(
        `Port ${p} (${what}) on 127.0.0.1 is already in use by a process that is not ours ` +
          `(no live pid in ${pidFile}). Stop that process or pick another port (${env}).`,
      );
    }
  }

  requireJava();
  const { version, libs } = await ensureKafka({ log });
  fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
  const logDirs = path.join(dataDir, 'kraft');
  const propsFile = markerFor(dataDir);
  fs.writeFileSync(propsFile, serverProperties({ version, port, controllerPort, logDirs }));
  const jvmCommon = [`-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`, `-Dkafka.logs.dir=${path.join(dataDir, 'logs')}`, '-cp', path.join(libs, '*')];

  // KRaft needs its metadata log formatted once per data dir (meta.properties marks it done).
  if (!fs.existsSync(path.join(logDirs, 'meta.properties'))) {
    log(`formatting Kafka storage in ${logDirs}`);
    await runJava([...jvmCommon, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', propsFile, '--ignore-formatted'], { cwd: dataDir });
  }

  log(`starting Kafka ${version} on 127.0.0.1:${port} (controller 127.0.0.1:${controllerPort}), data in ${dataDir}`);
  const started = Date.now();
  const child = proc.spawnDaemon(
    'java',
    [
      ...HEAP_OPTS,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError', // a wedged broker is worse than a dead one with a clear log
      '-Djava.awt.headless=true',
      ...jvmCommon,
      'kafka.Kafka',
      propsFile,
    ],
    { cwd: dataDir, env: process.env, logFile: stdoutFile, pidFile },
  );
  try {
    await proc.waitUntilReady({ child, probe: () => kafkaReady({ port }), timeoutMs, what: `Kafka (pid ${child.pid})`, describeFailure });
  } catch (err) {
    await proc.stopPid(pidFile, { marker: propsFile }); // never leave a half-started broker behind
    throw err;
  }
  log(`Kafka ready on 127.0.0.1:${port} (pid ${child.pid}, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return kafkaHandle({ pid: child.pid, port, dataDir, pidFile, alreadyRunning: false });
}

module.exports = { ensureKafka, startKafka, kafkaVersion, requireJava, markerFor };
