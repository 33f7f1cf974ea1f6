// kafkajs for the commands: a client that gives up fast, and Kafka failures told in words (which
// broker, which topic).
import { createKafkaClient } from '#platform';
import { Logger } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { CliError } from './cli-errors.js';

export function brokerList(value: string | undefined): string[] {
  const raw = value || process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new CliError(`"${b}" is not a Kafka broker address (host:port), from --brokers or KAFKA_BROKERS`, 2);
  }
  return brokers;
}

/** A client that gives up fast: a command is watched by a person. Its logs go nowhere (the CLI's logger is off). */
export function kafkaClient(brokers: string[]): Kafka {
  return createKafkaClient({ clientId: 'ops-cli', brokers, logger: new Logger('Kafka'), retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 3000 } });
}

type Failure = { name?: string; message?: string; originalError?: Failure; cause?: Failure };

function causes(error: unknown): Failure[] {
  const chain: Failure[] = [];
  for (let e = error as Failure | undefined; e && chain.length < 10; e = e.originalError || e.cause) chain.push(e);
  return chain;
}

/** Turns a kafkajs error into a CliError naming the brokers when they could not be reached. */
export function kafkaError(error: unknown, brokers: string[], doing: string): CliError {
  if (error instanceof CliError) return error;
  const chain = causes(error);
  const text = chain.map((e) => `${e.name || ''} ${e.message || ''}`).join(' ');
  if (/KafkaJSConnectionError|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|Connection timeout|Connection error|KafkaJSBrokerNotFound/.test(text)) {
    const last = chain[chain.length - 1];
    return new CliError(`cannot reach the Kafka broker(s) ${brokers.join(',')} (--brokers or KAFKA_BROKERS) while ${doing}: ${last.message}`);
  }
  return new CliError(
    `Kafka failed while ${doing}: ${chain
      .map((e) => e.message)
      .filter(Boolean)
      .join(': ')}`,
  );
}

/** Levenshtein distance (typos in topic names). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** Fails with the names of similar topics when `topic` does not exist. */
export async function assertTopicExists(admin: Admin, topic: string, brokers: string[], role = 'topic'): Promise<void> {
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
