// Starts the real parts a test run needs, unless they are given: Kafka (KAFKA_BROKERS) and a MongoDB
// wire-protocol server (TEST_MONGODB_URL, e.g. mongodb://127.0.0.1:27017). What it starts runs on free
// ports with data in a temporary folder of its own, and is stopped by the global teardown.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const infra = require('../../scripts/infra');

const { freePort } = infra;

module.exports = async function globalSetup() {
  const started = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ongoing-training-test-'));
  const log = (line) => process.stderr.write(`[test infra] ${line}\n`);
  try {
    const [kafka, ferret] = await Promise.all([
      process.env.KAFKA_BROKERS
        ? null
        : (async () => infra.startKafka({ port: await freePort(), controllerPort: await freePort(), dataDir: path.join(dir, 'kafka'), log }))(),
      process.env.TEST_MONGODB_URL ? null : (async () => infra.startFerretDb({ port: await freePort(), dataDir: path.join(dir, 'ferretdb'), log }))(),
    ]);
    if (kafka) {
      started.push(kafka);
      process.env.KAFKA_BROKERS = kafka.address;
    }
    if (ferret) {
      started.push(ferret);
      process.env.TEST_MONGODB_URL = ferret.address.startsWith('mongodb://') ? ferret.address : `mongodb://${ferret.address}`;
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    throw error;
  }
  log(`Kafka ${process.env.KAFKA_BROKERS}, MongoDB wire protocol ${process.env.TEST_MONGODB_URL}`);
  globalThis.__TEST_INFRA__ = { started, dir };
};
