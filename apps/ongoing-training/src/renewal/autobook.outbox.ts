import { TOPICS } from '@app/contracts';
import { EventPublisher } from '@app/platform';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RenewalMetrics } from '../observability/renewal.metrics';
import { OutboxItem, PairRepository } from './pair.repository';

const SWEEP_BATCH = 200;

/**
 * Publishes autobooks from the pair versions they were stored in (an outbox): right after the write
 * that made them, and again by a periodic sweep for any left behind by a crash or a broker outage.
 * Publishing is at least once with a stable eventId; consumers dedupe on it.
 */
@Injectable()
export class AutobookOutbox implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AutobookOutbox.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private sweepMs = 2000;

  constructor(
    private readonly pairs: PairRepository,
    private readonly publisher: EventPublisher,
    private readonly metrics: RenewalMetrics,
  ) {}

  configure(sweepMs: number): void {
    this.sweepMs = sweepMs;
  }

  onModuleInit(): void {
    // At start: whatever a crashed predecessor stored and did not publish.
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** Publishes the items' autobooks, then records them as published. */
  async publish(items: OutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    const records = items.flatMap((item) => item.autobooked.map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOKED, key: payload.clientId, payload })));
    await this.publisher.publish(records);
    this.metrics.autobooksPublished.inc(records.length);
    await this.pairs.markPublished(items.map((i) => i.versionId));
  }

  /** One pass over the outbox; a pass already under way is not doubled. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (;;) {
          // Versions younger than a sweep period are still being published by their writer.
          const pending = await this.pairs.pendingOutbox(SWEEP_BATCH, new Date(Date.now() - this.sweepMs));
          this.metrics.outboxBacklog.set(pending.length);
          if (pending.length === 0) return;
          await this.publish(pending);
          if (pending.length < SWEEP_BATCH) return;
        }
      } catch (error) {
        this.logger.warn({ message: 'outbox sweep failed, will try again', error: String(error) });
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }
}
