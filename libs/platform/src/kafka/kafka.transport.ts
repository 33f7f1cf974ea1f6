import { EventMap, TOPICS, Topic } from '#contracts';
import { Logger } from '@nestjs/common';
import { BaseRpcContext, CustomTransportStrategy, Server } from '@nestjs/microservices';
import { Kafka } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { EventPublisher } from './event-publisher.js';
import { AnyInboundRoute, ApplyContext, ConsumerObserver, InboundConsumer, InboundItem } from './inbound-consumer.js';
import { TopicNames } from './topic-names.js';

/**
 * What an `@EventPattern(topic)` handler receives: valid messages of one partition of `topic`, in offset
 * order, typed by the topic's contract. The handler resolves once their effects are durable; it may be
 * given the same messages again (redelivery, replay), so it must be idempotent.
 */
export interface InboundChunk<T extends Topic> {
  /** The contract topic (without the prefix of the topic's real name). */
  readonly topic: T;
  readonly partition: number;
  readonly items: readonly InboundItem<EventMap[T]>[];
  /** Long work calls this now and then, so that the group keeps the partition here. */
  heartbeat(): Promise<void>;
}

/** The context Nest hands guards, interceptors and filters: where the chunk came from. */
export class KafkaChunkContext extends BaseRpcContext<[topic: string, partition: number, apply: ApplyContext]> {
  getTopic(): string {
    return this.args[0];
  }

  getPartition(): number {
    return this.args[1];
  }

  /** Long work calls this now and then, so that the group keeps the partition here. */
  heartbeat(): Promise<void> {
    return this.args[2].heartbeat();
  }
}

/** One consumer group of an app. */
export interface KafkaConsumerOptions {
  /**
   * The transport's id. An app with one consumer group may leave its handlers unmarked; with several,
   * each handler names its group: `@EventPattern(TOPICS.PAYMENT_FAILED, PAYMENTS)`.
   */
  id: symbol;
  groupId: string;
  /** Messages of a partition given to a handler at once; their offsets are resolved together. */
  chunkSize?: number;
  /** Bytes of one chunk at most (keys and values); a larger message is a chunk of its own. */
  chunkBytes?: number;
  partitionsConsumedConcurrently?: number;
  /** Attempts before an input failing with an unexpected (non-transient) error is dead-lettered. */
  maxAttempts?: number;
}

export interface KafkaServerDependencies {
  kafka: Kafka;
  names: TopicNames;
  publisher: EventPublisher;
  /** Creates the topics that are missing, and waits for their leaders. */
  ensureTopics(topics: string[]): Promise<void>;
  /** Told what the consumer does (metrics); looked up once the app's providers exist. */
  observer: () => ConsumerObserver | undefined;
}

const CONTRACT_TOPICS = new Set<string>(Object.values(TOPICS));

/**
 * A Nest transport strategy on kafkajs: the contract topics of the app's `@EventPattern` handlers (created
 * with their dead-letter topics when missing) are consumed in one group, with at-least-once delivery and exactly-once effects (see InboundConsumer):
 * each partition's batch is validated against its contract and handed over in chunks, an offset is
 * resolved only once the handler has made its chunk durable, a message that breaks its contract goes
 * to `<topic>.dlq` with its reason (R12), transient failures are retried with heartbeats, and a message
 * that keeps failing for another reason is isolated and dead-lettered.
 */
export class KafkaServer extends Server implements CustomTransportStrategy {
  private consumer: InboundConsumer | null = null;

  constructor(
    private readonly dependencies: KafkaServerDependencies,
    readonly options: KafkaConsumerOptions,
  ) {
    super();
    this.transportId = options.id;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const routes = this.routes();
      const { names } = this.dependencies;
      await this.dependencies.ensureTopics(routes.flatMap((r) => [names.of(r.contract), names.dlqOf(r.contract)]));
      this.consumer = new InboundConsumer({
        kafka: this.dependencies.kafka,
        groupId: this.options.groupId,
        names: this.dependencies.names,
        publisher: this.dependencies.publisher,
        logger: new Logger(`Kafka ${this.options.groupId}`),
        observer: this.dependencies.observer(),
        routes,
        chunkSize: this.options.chunkSize,
        chunkBytes: this.options.chunkBytes,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
        maxAttempts: this.options.maxAttempts,
      });
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Leaves the group once the chunks in hand are done; their offsets are committed on the way out. */
  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Joined to its group, and no transient failure in the last seconds. */
  get healthy(): boolean {
    return this.consumer?.healthy ?? false;
  }

  /** How long the oldest chunk in hand has been worked on without progress (0: none in hand). */
  stalledForMs(): number {
    return this.consumer?.stalledForMs() ?? 0;
  }

  on(): never {
    throw new Error('KafkaServer has no events to listen to: readiness and metrics report what it does');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('KafkaServer is not listening yet');
    return this.consumer as T;
  }

  /** What the consumer applies: a route per handler, its pattern a contract topic (anything else is refused). */
  routes(): AnyInboundRoute[] {
    return [...this.messageHandlers.keys()].map((pattern) => this.routeOf(pattern));
  }

  private routeOf(pattern: string): AnyInboundRoute {
    if (!CONTRACT_TOPICS.has(pattern)) throw new Error(`@EventPattern('${pattern}') is not a contract topic (${[...CONTRACT_TOPICS].join(', ')})`);
    const handler = this.getHandlerByPattern(pattern)!;
    return {
      contract: pattern as Topic,
      apply: async (items: InboundItem<unknown>[], context: ApplyContext) => {
        const { topic, partition } = items[0].meta;
        const chunk: InboundChunk<Topic> = {
          topic: pattern as Topic,
          partition,
          items: items as InboundChunk<Topic>['items'],
          heartbeat: () => context.heartbeat(),
        };
        const result = await handler(chunk, new KafkaChunkContext([topic, partition, context]));
        // The app's error filter hands a failure back as the stream's error, the error as it was thrown.
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      },
    } as AnyInboundRoute;
  }
}
