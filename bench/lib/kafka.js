'use strict';
// The bench's own Kafka clients: topic set-up, producing, group progress, and watching a topic.

const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { performance } = require('node:perf_hooks');
const { waitFor } = require('./build');

function kafkaClient(brokers, clientId = 'bench') {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 3000 } });
}

async function createTopics(admin, topics, numPartitions) {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length) await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })) });
}

/** A producer keyed like the platform's (murmur2, the Java client's partitioner). */
async function newProducer(kafka) {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

/** Produces messages in order, `batch` at a time, each batch acknowledged by all replicas. */
async function produceAll(producer, topic, messages, { batch = 1000, onProgress } = {}) {
  for (let i = 0; i < messages.length; i += batch) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batch) });
    onProgress?.(Math.min(messages.length, i + batch));
  }
}

/** The end offsets of the topics: { topic: [{ partition, low, high }] }. */
async function topicEnds(admin, topics) {
  const ends = {};
  for (const topic of topics) {
    ends[topic] = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
  }
  return ends;
}

/** How far a group has committed through the topics, against their ends: { committed, total, done }. */
async function groupProgress(admin, groupId, ends) {
  const topics = Object.keys(ends);
  const offsets = await admin.fetchOffsets({ groupId, topics });
  let committed = 0;
  let total = 0;
  let done = true;
  for (const { topic, partitions } of offsets) {
    for (const end of ends[topic]) {
      const at = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      const upTo = at < 0 ? end.low : at;
      committed += Math.max(0, upTo - end.low);
      total += end.high - end.low;
      if (upTo < end.high) done = false;
    }
  }
  return { committed, total, done };
}

/** The number of messages on a topic (sum of its partitions' high - low). */
async function topicCount(admin, topic) {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/**
 * Reads a topic from its first offset in a group of its own, calling `onMessage(message, seenAt)` with
 * `seenAt` = performance.now() when its batch arrived. Resolves once the group is joined.
 */
async function watchTopic(kafka, topic, onMessage, { maxWaitTimeInMs = 20 } = {}) {
  const consumer = kafka.consumer({
    groupId: `bench-watch-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    maxWaitTimeInMs,
    allowAutoTopicCreation: false,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const seenAt = performance.now();
      for (const message of batch.messages) onMessage(message, seenAt);
    },
  });
  await waitFor(`the bench's watcher of ${topic} to join its group`, () => joined, 60000, 50);
  return consumer;
}

module.exports = { kafkaClient, createTopics, newProducer, produceAll, topicEnds, groupProgress, topicCount, watchTopic };
