import { EventMap, Topic } from '#contracts';
import { Kafka, Message, Partitioners, Producer } from 'kafkajs';
import { TopicNames } from './topic-names.js';

export interface PublishedRecord<T extends Topic> {
  topic: T;
  key: string;
  payload: EventMap[T];
  headers?: Record<string, string>;
}

/**
 * The one producer of an app. Every send waits for all in-sync replicas (acks -1); typed by topic so a
 * payload that does not fit its topic does not compile.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly names: TopicNames,
  ) {
    // The Java client's murmur2 partitioner: a clientId lands on the same partition whoever produces it.
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 5 }, createPartitioner: Partitioners.DefaultPartitioner });
    this.producer.on('producer.disconnect', () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async publish<T extends Topic>(records: PublishedRecord<T>[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const name = this.names.of(r.topic);
      const messages = byTopic.get(name) ?? [];
      messages.push({ key: r.key, value: JSON.stringify(r.payload), headers: r.headers });
      byTopic.set(name, messages);
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  /** Sends raw bytes as they are (dead letters keep the original key and value byte for byte). */
  async sendRaw(topic: string, message: Message): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: [message] });
  }

  async disconnect(): Promise<void> {
    // Waits for in-flight sends: the producer flushes before it leaves.
    await this.producer.disconnect();
    this.connected = false;
  }
}
