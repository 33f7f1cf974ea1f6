import { SessionAutobooked, TOPICS } from '@app/contracts';
import { EventPublisher } from '@app/platform';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RenewalMetrics } from '../observability/renewal.metrics';
import { PairRepository } from './pair.repository';

/** How far back a start, or a pair read cold, looks for autobooks a crashed process did not publish. */
export const OUTBOX_RECOVERY_MS = 24 * 60 * 60 * 1000;

/**
 * Publishes autobooks from the pair versions they were stored in (an outbox), and records each once
 * the broker acknowledged it. Autobooks left behind are found again: by the next apply that reads
 * their pair cold, by the recovery pass at start, and, after a failed publish, by a retry timer.
 * Publishing is at least once with a stable eventId; consumers dedupe on it.
 */
@Injectable()
export class AutobookOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AutobookOutbox.name);
  private readonly unpublished = new Map<string, SessionAutobooked>();
  private timer: NodeJS.Timeout | null = null;
  private retryMs = 5000;

  constructor(
    private readonly pairs: PairRepository,
    private readonly publisher: EventPublisher,
    private readonly metrics: RenewalMetrics,
  ) {}

  configure(retryMs: number): void {
    this.retryMs = retryMs;
  }

  onApplicationBootstrap(): void {
    void this.recover();
    this.timer = setInterval(() => void this.retry(), this.retryMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Publishes the autobooks and records them as published. Throws when the broker does not take them. */
  async publish(autobooks: SessionAutobooked[]): Promise<void> {
    if (autobooks.length === 0) return;
    try {
      await this.publisher.publish(autobooks.map((payload) => ({ topic: TOPICS.SESSION_AUTOBOOKED, key: payload.clientId, payload })));
    } catch (error) {
      for (const a of autobooks) this.unpublished.set(a.eventId, a);
      this.metrics.outboxBacklog.set(this.unpublished.size);
      throw error;
    }
    this.metrics.autobooksPublished.inc(autobooks.length);
    for (const a of autobooks) this.unpublished.delete(a.eventId);
    this.metrics.outboxBacklog.set(this.unpublished.size);
    await this.pairs.markPublished(autobooks.map((a) => a.eventId), new Date());
  }

  /** Of these stored autobooks, the recent ones the broker has not acknowledged. */
  async unacknowledged(autobooks: SessionAutobooked[], now: Date): Promise<SessionAutobooked[]> {
    const recent = autobooks.filter((a) => now.getTime() - Date.parse(a.occurredAt) < OUTBOX_RECOVERY_MS);
    if (recent.length === 0) return [];
    const published = await this.pairs.publishedAmong(recent.map((a) => a.eventId));
    return recent.filter((a) => !published.has(a.eventId));
  }

  /** At start: what a crashed predecessor stored and did not publish. */
  async recover(): Promise<void> {
    try {
      const now = new Date();
      const stored = await this.pairs.autobooksSince(new Date(now.getTime() - OUTBOX_RECOVERY_MS));
      const missing = await this.unacknowledged(stored, now);
      if (missing.length > 0) this.logger.log({ message: 'publishing autobooks left unpublished', count: missing.length });
      await this.publish(missing);
    } catch (error) {
      this.logger.warn({ message: 'outbox recovery failed; the retry timer goes on', error: String(error) });
    }
  }

  private async retry(): Promise<void> {
    if (this.unpublished.size === 0) return;
    await this.publish([...this.unpublished.values()]).catch((error) =>
      this.logger.warn({ message: 'publishing autobooks failed again, will retry', count: this.unpublished.size, error: String(error) }),
    );
  }
}
