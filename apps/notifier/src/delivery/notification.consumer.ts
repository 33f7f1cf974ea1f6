import { EventMap, TOPICS } from '@app/contracts';
import { ApplyContext, EventPublisher, InboundConsumerHost, InboundConsumerOptions, InboundItem, KAFKA, TopicNames, inboundRoute } from '@app/platform';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';
import { Notification } from '../mail/notification';
import { NotifierMetrics } from '../observability/notifier.metrics';
import { AutobookLookup } from './autobook-lookup';
import { AutobookRepository } from './autobook.repository';
import { NotificationService } from './notification.service';

/** The topics the notifier emails about. */
export const NOTIFIER_TOPICS = [TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED, TOPICS.PAYMENT_FAILED] as const;

type NotifierTopic = (typeof NOTIFIER_TOPICS)[number];

/**
 * The Kafka edge of the notifier: each event of its topics in, validated, made a notification, its
 * emails out. An autobook is recorded as well, for the failed payments that will name it (R16).
 */
@Injectable()
export class NotificationConsumer extends InboundConsumerHost {
  private readonly logger = new Logger(NotificationConsumer.name);

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly names: TopicNames,
    private readonly publisher: EventPublisher,
    private readonly notifications: NotificationService,
    private readonly autobooks: AutobookRepository,
    private readonly lookup: AutobookLookup,
    private readonly metrics: NotifierMetrics,
  ) {
    super();
  }

  protected consumerOptions(): InboundConsumerOptions {
    return {
      kafka: this.kafka,
      groupId: this.config.KAFKA_GROUP_ID,
      names: this.names,
      publisher: this.publisher,
      logger: this.logger,
      // One event at a time per partition (its emails side by side), partitions side by side: a slow
      // recipient holds back only its own partition, and a client's emails go out in the order of their
      // events. Emails in flight are bounded by the SMTP pool (Mailer) rather than by this.
      chunkSize: 1,
      partitionsConsumedConcurrently: 4,
      routes: [
        this.route(TOPICS.SESSION_AUTOBOOKED, async (event, heartbeat) => {
          // Recorded beside the emails, not after them: a failed payment can name an autobook whose emails
          // were dead-lettered. A failed record fails the event, whose emails are then answered by the ledger.
          const [recorded, notified] = await Promise.allSettled([this.autobooks.record(event), this.notifications.notify({ kind: 'autobooked', event }, heartbeat)]);
          if (recorded.status === 'rejected') throw recorded.reason;
          if (notified.status === 'rejected') throw notified.reason;
        }),
        this.route(TOPICS.SESSION_AUTOBOOK_UPCOMING, (event, heartbeat) => this.notifications.notify({ kind: 'autobook-upcoming', event }, heartbeat)),
        this.route(TOPICS.SESSION_AUTOBOOK_VOIDED, (event, heartbeat) => this.notifications.notify({ kind: 'autobook-voided', event }, heartbeat)),
        this.route(TOPICS.PAYMENT_FAILED, async (event, heartbeat) => {
          const notification: Notification = { kind: 'payment-failed', event, autobook: await this.lookup.autobookOf(event) };
          await this.notifications.notify(notification, heartbeat);
        }),
      ],
      observer: { deadLettered: () => this.metrics.deadLetters.inc() },
    };
  }

  /** One event at a time, measured. */
  private route<T extends NotifierTopic>(topic: T, handle: (event: EventMap[T], heartbeat: ApplyContext['heartbeat']) => Promise<void>) {
    return inboundRoute(topic, async (items: InboundItem<EventMap[T]>[], { heartbeat }) => {
      for (const { payload } of items) {
        const started = process.hrtime.bigint();
        await handle(payload, heartbeat);
        this.metrics.eventsHandled.inc();
        this.metrics.handleSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    });
  }
}
