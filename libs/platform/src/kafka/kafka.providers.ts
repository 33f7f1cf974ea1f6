import { Topic } from '#contracts';
import { Logger, Provider } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { EventPublisher } from './event-publisher.js';
import { createKafkaClient, ensureTopics } from './kafka-client.js';
import { TopicNames } from './topic-names.js';

export const KAFKA = Symbol('KAFKA');

/** The Kafka settings every app's configuration has. */
export interface KafkaConfig {
  KAFKA_CLIENT_ID: string;
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_TOPIC_PARTITIONS: number;
}

/**
 * An app's Kafka client (`KAFKA`), its topic names, and its connected producer. The topics it uses and
 * the dead-letter topics of those it consumes are created at boot if missing.
 */
export function kafkaProviders(configToken: symbol, topics: { uses: Topic[]; consumes: Topic[] }): Provider[] {
  return [
    {
      provide: TopicNames,
      inject: [configToken],
      useFactory: (config: KafkaConfig) => new TopicNames(config.KAFKA_TOPIC_PREFIX),
    },
    {
      provide: KAFKA,
      inject: [configToken, TopicNames],
      useFactory: async (config: KafkaConfig, names: TopicNames) => {
        const kafka = createKafkaClient({ clientId: config.KAFKA_CLIENT_ID, brokers: config.KAFKA_BROKERS, logger: new Logger('Kafka') });
        const all = [...topics.uses.map((t) => names.of(t)), ...topics.consumes.map((t) => names.dlqOf(t))];
        await ensureTopics(kafka, all, config.KAFKA_TOPIC_PARTITIONS);
        return kafka;
      },
    },
    {
      provide: EventPublisher,
      inject: [KAFKA, TopicNames],
      useFactory: async (kafka: Kafka, names: TopicNames) => {
        const publisher = new EventPublisher(kafka, names);
        await publisher.connect();
        return publisher;
      },
    },
  ];
}
