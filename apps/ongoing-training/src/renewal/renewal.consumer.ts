import { TOPICS } from '#contracts';
import { EventPublisher, InboundConsumerHost, InboundConsumerOptions, InboundItem, KAFKA, TopicNames, inboundRoute } from '#platform';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { ONGOING_TRAINING_CONFIG, type OngoingTrainingConfig } from '../config.js';
import { RenewalInput } from '../domain/index.js';

import { RenewalMetrics } from '../observability/renewal.metrics.js';
import { RenewalService } from './renewal.service.js';

/**
 * The Kafka edge of the service: its five input topics, validated by their
 * contracts, applied by the RenewalService; offsets move only once the effects are durable.
 */
@Injectable()
export class RenewalConsumer extends InboundConsumerHost {
  private readonly logger = new Logger(RenewalConsumer.name);

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(ONGOING_TRAINING_CONFIG) private readonly config: OngoingTrainingConfig,
    private readonly names: TopicNames,
    private readonly publisher: EventPublisher,
    private readonly renewals: RenewalService,
    private readonly metrics: RenewalMetrics,
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
      chunkSize: this.config.APPLY_CHUNK_SIZE,
      chunkBytes: this.config.APPLY_CHUNK_BYTES,
      partitionsConsumedConcurrently: this.config.APPLY_PARTITIONS_CONCURRENTLY,
      routes: [
        inboundRoute(TOPICS.PACKAGE_BOOKED, (items) => this.apply(items, (event) => ({ type: 'package.booked', event }))),
        inboundRoute(TOPICS.SESSION_COMPLETED, (items) => this.apply(items, (event) => ({ type: 'session.completed', event }))),
        inboundRoute(TOPICS.SESSION_COMPLETION_REVERTED, (items) => this.apply(items, (event) => ({ type: 'session.completion.reverted', event }))),
        inboundRoute(TOPICS.PAYMENT_FAILED, (items) => this.apply(items, (event) => ({ type: 'payment.failed', event }))),
        inboundRoute(TOPICS.PAYMENT_SUCCEEDED, (items) => this.apply(items, (event) => ({ type: 'payment.succeeded', event }))),
      ],
      observer: {
        applied: (topic, _count, seconds) => this.metrics.applySeconds.observe({ topic }, seconds),
        deadLettered: (topic) => this.metrics.deadLetters.inc({ topic }),
        retrying: (topic) => this.metrics.retries.inc({ topic }),
        deadLetterFailed: (topic) => this.metrics.deadLetterFailures.inc({ topic }),
        deadLetterTruncated: (topic) => this.metrics.deadLettersTruncated.inc({ topic }),
      },
    };
  }

  private async apply<P>(items: InboundItem<P>[], toInput: (event: P) => RenewalInput): Promise<void> {
    await this.renewals.apply(items.map((i) => toInput(i.payload)), { mustPublish: true, unknownAsNew: true });
    for (const item of items) {
      const { eventId, clientId, coachId } = item.payload as { eventId: string; clientId: string; coachId: string };
      this.logger.debug({ message: 'applied', ...item.meta, eventId, clientId, coachId });
    }
  }
}
