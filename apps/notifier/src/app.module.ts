import { TOPICS } from '@app/contracts';
import { EventPublisher, HealthController, METRICS_REGISTRY, consumerLivenessProvider, metricsServerProvider, READINESS_CHECKS, ReadinessCheck, connectMongo, kafkaProviders, pingMongo } from '@app/platform';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Connection } from 'mongoose';
import { NOTIFIER_CONFIG, NotifierConfig } from './config';
import { AutobookedConsumer } from './delivery/autobooked.consumer';
import { DeliveryRepository, NOTIFIER_MONGO } from './delivery/delivery.repository';
import { Mailer } from './delivery/mailer';
import { NotificationService } from './delivery/notification.service';
import { EmailRenderer } from './mail/email-renderer';
import { PreviewController } from './mail/preview.controller';
import { NotifierMetrics } from './observability/notifier.metrics';

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
        ...kafkaProviders(NOTIFIER_CONFIG, { uses: [TOPICS.SESSION_AUTOBOOKED], consumes: [TOPICS.SESSION_AUTOBOOKED] }),
        { provide: NOTIFIER_MONGO, useFactory: () => connectMongo(config.MONGODB_URI) },
        {
          provide: DeliveryRepository,
          inject: [NOTIFIER_MONGO],
          useFactory: async (connection: Connection) => {
            const repository = new DeliveryRepository(connection);
            await repository.ensureIndexes();
            return repository;
          },
        },
        // Templates are read and compiled once, here: a broken template stops the boot, not an email.
        { provide: EmailRenderer, useFactory: () => new EmailRenderer() },
        Mailer,
        NotifierMetrics,
        { provide: METRICS_REGISTRY, inject: [NotifierMetrics], useFactory: (m: NotifierMetrics) => m.registry },
        metricsServerProvider(config.METRICS_PORT),
        NotificationService,
        AutobookedConsumer,
        {
          provide: READINESS_CHECKS,
          inject: [NOTIFIER_MONGO, AutobookedConsumer, EventPublisher],
          useFactory: (mongo: Connection, consumer: AutobookedConsumer, publisher: EventPublisher): ReadinessCheck[] => [
            { name: 'mongodb', check: () => pingMongo(mongo) },
            { name: 'kafka', check: () => consumer.healthy && publisher.isConnected },
          ],
        },
        consumerLivenessProvider(AutobookedConsumer, config.CONSUMER_STALL_MS),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
    await this.mongo.close().catch(() => undefined);
  }
}
