import { INPUT_TOPICS, TOPICS } from '#contracts';
import { EventPublisher, HealthController, METRICS_REGISTRY, consumerLivenessProvider, metricsServerProvider, READINESS_CHECKS, ReadinessCheck, connectMongo, kafkaProviders, pingMongo } from '#platform';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { type Connection } from 'mongoose';
import { ONGOING_TRAINING_CONFIG, OngoingTrainingConfig } from './config.js';
import { EnrollmentController } from './http/enrollment.controller.js';
import { HttpErrorsFilter } from './http/http-errors.filter.js';
import { OpenApiController } from './http/openapi.controller.js';
import { TokenVerifier } from './http/token-verifier.js';
import { RATE_LIMITS, RateLimitGuard, isRead } from './http/rate-limit.guard.js';
import { ConsumerLagMonitor } from './observability/consumer-lag.monitor.js';
import { RenewalMetrics } from './observability/renewal.metrics.js';
import { AutobookOutbox } from './renewal/autobook.outbox.js';
import { CLOCK_OFFSET_FILE, Clock } from './renewal/clock.js';
import { MONGO_CONNECTION, PairRepository } from './renewal/pair.repository.js';
import { RenewalConsumer } from './renewal/renewal.consumer.js';
import { RenewalService } from './renewal/renewal.service.js';
import { PauseScheduler } from './renewal/pause.scheduler.js';

@Module({})
export class OngoingTrainingModule implements OnApplicationShutdown {
  constructor(
    @Inject(MONGO_CONNECTION) private readonly mongo: Connection,
    private readonly publisher: EventPublisher,
  ) {}

  static forRoot(config: OngoingTrainingConfig): DynamicModule {
    return {
      module: OngoingTrainingModule,
      imports: [
        // Reads and writes are counted apart, per subject (RateLimitGuard), over a minute.
        ThrottlerModule.forRoot([
          { name: RATE_LIMITS.READS, ttl: 60000, limit: config.RATE_LIMIT_READS_PER_MINUTE, skipIf: (context) => !isRead(context), setHeaders: false },
          { name: RATE_LIMITS.WRITES, ttl: 60000, limit: config.RATE_LIMIT_WRITES_PER_MINUTE, skipIf: isRead, setHeaders: false },
        ]),
      ],
      controllers: [EnrollmentController, OpenApiController, HealthController],
      providers: [
        { provide: ONGOING_TRAINING_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: HttpErrorsFilter },
        { provide: TokenVerifier, useFactory: () => new TokenVerifier(config) },
        RateLimitGuard,
        ...kafkaProviders(ONGOING_TRAINING_CONFIG, { uses: [...INPUT_TOPICS, TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED], consumes: [...INPUT_TOPICS] }),
        {
          provide: MONGO_CONNECTION,
          useFactory: () => connectMongo(config.MONGODB_URI),
        },
        {
          provide: PairRepository,
          inject: [MONGO_CONNECTION],
          useFactory: async (connection: Connection) => {
            const repository = new PairRepository(connection, config.PAIR_CACHE_MB * 1024 * 1024);
            await repository.ensureIndexes();
            // Before anything is consumed: pairs stored by the earlier release are carried over once.
            await repository.migrateLegacy();
            return repository;
          },
        },
        RenewalMetrics,
        { provide: METRICS_REGISTRY, inject: [RenewalMetrics], useFactory: (m: RenewalMetrics) => m.registry },
        metricsServerProvider(config.METRICS_PORT),
        { provide: CLOCK_OFFSET_FILE, useValue: config.CLOCK_OFFSET_FILE },
        Clock,
        {
          provide: AutobookOutbox,
          inject: [PairRepository, EventPublisher, RenewalMetrics],
          useFactory: (pairs: PairRepository, publisher: EventPublisher, metrics: RenewalMetrics) => {
            const outbox = new AutobookOutbox(pairs, publisher, metrics);
            outbox.configure(config.OUTBOX_RETRY_MS);
            return outbox;
          },
        },
        RenewalService,
        {
          provide: PauseScheduler,
          inject: [RenewalService, PairRepository, Clock, RenewalMetrics],
          useFactory: (renewals: RenewalService, pairs: PairRepository, clock: Clock, metrics: RenewalMetrics) => {
            const scheduler = new PauseScheduler(renewals, pairs, clock, metrics);
            scheduler.configure(config.PAUSE_CHECK_MS);
            return scheduler;
          },
        },
        RenewalConsumer,
        ConsumerLagMonitor,
        {
          provide: READINESS_CHECKS,
          inject: [MONGO_CONNECTION, RenewalConsumer, EventPublisher],
          useFactory: (mongo: Connection, consumer: RenewalConsumer, publisher: EventPublisher): ReadinessCheck[] => [
            { name: 'mongodb', check: () => pingMongo(mongo) },
            { name: 'kafka', check: () => consumer.healthy && publisher.isConnected },
          ],
        },
        consumerLivenessProvider([RenewalConsumer], config.CONSUMER_STALL_MS),
      ],
    };
  }

  // Runs after every provider's own shutdown hook: the consumer has left its group, the producer flushed.
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect().catch(() => undefined);
    await this.mongo.close().catch(() => undefined);
  }
}
