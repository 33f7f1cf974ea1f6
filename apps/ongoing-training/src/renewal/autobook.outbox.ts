import { TOPICS } from '@app/contracts';
import { EventPublisher } from '@app/platform';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { autobookedEvent } from '../domain';
import { RenewalMetrics } from '../observability/renewal.metrics';
import { PairRepository, StoredPair } from './pair.repository';

const SWEEP_BATCH = 100;

/**
 * Publishes autobooks from the pair documents they were stored in (an outbox): right after the write
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
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** Publishes the pairs' unpublished autobooks, then records them as published. */
  async publish(pairs: StoredPair[]): Promise<void> {
    const pending = pairs.filter((p) => p.autobookCount > p.publishedThrough);
    if (pending.length === 0) return;
    const records = pending.flatMap((p) =>
      p.state.autobooks
        .filter((a) => a.sequence > p.publishedThrough)
        .map((a) => ({ topic: TOPICS.SESSION_AUTOBOOKED, key: p.state.clientId, payload: autobookedEvent(p.state, a) })),
    );
    await this.publisher.publish(records);
    this.metrics.autobooksPublished.inc(records.length);
    await Promise.all(pending.map((p) => this.pairs.markPublished(p.key, p.autobookCount)));
  }

  /** One pass over the outbox; a pass already under way is not doubled. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (;;) {
          const pending = await this.pairs.pendingOutbox(SWEEP_BATCH);
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
