import { DLQ_HEADERS } from '#contracts';
import { Admin, Consumer, Kafka, Partitioners, Producer, logLevel } from 'kafkajs';
import { waitFor } from '#testing';

export const brokers = () => (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export interface SeenMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  rawKey: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  json<T = unknown>(): T;
}

/** A test's own view of Kafka: produce raw or JSON messages and collect what lands on topics. */
export class KafkaProbe {
  readonly kafka = new Kafka({ clientId: 'test-probe', brokers: brokers(), logLevel: logLevel.NOTHING });
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private readonly consumers: Consumer[] = [];
  readonly seen = new Map<string, SeenMessage[]>();

  async createTopics(topics: string[], numPartitions = 3): Promise<void> {
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) await this.admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions })) });
  }

  async produce(
    topic: string,
    messages: { key: string | Buffer | null; value: string | Buffer | object | null; headers?: Record<string, string | Buffer>; partition?: number }[],
  ): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
    }
    for (let i = 0; i < messages.length; i += 500) {
      await this.producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 500).map((m) => ({
          key: m.key,
          value: m.value === null || typeof m.value === 'string' || Buffer.isBuffer(m.value) ? m.value : JSON.stringify(m.value),
          headers: m.headers,
          partition: m.partition,
        })),
      });
    }
  }

  /** Produces events keyed by their clientId, as the contract says producers do. */
  async produceEvents(topic: string, events: { clientId: string }[]): Promise<void> {
    await this.produce(
      topic,
      events.map((e) => ({ key: e.clientId, value: e })),
    );
  }

  /** Starts collecting every message of the topics from their first offset. */
  async watch(topics: string[]): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `probe-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 50 });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        const list = this.seen.get(topic) ?? [];
        list.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          rawKey: message.key,
          value: message.value,
          headers,
          json: <T>() => JSON.parse(message.value!.toString()) as T,
        });
        this.seen.set(topic, list);
      },
    });
    await waitFor('the probe to join its group', () => joined, 30000);
  }

  messages(topic: string): SeenMessage[] {
    return this.seen.get(topic) ?? [];
  }

  async waitForCount(topic: string, count: number, timeoutMs = 60000): Promise<SeenMessage[]> {
    return waitFor(
      `${count} messages on ${topic} (seen ${this.messages(topic).length})`,
      () => this.messages(topic).length >= count && this.messages(topic),
      timeoutMs,
    );
  }

  deadLetterReason(message: SeenMessage): string {
    return message.headers[DLQ_HEADERS.REASON];
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => undefined)));
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

/** Waits until a consumer group has committed every offset of the topics. */
export async function waitForGroupCaughtUp(admin: Admin, groupId: string, topics: string[], timeoutMs = 120000): Promise<void> {
  await waitFor(
    `group ${groupId} to commit the end of ${topics.join(', ')}`,
    async () => {
      for (const topic of topics) {
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        for (const end of ends) {
          const at = Number(committed.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          if (Number(end.high) > 0 && at < Number(end.high)) return false;
        }
      }
      return true;
    },
    timeoutMs,
    250,
  );
}
