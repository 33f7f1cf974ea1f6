'use strict';
// kafkajs for the scripts: a quiet client, and Kafka failures told in words (which broker, which topic).

const { Kafka, logLevel } = require('kafkajs');
const { CliError } = require('./errors');

function brokerList(value) {
  const raw = value || process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new CliError(`"${b}" is not a Kafka broker address (host:port), from --brokers or KAFKA_BROKERS`, 2);
  }
  return brokers;
}

function kafkaClient(brokers, clientId = 'ops-cli') {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 3000 },
    logLevel: logLevel.NOTHING,
  });
}

function causes(error) {
  const chain = [];
  for (let e = error; e && chain.length < 10; e = e.originalError || e.cause) chain.push(e);
  return chain;
}

/** Turns a kafkajs error into a CliError naming the brokers when they could not be reached. */
function kafkaError(error, brokers, doing) {
  if (error instanceof CliError) return error;
  const chain = causes(error);
  const text = chain.map((e) => `${e.name || ''} ${e.message || ''}`).join(' ');
  if (/KafkaJSConnectionError|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|Connection timeout|Connection error|KafkaJSBrokerNotFound/.test(text)) {
    const last = chain[chain.length - 1];
    return new CliError(`cannot reach the Kafka broker(s) ${brokers.join(',')} (--brokers or KAFKA_BROKERS) while ${doing}: ${last.message}`);
  }
  return new CliError(`Kafka failed while ${doing}: ${chain.map((e) => e.message).filter(Boolean).join(': ')}`);
}

/** Levenshtein distance (typos in topic names). */
function distance(a, b) {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** Fails with the names of similar topics when `topic` does not exist. */
async function assertTopicExists(admin, topic, brokers, role = 'topic') {
  const topics = await admin.listTopics();
  if (topics.includes(topic)) return;
  const tail = topic.split('.').slice(-2).join('.');
  const similar = topics
    .filter((t) => !t.startsWith('__'))
    .map((t) => ({ t, d: distance(t, topic) }))
    .filter(({ t, d }) => d <= 3 || t.endsWith(tail) || t.includes(topic))
    .sort((a, b) => a.d - b.d || a.t.localeCompare(b.t))
    .slice(0, 8)
    .map(({ t }) => t);
  throw new CliError(
    `unknown ${role} "${topic}" on ${brokers.join(',')} (topics are not created on the fly)` +
      (similar.length ? `; topics with a similar name: ${similar.join(', ')}` : ''),
  );
}

module.exports = { brokerList, kafkaClient, kafkaError, assertTopicExists };
