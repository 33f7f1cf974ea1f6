import { INPUT_TOPICS } from '#contracts';
import { KAFKA, TopicNames } from '#platform';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { ONGOING_TRAINING_CONFIG, type OngoingTrainingConfig } from '../config.js';

import { RenewalMetrics } from './renewal.metrics.js';

const INTERVAL_MS = 10000;

/** Samples the consumer group's lag on the input topics for `/metrics`. */
@Injectable()
export class ConsumerLagMonitor implements OnModuleInit, OnApplicationShutdown {
  private admin: Admin | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(ONGOING_TRAINING_CONFIG) private readonly config: OngoingTrainingConfig,
    private readonly names: TopicNames,
    private readonly metrics: RenewalMetrics,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sample().catch(() => undefined), INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }

  async sample(): Promise<void> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    for (const contract of INPUT_TOPICS) {
      const topic = this.names.of(contract);
      const [ends, [committed]] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId: this.config.KAFKA_GROUP_ID, topics: [topic] }),
      ]);
      for (const end of ends) {
        const at = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const lag = Number(end.high) - (Number(at) < 0 ? Number(end.low) : Number(at));
        this.metrics.consumerLag.set({ topic, partition: String(end.partition) }, Math.max(0, lag));
      }
    }
  }
}
