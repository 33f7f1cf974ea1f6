import { MongoModule } from '#platform';
import { NOTIFIER_CONFIG, type NotifierConfig } from '#notifier/config';
import { DeliveryRepository } from '#notifier/delivery/delivery.repository';
import { DELIVERIES_COLLECTION } from '#notifier/delivery/delivery.schema';
import { Mailer } from '#notifier/delivery/mailer';
import { NotificationService } from '#notifier/delivery/notification.service';
import { EmailRenderer } from '#notifier/mail/email-renderer';
import { NotifierMetrics } from '#notifier/observability/notifier.metrics';
import { DynamicModule, Module } from '@nestjs/common';
import { redact, requireCollection } from '../cli/database.js';

/** The notifier's delivery ledger, read and written through its own DeliveryRepository: `deliveries`. */
@Module({})
export class LedgerModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: LedgerModule,
      imports: [MongoModule.forRoot({ uri: config.MONGODB_URI })],
      providers: [
        requireCollection(
          DELIVERIES_COLLECTION,
          `database ${redact(config.MONGODB_URI)} has no "${DELIVERIES_COLLECTION}" collection: is it the notifier's database (--mongodb-uri or MONGODB_URI)?`,
        ),
        DeliveryRepository,
      ],
      exports: [DeliveryRepository],
    };
  }
}

/**
 * The notifier's NotificationService with its real collaborators (renderer, mailer, ledger, metrics) and
 * the notifier's configuration: `resend` sends exactly as the notifier does.
 */
@Module({})
export class ResendModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: ResendModule,
      imports: [LedgerModule.forRoot(config)],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: EmailRenderer, useFactory: () => new EmailRenderer() },
        Mailer,
        NotifierMetrics,
        NotificationService,
      ],
    };
  }
}
