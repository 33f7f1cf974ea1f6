import { HealthModule, KafkaModule, kafkaClientOf, METRICS_REGISTRY, MongoModule, metricsServerProvider } from '#platform';
import { DynamicModule, Module } from '@nestjs/common';
import { NOTIFIER_CONFIG, NotifierConfig } from './config.js';
import { AutobookLookup } from './delivery/autobook-lookup.js';
import { AutobookRepository } from './delivery/autobook.repository.js';
import { DeliveryRepository } from './delivery/delivery.repository.js';
import { Mailer } from './delivery/mailer.js';
import { NOTIFICATIONS, NotificationEventsController, PAYMENTS, PAYMENT_FAILED_GROUP_SUFFIX } from './delivery/notification-events.controller.js';
import { NotificationService } from './delivery/notification.service.js';
import { EmailRenderer } from './mail/email-renderer.js';
import { PreviewController } from './mail/preview.controller.js';
import { NotifierMetrics } from './observability/notifier.metrics.js';

/**
 * The notifier: the emails of the autobooks, heads-ups, voids and failed payments, each sent once per
 * event and recipient (the delivery ledger in MongoDB), rendered from the templates, sent over SMTP.
 */
@Module({})
export class NotifierModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    // One event at a time per partition (its emails side by side), partitions side by side. Emails in
    // flight are bounded by the SMTP pool (Mailer).
    const consumer = { chunkSize: 1, partitionsConsumedConcurrently: 4, observer: NotifierMetrics };
    return {
      module: NotifierModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaClientOf(config),
          produces: [],
          consumers: [
            { id: NOTIFICATIONS, groupId: config.KAFKA_GROUP_ID, ...consumer },
            { id: PAYMENTS, groupId: `${config.KAFKA_GROUP_ID}${PAYMENT_FAILED_GROUP_SUFFIX}`, ...consumer },
          ],
        }),
        MongoModule.forRoot({ uri: config.MONGODB_URI }),
        HealthModule.forRoot({ consumerStallMs: config.CONSUMER_STALL_MS }),
      ],
      controllers: [NotificationEventsController, ...(config.EMAIL_PREVIEW ? [PreviewController] : [])],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        DeliveryRepository,
        AutobookRepository,
        { provide: AutobookLookup, inject: [AutobookRepository], useFactory: (autobooks: AutobookRepository) => new AutobookLookup(config, autobooks) },
        // Templates are read and compiled once, here: a broken template stops the boot, not an email.
        { provide: EmailRenderer, useFactory: () => new EmailRenderer() },
        Mailer,
        NotifierMetrics,
        { provide: METRICS_REGISTRY, inject: [NotifierMetrics], useFactory: (m: NotifierMetrics) => m.registry },
        metricsServerProvider(config.METRICS_PORT),
        NotificationService,
      ],
    };
  }
}
