import { Topic } from '#contracts';
import { DynamicModule, InjectionToken, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Kafka } from 'kafkajs';
import { EventPublisher } from './event-publisher.js';
import { ConsumerObserver } from './inbound-consumer.js';
import { createKafkaClient, ensureTopics } from './kafka-client.js';
import { KafkaConsumerOptions, KafkaServer } from './kafka.transport.js';
import { TopicNames } from './topic-names.js';

/** The app's kafkajs client. */
export const KAFKA = Symbol('KAFKA');

/** The Kafka settings every app's configuration has. */
export interface KafkaConfig {
  KAFKA_CLIENT_ID: string;
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_TOPIC_PARTITIONS: number;
}

/** The client settings of KafkaModule, from an app's configuration. */
export function kafkaClientOf(config: KafkaConfig): Pick<KafkaModuleOptions, 'clientId' | 'brokers' | 'topicPrefix' | 'partitions'> {
  return { clientId: config.KAFKA_CLIENT_ID, brokers: config.KAFKA_BROKERS, topicPrefix: config.KAFKA_TOPIC_PREFIX, partitions: config.KAFKA_TOPIC_PARTITIONS };
}

export interface KafkaModuleOptions {
  clientId: string;
  brokers: string[];
  /** Put before every topic name (empty in production; test runs use their own). */
  topicPrefix: string;
  /** Partitions of the topics created at boot. */
  partitions: number;
  /** Topics the app publishes to. */
  produces: readonly Topic[];
  /** The app's consumer groups, each served to Nest as a transport (KafkaServer), and what observes it. */
  consumers: (KafkaConsumerOptions & { observer?: InjectionToken<ConsumerObserver> })[];
}

/** The app's Kafka transports, in the order of `consumers`: `bootstrapApp` connects each to the app. */
export class KafkaServers {
  constructor(readonly all: KafkaServer[]) {}

  get healthy(): boolean {
    return this.all.every((server) => server.healthy);
  }

  stalledForMs(): number {
    return Math.max(0, ...this.all.map((server) => server.stalledForMs()));
  }
}

/**
 * Kafka for an app: its client (`KAFKA`), its topic names, its producer (`EventPublisher`) and its
 * consumer groups as Nest transports (`KafkaServers`). The topics it publishes to are created at boot
 * when missing (each transport creates those it consumes, and their dead-letter topics). The producer
 * leaves last, after the transports have left their groups.
 */
@Module({})
export class KafkaModule implements OnApplicationShutdown {
  constructor(private readonly publisher: EventPublisher) {}

  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: TopicNames, useFactory: () => new TopicNames(options.topicPrefix) },
        {
          provide: KAFKA,
          inject: [TopicNames],
          useFactory: async (names: TopicNames) => {
            const kafka = createKafkaClient({ clientId: options.clientId, brokers: options.brokers, logger: new Logger('Kafka') });
            await ensureTopics(
              kafka,
              options.produces.map((t) => names.of(t)),
              options.partitions,
            );
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
        {
          provide: KafkaServers,
          inject: [KAFKA, TopicNames, EventPublisher, ModuleRef],
          useFactory: (kafka: Kafka, names: TopicNames, publisher: EventPublisher, modules: ModuleRef) => {
            // One creation at a time: a topic's leader is known before another consumer asks about topics.
            let creating = Promise.resolve();
            const ensure = (topics: string[]) => (creating = creating.catch(() => undefined).then(() => ensureTopics(kafka, topics, options.partitions)));
            return new KafkaServers(
              options.consumers.map(
                ({ observer, ...consumer }) =>
                  new KafkaServer(
                    { kafka, names, publisher, ensureTopics: ensure, observer: () => (observer ? modules.get(observer, { strict: false }) : undefined) },
                    consumer,
                  ),
              ),
            );
          },
        },
      ],
      exports: [KAFKA, TopicNames, EventPublisher, KafkaServers],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
  }
}
