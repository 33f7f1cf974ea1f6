import { TOPICS } from '@app/contracts';
import { EventPublisher, InboundConsumerHost, InboundConsumerOptions, KAFKA, TopicNames, inboundRoute } from '@app/platform';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { NOTIFIER_CONFIG, NotifierConfig } from '../config';

import { NotifierMetrics } from '../observability/notifier.metrics';
import { NotificationService } from './notification.service';

/** The Kafka edge of the notifier: `session.autobooked` in, validated, two emails out per event. */
@Injectable()
export class AutobookedConsumer extends InboundConsumerHost {
  private readonly logger = new Logger(AutobookedConsumer.name);

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly names: TopicNames,
    private readonly publisher: EventPublisher,
    private readonly notifications: NotificationService,
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
      // One event at a time per partition (its two emails side by side), partitions side by side: a
      // slow recipient holds back only its own partition, and a client's emails go out in the order of
      // their autobooks. Emails in flight are bounded by the SMTP pool (Mailer) rather than by this.
      chunkSize: 1,
      partitionsConsumedConcurrently: 4,
      routes: [
        inboundRoute(TOPICS.SESSION_AUTOBOOKED, async (items, { heartbeat }) => {
          for (const { payload } of items) {
            const started = process.hrtime.bigint();
            await this.notifications.notify(payload, heartbeat);
            this.metrics.eventsHandled.inc();
            this.metrics.handleSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
          }
        }),
      ],
      observer: {
        deadLettered: () => this.metrics.deadLetters.inc(),
        deadLetterFailed: () => this.metrics.deadLetterFailures.inc(),
        deadLetterTruncated: () => this.metrics.deadLettersTruncated.inc(),
      },
    };
  }
}
