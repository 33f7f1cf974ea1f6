import { EventPublisher, HealthController, METRICS_REGISTRY, consumerLivenessProvider, metricsServerProvider, READINESS_CHECKS, ReadinessCheck, connectMongo, kafkaProviders, pingMongo } from '#platform';
import { DynamicModule, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { type Connection } from 'mongoose';
import { NOTIFIER_CONFIG, NotifierConfig } from './config.js';
import { AutobookLookup } from './delivery/autobook-lookup.js';
import { AutobookRepository } from './delivery/autobook.repository.js';
import { DeliveryRepository, NOTIFIER_MONGO } from './delivery/delivery.repository.js';
import { Mailer } from './delivery/mailer.js';
import { NOTIFIER_TOPICS, NotificationConsumer, NotifierKafka, PaymentFailedConsumer } from './delivery/notification.consumer.js';
import { NotificationService } from './delivery/notification.service.js';
import { EmailRenderer } from './mail/email-renderer.js';
import { PreviewController } from './mail/preview.controller.js';
import { NotifierMetrics } from './observability/notifier.metrics.js';

@Module({})
export class NotifierModule implements OnApplicationShutdown {
  constructor(
    @Inject(NOTIFIER_MONGO) private readonly mongo: Connection,
    private readonly publisher: EventPublisher,
  ) {}

  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      controllers: [HealthController, ...(config.EMAIL_PREVIEW ? [PreviewController] : [])],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        ...kafkaProviders(NOTIFIER_CONFIG, { uses: [...NOTIFIER_TOPICS], consumes: [...NOTIFIER_TOPICS] }),
        { provide: NOTIFIER_MONGO, useFactory: () => connectMongo(config.MONGODB_URI) },
        repositoryProvider(DeliveryRepository),
        repositoryProvider(AutobookRepository),
        { provide: AutobookLookup, inject: [AutobookRepository], useFactory: (autobooks: AutobookRepository) => new AutobookLookup(config, autobooks) },
        // Templates are read and compiled once, here: a broken template stops the boot, not an email.
        { provide: EmailRenderer, useFactory: () => new EmailRenderer() },
        Mailer,
        NotifierMetrics,
        { provide: METRICS_REGISTRY, inject: [NotifierMetrics], useFactory: (m: NotifierMetrics) => m.registry },
        metricsServerProvider(config.METRICS_PORT),
        NotificationService,
        NotifierKafka,
        NotificationConsumer,
        PaymentFailedConsumer,
        {
          provide: READINESS_CHECKS,
          inject: [NOTIFIER_MONGO, NotificationConsumer, PaymentFailedConsumer, EventPublisher],
          useFactory: (mongo: Connection, consumer: NotificationConsumer, payments: PaymentFailedConsumer, publisher: EventPublisher): ReadinessCheck[] => [
            { name: 'mongodb', check: () => pingMongo(mongo) },
            { name: 'kafka', check: () => consumer.healthy && payments.healthy && publisher.isConnected },
          ],
        },
        consumerLivenessProvider([NotificationConsumer, PaymentFailedConsumer], config.CONSUMER_STALL_MS),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
    await this.mongo.close().catch(() => undefined);
  }
}

/** A repository whose collections and indexes exist before anything uses it. */
function repositoryProvider<T extends { ensureIndexes(): Promise<void> }>(type: new (connection: Connection) => T): Provider {
  return {
    provide: type,
    inject: [NOTIFIER_MONGO],
    useFactory: async (connection: Connection) => {
      const repository = new type(connection);
      await repository.ensureIndexes();
      return repository;
    },
  };
}
