'use strict';
// The bare pipe: what Kafka and kafkajs alone allow on this machine. A consumer group reading the
// input topics and producing one message per input to another topic, chunk by chunk
// (APPLY_CHUNK_SIZE), offsets resolved only once the chunk's output is acknowledged. No database, no
// validation beyond JSON.parse.
//
// Its settings are the services' own, taken from the built platform library (dist/) so that they
// cannot drift: the Kafka client from createKafkaClient, the producer from EventPublisher, and the
// consumer and run options that InboundConsumer hands to kafkajs (captured by starting one on a fake
// kafkajs consumer). If dist/ does not have them, the values below (as of this writing) are used.
//
// Env: BARE_BROKERS (comma-separated), BARE_TOPICS (comma-separated), BARE_OUT_TOPIC, BARE_GROUP_ID,
// BARE_CHUNK_SIZE (200), BARE_PARTITIONS_CONCURRENTLY (1; the bench passes the service's). Started and stopped (SIGTERM) by bench/run-bench.js; prints one JSON line
// `{"settings": ...}` on stdout at start.

const path = require('node:path');
const { Kafka, Partitioners, logLevel } = require('kafkajs');

const PLATFORM = path.resolve(__dirname, '..', 'dist/libs/platform');

const brokers = process.env.BARE_BROKERS.split(',');
const topics = process.env.BARE_TOPICS.split(',');
const outTopic = process.env.BARE_OUT_TOPIC;
const groupId = process.env.BARE_GROUP_ID;
const chunkSize = Number(process.env.BARE_CHUNK_SIZE || 200);
const partitionsConcurrently = Number(process.env.BARE_PARTITIONS_CONCURRENTLY || 1);

const quiet = { log() {}, warn() {}, error() {}, debug() {}, verbose() {} };

const FALLBACK = {
  consumer: {
    allowAutoTopicCreation: false,
    sessionTimeout: 10000,
    heartbeatInterval: 3000,
    maxWaitTimeInMs: 100,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
  },
  run: { autoCommit: true, autoCommitInterval: 1000, autoCommitThreshold: 500, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1 },
};

/** The options InboundConsumer passes to kafka.consumer() and consumer.run(), from the build. */
async function inboundConsumerOptions() {
  const { InboundConsumer } = require(path.join(PLATFORM, 'kafka/inbound-consumer.js'));
  let consumer = null;
  let run = null;
  const fake = {
    events: { GROUP_JOIN: 'group_join', CRASH: 'crash', STOP: 'stop' },
    on() {},
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (options) => {
      run = options;
    },
    disconnect: async () => undefined,
  };
  const inbound = new InboundConsumer({
    kafka: { consumer: (options) => ((consumer = options), fake) },
    groupId,
    names: { of: (t) => t, contractOf: () => undefined },
    routes: [],
    publisher: {},
    logger: quiet,
  });
  await inbound.start();
  if (!consumer || !run) throw new Error('InboundConsumer did not configure kafkajs as expected');
  const { groupId: _g, ...consumerOptions } = consumer;
  const { eachBatch: _b, eachMessage: _m, ...runOptions } = run;
  return { consumer: consumerOptions, run: runOptions };
}

async function settings() {
  try {
    const { createKafkaClient } = require(path.join(PLATFORM, 'kafka/kafka-client.js'));
    const { EventPublisher } = require(path.join(PLATFORM, 'kafka/event-publisher.js'));
    const options = await inboundConsumerOptions();
    const kafka = createKafkaClient({ clientId: 'bench-bare-pipe', brokers, logger: quiet });
    const publisher = new EventPublisher(kafka, { of: (t) => t });
    return {
      source: 'dist (createKafkaClient, EventPublisher, InboundConsumer)',
      kafka,
      consumerOptions: options.consumer,
      runOptions: options.run,
      connectProducer: () => publisher.connect(),
      send: (messages) => publisher.publish(messages.map((m) => ({ topic: outTopic, key: m.key, payload: m.payload }))),
      disconnectProducer: () => publisher.disconnect(),
    };
  } catch (error) {
    process.stderr.write(`bare pipe: platform settings not found in dist/ (${error.message}); using the built-in copy\n`);
    const kafka = new Kafka({
      clientId: 'bench-bare-pipe',
      brokers,
      connectionTimeout: 3000,
      requestTimeout: 30000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5 }, createPartitioner: Partitioners.DefaultPartitioner });
    return {
      source: 'built-in copy',
      kafka,
      consumerOptions: FALLBACK.consumer,
      runOptions: FALLBACK.run,
      connectProducer: () => producer.connect(),
      send: (messages) =>
        producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic: outTopic, messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.payload) })) }],
        }),
      disconnectProducer: () => producer.disconnect(),
    };
  }
}

let running = true;
let setup = null;
let consumer = null;

async function main() {
  setup = await settings();
  setup.runOptions = { ...setup.runOptions, partitionsConsumedConcurrently: partitionsConcurrently };
  process.stdout.write(`${JSON.stringify({ settings: { source: setup.source, consumer: setup.consumerOptions, run: setup.runOptions, chunkSize } })}\n`);
  consumer = setup.kafka.consumer({ ...setup.consumerOptions, groupId });
  await setup.connectProducer();
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    ...setup.runOptions,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      const live = () => running && isRunning() && !isStale();
      for (let i = 0; i < batch.messages.length && live(); i += chunkSize) {
        const chunk = batch.messages.slice(i, i + chunkSize);
        await setup.send(
          chunk.map((m) => {
            const payload = JSON.parse(m.value.toString('utf8'));
            return { key: m.key.toString(), payload: { eventId: payload.eventId, from: batch.topic, offset: m.offset } };
          }),
        );
        resolveOffset(chunk[chunk.length - 1].offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    },
  });
}

async function shutdown() {
  running = false;
  await consumer?.disconnect().catch(() => undefined);
  await setup?.disconnectProducer().catch(() => undefined);
  process.exit(0);
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
main().catch((error) => {
  process.stderr.write(`bare pipe failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
