import { EventMap, ParseResult, boundReason, parseEvent } from '#contracts';
import { LoggerService } from '@nestjs/common';
import kafkajs, { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { backoffDelay, delay } from '../backoff.js';
import { PermanentError, WaitingError, isTransient } from '../errors.js';
import { deadLetterOf, isTooLarge, letterBytes, truncatedLetter } from './dead-letter.js';
import { EventPublisher } from './event-publisher.js';
import { TopicNames } from './topic-names.js';

/** Where a message came from: what logs and dead letters need to find it again. */
export interface MessageMeta {
  topic: string;
  partition: number;
  offset: string;
}

export interface InboundItem<T> {
  payload: T;
  meta: MessageMeta;
}

/**
 * How one contract topic is applied. `apply` receives valid messages of one partition in offset order
 * and must make all their effects durable before it resolves; it may be called again with the same
 * messages (redelivery, replay), so it must be idempotent.
 */
export interface InboundRoute<T extends keyof EventMap> {
  contract: T;
  apply(items: InboundItem<EventMap[T]>[], context: ApplyContext): Promise<void>;
}

/** Given to `apply`: long work calls `heartbeat` now and then so the group keeps the partition here. */
export interface ApplyContext {
  heartbeat(): Promise<void>;
}

/** A route for any contract topic; `inboundRoute` builds one with its payload type inferred. */
export type AnyInboundRoute = { [T in keyof EventMap]: InboundRoute<T> }[keyof EventMap];

export function inboundRoute<T extends keyof EventMap>(
  contract: T,
  apply: (items: InboundItem<EventMap[T]>[], context: ApplyContext) => Promise<void>,
): InboundRoute<T> {
  return { contract, apply };
}

export interface ConsumerObserver {
  applied?(contract: string, count: number, seconds: number): void;
  deadLettered?(contract: string, reason: string): void;
  retrying?(contract: string, error: unknown, attempt: number): void;
  /** A dead letter could not be written (it is retried): the partition waits meanwhile. */
  deadLetterFailed?(contract: string, error: unknown): void;
  /** A dead letter was too big for its topic and went out cut to fit. */
  deadLetterTruncated?(contract: string): void;
}

export interface InboundConsumerOptions {
  kafka: Kafka;
  groupId: string;
  names: TopicNames;
  routes: AnyInboundRoute[];
  publisher: EventPublisher;
  logger: LoggerService;
  observer?: ConsumerObserver;
  /** Messages applied together; their offsets are resolved together once all are durable. */
  chunkSize?: number;
  /**
   * Bytes (keys, values, headers) of one chunk at most: a chunk ends early rather than hold many large
   * messages and their parsed forms at once. A single message bigger than this is a chunk of its own.
   */
  chunkBytes?: number;
  /** The clock contract times are checked against (tests pass their own). */
  now?: () => Date;
  /** Attempts before an input failing with an unexpected (non-transient) error is dead-lettered. */
  maxAttempts?: number;
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
}

type Parsed = { message: KafkaMessage; parsed: ParseResult<unknown> };

/** Keys up to this size are partitioned by kafkajs's murmur2 like any producer's; longer ones are not hashed. */
const MAX_HASHED_KEY_BYTES = 1024;

const partitionOfSource = (source: number, partitions: number) => source % partitions;

/**
 * Splits a batch into chunks of at most `maxCount` messages and `maxBytes` bytes of keys and values, so
 * that a batch of large messages is applied a few at a time; a message bigger than `maxBytes` is a
 * chunk of its own.
 */
export function chunksOf(messages: KafkaMessage[], maxCount: number, maxBytes: number): KafkaMessage[][] {
  const chunks: KafkaMessage[][] = [];
  let current: KafkaMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Consumes contract topics with at-least-once delivery and exactly-once effects:
 * - an offset is resolved (and so committed) only after its message's effects are durable;
 * - a message that breaks its contract is moved to `<topic>.dlq` unchanged, with the reason (R12);
 * - transient failures (database or broker away) are retried with backoff and heartbeats, never committed;
 * - a message that keeps failing for another reason is isolated and dead-lettered, so it never blocks
 *   its partition.
 */
export class InboundConsumer {
  private readonly consumer: Consumer;
  private readonly routes: Map<string, AnyInboundRoute>;
  private readonly chunkSize: number;
  private readonly chunkBytes: number;
  private readonly maxAttempts: number;
  // Per partition in hand: since when its current chunk has been worked on without being resolved.
  private readonly workingSince = new Map<string, number>();
  // Per DLQ topic: the largest record it accepts (max.message.bytes) and its partition count.
  private readonly dlqLimits = new Map<string, { maxBytes: number; partitions: number }>();
  private running = false;
  private lastTransientError: { at: number; message: string } | null = null;
  private joined = false;

  constructor(private readonly options: InboundConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // A crashed member is noticed within 10 s; heartbeats go on during retries and long sends.
      sessionTimeout: 10000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 100,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.routes = new Map(options.routes.map((r) => [options.names.of(r.contract), r]));
    this.chunkSize = options.chunkSize ?? 1;
    this.chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.joined = true));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.joined = false;
      options.logger.error({ message: 'consumer crashed, kafkajs restarts it', error: String(event.payload.error) }, undefined);
    });
    this.consumer.on(this.consumer.events.STOP, () => (this.joined = false));
  }

  async start(): Promise<void> {
    // The DLQ topics' limits are read before the first message, off the path of a failing partition. A
    // topic created a moment ago may not be known yet to the broker that answers: asked again shortly.
    for (const topic of this.routes.keys()) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.limitsOf(`${topic}.dlq`);
          break;
        } catch (error) {
          if (attempt >= 10 || !isTransient(error)) throw error;
          await delay(backoffDelay(attempt));
        }
      }
    }
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.routes.keys()], fromBeginning: this.options.fromBeginning ?? true });
    this.running = true;
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      autoCommitThreshold: 500,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Leaves the group after the batch in hand; resolved offsets are committed on the way out. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
  }

  /** Healthy unless a transient failure happened within the last few seconds. */
  get healthy(): boolean {
    return this.joined && (this.lastTransientError === null || Date.now() - this.lastTransientError.at > 10000);
  }

  get lastError(): string | null {
    return this.lastTransientError?.message ?? null;
  }

  /**
   * How long the oldest chunk in hand has been worked on without its offsets moving (0: none in hand).
   * A consumer stuck on one chunk (a dead letter that cannot be written, a failure retried for ever)
   * shows here, so liveness can report it and an orchestrator restart it.
   */
  stalledForMs(now = Date.now()): number {
    let oldest = now;
    for (const since of this.workingSince.values()) oldest = Math.min(oldest, since);
    return now - oldest;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) {
    const route = this.routes.get(batch.topic);
    if (!route) return;
    const live = () => this.running && isRunning() && !isStale();
    const now = this.options.now ?? (() => new Date());
    const partitionKey = `${batch.topic}:${batch.partition}`;
    try {
      for (const messages of chunksOf(batch.messages, this.chunkSize, this.chunkBytes)) {
        if (!live()) return;
        this.workingSince.set(partitionKey, Date.now());
        const at = now();
        const chunk = messages.map((message) => ({ message, parsed: parseEvent(route.contract, message.key, message.value, at) }));
        const done = await this.applyChunk(route, batch.topic, batch.partition, chunk, heartbeat, live);
        if (!done) return;
        resolveOffset(chunk[chunk.length - 1].message.offset);
        this.workingSince.delete(partitionKey);
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    } finally {
      this.workingSince.delete(partitionKey);
    }
  }

  /** Returns false when the consumer stopped or lost the partition before the chunk was durable. */
  private async applyChunk(
    route: AnyInboundRoute,
    topic: string,
    partition: number,
    chunk: Parsed[],
    heartbeat: () => Promise<void>,
    live: () => boolean,
  ): Promise<boolean> {
    const meta = (m: KafkaMessage): MessageMeta => ({ topic, partition, offset: m.offset });
    for (const { message, parsed } of chunk) {
      if (!parsed.ok && !(await this.retrying(route.contract, heartbeat, live, () => this.deadLetter(topic, partition, message, parsed.reason)))) {
        return false;
      }
    }
    const valid = chunk.flatMap(({ message, parsed }) => (parsed.ok ? [{ payload: parsed.value, meta: meta(message) }] : []));
    if (valid.length === 0) return true;
    const started = process.hrtime.bigint();
    const outcome = await this.attempt(route, valid, heartbeat, live);
    if (outcome === 'stopped') return false;
    if (outcome === 'applied') {
      this.options.observer?.applied?.(route.contract, valid.length, Number(process.hrtime.bigint() - started) / 1e9);
      return true;
    }
    // Something in the chunk fails for a reason that is not transient: apply one by one to isolate it
    // (a chunk of one has been tried already: its reason stands).
    for (const item of valid) {
      const single = valid.length === 1 ? outcome : await this.attempt(route, [item], heartbeat, live);
      if (single === 'stopped') return false;
      if (single === 'applied') continue;
      const message = chunk.find((c) => c.message.offset === item.meta.offset)!.message;
      if (!(await this.retrying(route.contract, heartbeat, live, () => this.deadLetter(topic, partition, message, single.reason)))) {
        return false;
      }
    }
    return true;
  }

  /** Applies the items, retrying transient failures for as long as the consumer runs. */
  private async attempt(
    route: AnyInboundRoute,
    items: InboundItem<unknown>[],
    heartbeat: () => Promise<void>,
    live: () => boolean,
  ): Promise<'applied' | 'stopped' | { reason: string }> {
    let unexpected = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await (route.apply as (items: InboundItem<unknown>[], context: ApplyContext) => Promise<void>)(items, { heartbeat });
        return 'applied';
      } catch (error) {
        if (error instanceof PermanentError) return { reason: `${error.code}: ${error.message}` };
        const first = items[0].meta;
        this.options.observer?.retrying?.(route.contract, error, attempt);
        if (error instanceof WaitingError) {
          // An input early for another one: neither the database nor the broker is away.
          this.options.logger.log({ message: 'waiting, retrying', reason: error.message, attempt, ...first, messages: items.length });
        } else if (isTransient(error)) {
          this.lastTransientError = { at: Date.now(), message: String(error) };
          this.options.logger.warn({ message: 'transient failure, retrying', error: String(error), attempt, ...first, messages: items.length });
        } else {
          unexpected++;
          this.options.logger.error(
            { message: 'unexpected failure', error: String(error), attempt, ...first, messages: items.length },
            (error as Error)?.stack,
          );
          if (unexpected >= this.maxAttempts) return { reason: `failed ${unexpected} times: ${String(error)}` };
        }
        if (!(await this.pause(attempt, heartbeat, live))) return 'stopped';
      }
    }
  }

  /**
   * Writes a dead letter until it succeeds, or the consumer stops. A failure that will pass (broker away)
   * is retried with backoff and reported (readiness, a metric, the stall time); a letter too big for its
   * topic is not retried as it is, it goes out cut to fit.
   */
  private async retrying(contract: string, heartbeat: () => Promise<void>, live: () => boolean, op: () => Promise<void>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await op();
        return true;
      } catch (error) {
        this.lastTransientError = { at: Date.now(), message: String(error) };
        this.options.observer?.retrying?.(contract, error, attempt);
        this.options.observer?.deadLetterFailed?.(contract, error);
        this.options.logger.warn({ message: 'dead-lettering failed, retrying', error: String(error).slice(0, 500), attempt });
        if (!(await this.pause(attempt, heartbeat, live))) return false;
      }
    }
  }

  private async pause(attempt: number, heartbeat: () => Promise<void>, live: () => boolean): Promise<boolean> {
    await delay(backoffDelay(attempt));
    if (!live()) return false;
    await heartbeat().catch(() => undefined);
    return live();
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, rawReason: string): Promise<void> {
    const contract = this.options.names.contractOf(topic) ?? topic;
    const reason = boundReason(rawReason);
    const dlq = `${topic}.dlq`;
    const letter = deadLetterOf(message, { topic, partition }, reason, new Date());
    // A letter bigger than its topic takes is cut before it is sent: the broker would refuse it for ever.
    const { maxBytes: max, partitions } = await this.limitsOf(dlq);
    let outgoing = letterBytes(letter) > max ? truncatedLetter(letter, max) : letter;
    // kafkajs hashes a key at about 35 µs per 4 bytes (murmur2 on emulated 64-bit integers): a 200 KB key
    // would block the event loop for 7 s and cost the group its heartbeats. A key longer than any clientId
    // goes to the DLQ partition of its source partition instead.
    const dlqPartition = (message.key?.length ?? 0) > MAX_HASHED_KEY_BYTES ? partitionOfSource(partition, partitions) : undefined;
    try {
      await this.options.publisher.sendRaw(dlq, { ...outgoing, partition: dlqPartition });
    } catch (error) {
      // Our estimate of the record's framing was short, or the limit changed: cut to half and send again.
      if (!isTooLarge(error)) throw error;
      this.dlqLimits.delete(dlq);
      outgoing = truncatedLetter(letter, Math.floor((await this.limitsOf(dlq)).maxBytes / 2));
      await this.options.publisher.sendRaw(dlq, { ...outgoing, partition: dlqPartition });
    }
    const truncated = outgoing !== letter;
    if (truncated) {
      this.options.observer?.deadLetterTruncated?.(contract);
      this.options.logger.warn({
        message: 'dead letter too big for its topic: value cut to fit',
        topic: dlq,
        originalBytes: letterBytes(letter),
        maxBytes: max,
      });
    }
    this.options.observer?.deadLettered?.(contract, reason);
    // The key is logged by its start only: a hostile key can be as big as the broker allows.
    const key = message.key ? message.key.subarray(0, 100).toString() : undefined;
    this.options.logger.warn({
      message: 'dead-lettered',
      reason,
      topic,
      partition,
      offset: message.offset,
      key,
      keyBytes: message.key?.length ?? 0,
      truncated,
    });
  }

  /** A DLQ topic's max.message.bytes and partition count, read from the broker once per topic. */
  private async limitsOf(dlq: string): Promise<{ maxBytes: number; partitions: number }> {
    const known = this.dlqLimits.get(dlq);
    if (known !== undefined) return known;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: dlq, configNames: ['max.message.bytes'] }],
      });
      const maxBytes = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      const { topics } = await admin.fetchTopicMetadata({ topics: [dlq] });
      const partitions = topics[0]?.partitions.length ?? 0;
      if (!Number.isInteger(maxBytes) || maxBytes <= 0 || partitions < 1) throw new Error(`${dlq}: max.message.bytes or partitions not readable`);
      const limits = { maxBytes, partitions };
      this.dlqLimits.set(dlq, limits);
      return limits;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
