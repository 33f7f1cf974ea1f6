import { EventMap, TOPICS } from '#contracts';
import {
  AnyInboundRoute,
  ApplyContext,
  EventPublisher,
  InboundConsumerHost,
  InboundConsumerOptions,
  InboundItem,
  KAFKA,
  TopicNames,
  WaitingError,
  inboundRoute,
  isTransient,
} from '#platform';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config.js';
import { NotifierMetrics } from '../observability/notifier.metrics.js';
import { AutobookLookup } from './autobook-lookup.js';
import { AutobookRepository } from './autobook.repository.js';
import { NotificationService } from './notification.service.js';

/** The topics the notifier emails about. */
export const NOTIFIER_TOPICS = [TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED, TOPICS.PAYMENT_FAILED] as const;

type NotifierTopic = (typeof NOTIFIER_TOPICS)[number];

/** The consumer group of payment.failed: KAFKA_GROUP_ID with this after it. */
export const PAYMENT_FAILED_GROUP_SUFFIX = '.payment-failed';

/** What the notifier's consumers are built from. */
@Injectable()
export class NotifierKafka {
  constructor(
    @Inject(KAFKA) readonly kafka: Kafka,
    @Inject(NOTIFIER_CONFIG) readonly config: NotifierConfig,
    readonly names: TopicNames,
    readonly publisher: EventPublisher,
    readonly metrics: NotifierMetrics,
  ) {}
}

/** What the notifier's Kafka edges share: the consumer settings, metrics, one event at a time. */
abstract class NotifierConsumerHost extends InboundConsumerHost {
  protected abstract readonly logger: Logger;
  protected readonly config: NotifierConfig;
  private readonly metrics: NotifierMetrics;

  constructor(private readonly edge: NotifierKafka) {
    super();
    this.config = edge.config;
    this.metrics = edge.metrics;
  }

  protected abstract groupId(): string;

  protected abstract routes(): AnyInboundRoute[];

  protected consumerOptions(): InboundConsumerOptions {
    return {
      kafka: this.edge.kafka,
      groupId: this.groupId(),
      names: this.edge.names,
      publisher: this.edge.publisher,
      logger: this.logger,
      // One event at a time per partition (its emails side by side), partitions side by side: a client's
      // emails go out in the order of their events. Emails in flight are bounded by the SMTP pool (Mailer).
      chunkSize: 1,
      partitionsConsumedConcurrently: 4,
      routes: this.routes(),
      observer: {
        deadLettered: () => this.metrics.deadLetters.inc(),
        deadLetterFailed: () => this.metrics.deadLetterFailures.inc(),
        deadLetterTruncated: () => this.metrics.deadLettersTruncated.inc(),
        retrying: (topic, error) => this.metrics.retries.inc({ topic, kind: error instanceof WaitingError ? 'waiting' : isTransient(error) ? 'transient' : 'unexpected' }),
      },
    };
  }

  /** One event at a time, measured. */
  protected route<T extends NotifierTopic>(topic: T, handle: (event: EventMap[T], heartbeat: ApplyContext['heartbeat']) => Promise<void>): AnyInboundRoute {
    return inboundRoute(topic, async (items: InboundItem<EventMap[T]>[], { heartbeat }) => {
      for (const { payload } of items) {
        const started = process.hrtime.bigint();
        await handle(payload, heartbeat);
        this.metrics.eventsHandled.inc();
        this.metrics.handleSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    }) as AnyInboundRoute;
  }
}

/**
 * The Kafka edge of the autobook, heads-up and void emails: each event in, validated, made a
 * notification, its emails out. An autobook is recorded as well, for the failed payments that name it.
 */
@Injectable()
export class NotificationConsumer extends NotifierConsumerHost {
  protected readonly logger = new Logger(NotificationConsumer.name);

  constructor(
    edge: NotifierKafka,
    private readonly notifications: NotificationService,
    private readonly autobooks: AutobookRepository,
  ) {
    super(edge);
  }

  protected groupId(): string {
    return this.config.KAFKA_GROUP_ID;
  }

  protected routes(): AnyInboundRoute[] {
    return [
      this.route(TOPICS.SESSION_AUTOBOOKED, async (event, heartbeat) => {
        // Recorded beside the emails, not after them: a failed payment can name an autobook whose emails
        // were dead-lettered. A failed record fails the event, whose emails are then answered by the ledger.
        const [recorded, notified] = await Promise.allSettled([this.autobooks.record(event), this.notifications.notify({ kind: 'autobooked', event }, heartbeat)]);
        if (recorded.status === 'rejected') throw recorded.reason;
        if (notified.status === 'rejected') throw notified.reason;
      }),
      this.route(TOPICS.SESSION_AUTOBOOK_UPCOMING, (event, heartbeat) => this.notifications.notify({ kind: 'autobook-upcoming', event }, heartbeat)),
      this.route(TOPICS.SESSION_AUTOBOOK_VOIDED, (event, heartbeat) => this.notifications.notify({ kind: 'autobook-voided', event }, heartbeat)),
    ];
  }
}

/**
 * The Kafka edge of the failed-payment emails (R16), in a consumer group of its own: a failure that
 * waits for its autobook holds back the fetches of its consumer (kafkajs fetches again only once every
 * partition in hand is done), and must never hold back the autobooks it waits for.
 */
@Injectable()
export class PaymentFailedConsumer extends NotifierConsumerHost {
  protected readonly logger = new Logger(PaymentFailedConsumer.name);

  constructor(
    edge: NotifierKafka,
    private readonly notifications: NotificationService,
    private readonly lookup: AutobookLookup,
  ) {
    super(edge);
  }

  protected groupId(): string {
    return `${this.config.KAFKA_GROUP_ID}${PAYMENT_FAILED_GROUP_SUFFIX}`;
  }

  protected routes(): AnyInboundRoute[] {
    return [
      this.route(TOPICS.PAYMENT_FAILED, async (event, heartbeat) => {
        await this.notifications.notify({ kind: 'payment-failed', event, autobook: await this.lookup.autobookOf(event) }, heartbeat);
      }),
    ];
  }
}
