'use strict';
// ops produce <topic> <file>: a file of JSON events onto a topic, keyed by clientId, checked first.

const { Partitioners } = require('kafkajs');
const { CliError, UsageError } = require('../lib/errors');
const { load } = require('../lib/dist');
const { readEvents } = require('../lib/json-file');
const { brokerList, kafkaClient, kafkaError, assertTopicExists } = require('../lib/kafka');
const { Progress } = require('../lib/progress');

// The contract topics, longest first: `session.autobooked` must not be taken for a suffix of another.
const CONTRACTS = ['session.completion.reverted', 'session.autobook.upcoming', 'session.autobook.voided', 'session.autobooked', 'session.completed', 'package.booked', 'payment.succeeded', 'payment.failed'];
const BATCH = 500;
const MAX_LISTED = 50;

/** The contract a topic name stands for, whatever its prefix: `demo-1.package.booked` -> package.booked. */
function contractOf(topic) {
  return CONTRACTS.find((c) => topic === c || topic.endsWith(c)) ?? null;
}

function keyOf(value, field) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const key = value[field];
  if (typeof key === 'string' && key !== '') return key;
  if (typeof key === 'number') return String(key);
  return undefined;
}

async function produce(options, [topic, file]) {
  const brokers = brokerList(options.brokers);
  let contract = contractOf(topic);
  if (options.contract !== undefined) {
    if (options.contract === 'none') contract = null;
    else if (CONTRACTS.includes(options.contract)) contract = options.contract;
    else throw new UsageError(`--contract must be one of ${CONTRACTS.join(', ')} or none, got "${options.contract}"`);
  }
  const keyField = options['key-field'];
  const { format, items } = readEvents(file);
  const parseEvent = contract ? load('contracts').parseEvent : null;

  // Check everything before producing anything.
  const problems = [];
  const messages = items.map((item) => {
    if (item.error) {
      problems.push({ line: item.line, reason: item.error });
      return { key: null, value: item.text, line: item.line };
    }
    const key = keyOf(item.value, keyField);
    if (contract) {
      const checked = parseEvent(contract, key ?? null, item.text);
      if (!checked.ok) problems.push({ line: item.line, reason: checked.reason });
    } else if (key === undefined) {
      problems.push({ line: item.line, reason: `no "${keyField}" to key the message by (a non-empty string; --key-field names another field)` });
    }
    return { key: key ?? null, value: item.text, line: item.line };
  });

  const what = `${items.length} event${items.length === 1 ? '' : 's'} from ${file} (${format})`;
  const checkedAgainst = contract ? `the ${contract} contract` : `no contract (key field ${keyField})`;
  if (problems.length && !options['allow-invalid']) {
    const listed = problems.slice(0, MAX_LISTED).map((p) => `  line ${p.line}: ${p.reason}`);
    if (problems.length > MAX_LISTED) listed.push(`  ... and ${problems.length - MAX_LISTED} more`);
    throw new CliError(
      `refused ${file}: ${problems.length} of ${items.length} events break ${checkedAgainst}; nothing was produced ` +
        `(--allow-invalid produces them anyway):\n${listed.join('\n')}`,
      2,
    );
  }
  if (problems.length) {
    process.stderr.write(`ops: producing ${problems.length} invalid event(s) as they are (--allow-invalid): lines ${problems.map((p) => p.line).join(', ')}\n`);
  }
  if (options['dry-run']) {
    process.stdout.write(`dry run: ${what} checked against ${checkedAgainst}; would produce ${messages.length} message(s) to ${topic}\n`);
    return 0;
  }

  const kafka = kafkaClient(brokers);
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const perPartition = new Map();
  try {
    try {
      await admin.connect();
      await assertTopicExists(admin, topic, brokers);
      await producer.connect();
    } catch (error) {
      throw kafkaError(error, brokers, `connecting to produce to ${topic}`);
    }
    const progress = new Progress(`producing to ${topic}`, messages.length);
    for (let i = 0; i < messages.length; i += BATCH) {
      const batch = messages.slice(i, i + BATCH);
      let metadata;
      try {
        metadata = await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ key: m.key, value: m.value })) });
      } catch (error) {
        throw kafkaError(error, brokers, `producing lines ${batch[0].line}..${batch[batch.length - 1].line} to ${topic} (${i} of ${messages.length} produced before)`);
      }
      for (const m of metadata) perPartition.set(m.partition, (perPartition.get(m.partition) ?? []).concat(m.baseOffset));
      progress.tick(batch.length);
    }
    const partitions = [...perPartition.keys()].sort((a, b) => a - b).join(', ');
    progress.finish();
    process.stdout.write(`produced ${messages.length} message${messages.length === 1 ? '' : 's'} to ${topic} (partitions ${partitions}), ${what}, checked against ${checkedAgainst}\n`);
    return 0;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

module.exports = { produce, contractOf };
