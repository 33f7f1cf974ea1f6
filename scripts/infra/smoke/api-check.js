'use strict';
// Checks scripts/infra itself the way the jest global setup uses it: own ports and data dirs
// (independent of the dev set), stop/start on the same data dir (the database-outage test),
// startup failures reported with the log tail, and stopPid refusing a pid that is not ours.
//   node scripts/infra/smoke/api-check.js      (uses ports 27997-27999, 29092-29095 and /tmp/itest)
const assert = require('node:assert');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const infra = require('..');
const { MongoClient } = require('mongodb');
const { Kafka, logLevel } = require('kafkajs');
const log = (m) => console.log('  ' + m);
const t = async (label, fn) => {
  const s = Date.now();
  const r = await fn();
  console.log(`${label}: ${Date.now() - s} ms`);
  return r;
};
(async () => {
  fs.rmSync('/tmp/itest', { recursive: true, force: true });
  // 1. FerretDB on another port, outage = stop + start on same port/data dir
  let f = await t('startFerretDb 27999 (fresh dir)', () => infra.startFerretDb({ port: 27999, dataDir: '/tmp/itest/f', log }));
  const c = await MongoClient.connect(f.uri, { serverSelectionTimeoutMS: 3000 });
  await c.db('t').collection('c').insertOne({ _id: 1, v: 'kept' });
  await t('stop FerretDB', () => f.stop());
  await assert.rejects(c.db('t').collection('c').findOne({ _id: 1 }, { maxTimeMS: 1000 }), 'expected outage');
  console.log('  during outage: query rejected as expected');
  f = await t('restart FerretDB same port+dir', () => infra.startFerretDb({ port: 27999, dataDir: '/tmp/itest/f', log }));
  const doc = await c.db('t').collection('c').findOne({ _id: 1 }); // same client object reconnects
  assert.strictEqual(doc.v, 'kept');
  console.log('  same MongoClient reconnected, data kept');
  await c.close();
  const again = await infra.startFerretDb({ port: 27999, dataDir: '/tmp/itest/f', log });
  assert.strictEqual(again.alreadyRunning, true);
  assert.strictEqual(again.pid, f.pid);
  // 2. Kafka on other ports, independent of anything on 9092
  let k = await t('startKafka 29092 (fresh dir)', () => infra.startKafka({ port: 29092, controllerPort: 29093, dataDir: '/tmp/itest/k', log }));
  const kafka = new Kafka({ brokers: k.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'keep', numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  await t('stop Kafka', () => k.stop());
  k = await t('restart Kafka same ports+dir', () => infra.startKafka({ port: 29092, controllerPort: 29093, dataDir: '/tmp/itest/k', log }));
  const admin2 = kafka.admin();
  await admin2.connect();
  assert.ok((await admin2.listTopics()).includes('keep'));
  console.log('  topic kept across restart');
  await admin2.disconnect();
  await t('stop Kafka', () => k.stop());
  await t('stop FerretDB', () => f.stop());
  // 3. process dies during startup -> error with log tail
  await infra.startFerretDb({ port: 27998, dataDir: '/tmp/itest/bad', logLevel: 'bogus', log }).then(
    () => assert.fail('should fail'),
    (e) => console.log('FerretDB bad flag error:\n' + e.message.split('\n').slice(0, 6).join('\n')),
  );
  fs.mkdirSync('/tmp/itest/kbad/kraft', { recursive: true });
  fs.writeFileSync('/tmp/itest/kbad/kraft/meta.properties', 'garbage=1\n');
  await infra.startKafka({ port: 29094, controllerPort: 29095, dataDir: '/tmp/itest/kbad', log }).then(
    () => assert.fail('should fail'),
    (e) =>
      console.log(
        'Kafka bad dir error (first lines):\n' +
          e.message
            .split('\n')
            .filter((l) => /died|ERROR|tail|Exception/.test(l))
            .slice(0, 6)
            .join('\n'),
      ),
  );
  // 4. stopPid must not kill a process that is not ours
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  fs.mkdirSync('/tmp/itest/foreign', { recursive: true });
  fs.writeFileSync('/tmp/itest/foreign/kafka.pid', `${sleeper.pid}\n`);
  let s = Date.now();
  f = await infra.startFerretDb({ port: 27997, dataDir: '/tmp/itest/f', log });
  await f.stop({ graceMs: 0 });
  console.log(`FerretDB start + stop({ graceMs: 0 }): ${Date.now() - s} ms`);
  const r = await infra.stopPid('/tmp/itest/foreign/kafka.pid');
  assert.strictEqual(r, null);
  process.kill(sleeper.pid, 0);
  console.log('stopPid left foreign pid', sleeper.pid, 'alive and removed the stale pid file:', !fs.existsSync('/tmp/itest/foreign/kafka.pid'));
  sleeper.kill();
  fs.rmSync('/tmp/itest', { recursive: true, force: true });
  console.log('ALL OK');
  process.exit(0);
})().catch((e) => {
  console.error('FAILED', e);
  process.exit(1);
});
