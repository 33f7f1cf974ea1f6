import { TOPICS } from '#contracts';
import { HealthModule, KafkaModule, kafkaClientOf, METRICS_REGISTRY, MongoModule, metricsServerProvider } from '#platform';
import { DynamicModule, Module } from '@nestjs/common';
import { ONGOING_TRAINING_CONFIG, OngoingTrainingConfig } from './config.js';
import { EnrollmentController } from './http/enrollment.controller.js';
import { OpenApiController } from './http/openapi.controller.js';
import { RateLimitGuard } from './http/rate-limit.guard.js';
import { TokenVerifier } from './http/token-verifier.js';
import { ConsumerLagMonitor } from './observability/consumer-lag.monitor.js';
import { RenewalMetrics } from './observability/renewal.metrics.js';
import { AutobookOutbox } from './renewal/autobook.outbox.js';
import { CLOCK_OFFSET_FILE, Clock } from './renewal/clock.js';
import { PAIR_CACHE_BYTES, PairRepository, PairStoreStartup } from './renewal/pair.repository.js';
import { PauseScheduler } from './renewal/pause.scheduler.js';
import { RENEWAL_EVENTS, RenewalEventsController } from './renewal/renewal-events.controller.js';
import { RenewalService } from './renewal/renewal.service.js';

/**
 * The Ongoing Training service: the renewal rules fed by five Kafka topics (RenewalEventsController) and
 * by the API (EnrollmentController), each pair's changes in MongoDB, the autobooks published.
 */
@Module({})
export class OngoingTrainingModule {
  static forRoot(config: OngoingTrainingConfig): DynamicModule {
    return {
      module: OngoingTrainingModule,
      imports: [
        KafkaModule.forRoot({
          ...kafkaClientOf(config),
          produces: [TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED],
          consumers: [
            {
              id: RENEWAL_EVENTS,
              groupId: config.KAFKA_GROUP_ID,
              chunkSize: config.APPLY_CHUNK_SIZE,
              chunkBytes: config.APPLY_CHUNK_BYTES,
              partitionsConsumedConcurrently: config.APPLY_PARTITIONS_CONCURRENTLY,
              observer: RenewalMetrics,
            },
          ],
        }),
        MongoModule.forRoot({ uri: config.MONGODB_URI }),
        HealthModule.forRoot({ consumerStallMs: config.CONSUMER_STALL_MS }),
      ],
      controllers: [RenewalEventsController, EnrollmentController, OpenApiController],
      providers: [
        { provide: ONGOING_TRAINING_CONFIG, useValue: config },
        { provide: PAIR_CACHE_BYTES, useValue: config.PAIR_CACHE_MB * 1024 * 1024 },
        { provide: CLOCK_OFFSET_FILE, useValue: config.CLOCK_OFFSET_FILE },
        { provide: TokenVerifier, useFactory: () => new TokenVerifier(config) },
        RateLimitGuard,
        RenewalMetrics,
        { provide: METRICS_REGISTRY, inject: [RenewalMetrics], useFactory: (m: RenewalMetrics) => m.registry },
        metricsServerProvider(config.METRICS_PORT),
        Clock,
        PairRepository,
        PairStoreStartup,
        AutobookOutbox,
        RenewalService,
        PauseScheduler,
        ConsumerLagMonitor,
      ],
    };
  }
}
