'use strict';
// Manual check that kafkajs works against the local broker (Kafka 4.x removed old protocol
// versions, KIP-896). Not part of any test suite.
//   node scripts/infra/smoke/kafka-smoke.js [127.0.0.1:9092]
// Uses the repo's kafkajs; KAFKAJS=/path/to/node_modules/kafkajs to try another copy.

const { Kafka, logLevel, CompressionTypes } = require(process.env.KAFKAJS || 'kafkajs');

const broker = process.argv[2] || '127.0.0.1:9092';
const kafka = new Kafka({ clientId: 'infra-smoke', brokers: [broker], logLevel: logLevel.NOTHING });
const results = [];
async function check(name, fn) {
  try {
    const r = await fn();
    results.push(`ok   ${name}${r === undefined ? '' : ` -> ${JSON.stringify(r)}`}`);
  } catch (e) {
    results.push(`FAIL ${name} -> ${e.name}: ${e.message} ${e.type || ''}`);
  }
}

(async () => {
  const topic = `smoke-${Date.now()}`;
  const groupId = `g-${topic}`;
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const consumer = kafka.consumer({ groupId });

  await check('describeCluster', async () => (await admin.describeCluster()).brokers.map((b) => `${b.host}:${b.port}`));
  await check('createTopics (3 partitions)', () => admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }));
  await check('fetchTopicMetadata', async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length);
  await check('produce 10 (acks=-1)', async () => {
    const msgs = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { h: 'x' } }));
    await producer.send({ topic, acks: -1, messages: msgs });
  });
  await check('produce gzip', () => producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: 'gz', value: 'gzip' }] }));
  await check('fetchTopicOffsets (ListOffsets)', async () => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0));
  await check('consume 11 via group (join/sync/heartbeat/commit)', async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got = [];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout after ${got.length} messages`)), 60000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(message.value.toString());
            if (got.length === 11) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect(); // commits on the way out
    return got.length;
  });
  await check('fetchOffsets (committed)', async () =>
    (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.reduce((n, p) => n + Number(p.offset), 0),
  );
  await check('describeGroups', async () => (await admin.describeGroups([groupId])).groups[0].state);
  await check('resetOffsets (earliest)', () => admin.resetOffsets({ groupId, topic, earliest: true }));
  await check('transactional producer', async () => {
    const tp = kafka.producer({ transactionalId: `tx-${topic}`, idempotent: true, maxInFlightRequests: 1 });
    await tp.connect();
    const tx = await tp.transaction();
    await tx.send({ topic, messages: [{ value: 'tx' }] });
    await tx.commit();
    await tp.disconnect();
  });
  await check('describeConfigs', async () => {
    const r = await admin.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false });
    return r.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy').configValue;
  });
  await check('createPartitions', () => admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }));
  await check('deleteGroups', () => admin.deleteGroups([groupId]));
  await check('deleteTopics', () => admin.deleteTopics({ topics: [topic] }));
  await producer.disconnect();
  await admin.disconnect();
  console.log(`kafkajs ${require(`${process.env.KAFKAJS || 'kafkajs'}/package.json`).version} against ${broker}`);
  console.log(results.join('\n'));
  process.exit(results.some((r) => r.startsWith('FAIL')) ? 1 : 0);
})().catch((e) => {
  console.error('FATAL', e);
  process.exit(1);
});
