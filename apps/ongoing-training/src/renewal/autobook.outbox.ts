import { TOPICS } from '#contracts';
import { EventPublisher } from '#platform';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ONGOING_TRAINING_CONFIG, type OngoingTrainingConfig } from '../config.js';
import { RenewalMetrics } from '../observability/renewal.metrics.js';
import { PairRepository } from './pair.repository.js';
import { OutboxEvent } from './pair.schema.js';

/** How far back a start, or a pair read cold, looks for autobooks a crashed process did not publish. */
export const OUTBOX_RECOVERY_MS = 24 * 60 * 60 * 1000;

/**
 * Publishes what the pair changes stored (an outbox: autobooks, heads-ups, voids), and records each
 * event once the broker acknowledged it. Events left behind are found again: by the next apply that
 * reads their pair cold, by the recovery pass at start, and, after a failed publish, by a retry timer.
 * Publishing is at least once with a stable eventId; consumers dedupe on it.
 */
@Injectable()
export class AutobookOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AutobookOutbox.name);
  private readonly unpublished = new Map<string, OutboxEvent>();
  /** Acknowledged by the broker, not yet recorded as published. */
  private readonly acknowledged = new Set<string>();
  private recording: Promise<void> | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly retryMs: number;

  constructor(
    private readonly pairs: PairRepository,
    private readonly publisher: EventPublisher,
    private readonly metrics: RenewalMetrics,
    @Inject(ONGOING_TRAINING_CONFIG) config: Pick<OngoingTrainingConfig, 'OUTBOX_RETRY_MS'>,
  ) {
    this.retryMs = config.OUTBOX_RETRY_MS;
  }

  onApplicationBootstrap(): void {
    void this.recover();
    this.timer = setInterval(() => void this.retry(), this.retryMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // The last records, so that the next start does not publish these again.
    await this.recording;
    this.stopped = true;
    await this.recordAcknowledged();
  }

  /** Publishes the events and records them as published. Throws when the broker does not take them. */
  async publish(events: OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.publisher.publish(events.map(({ topic, payload }) => ({ topic, key: payload.clientId, payload }) as never));
    } catch (error) {
      for (const e of events) this.unpublished.set(e.payload.eventId, e);
      this.metrics.outboxBacklog.set(this.unpublished.size);
      throw error;
    }
    for (const e of events) {
      if (e.topic === TOPICS.SESSION_AUTOBOOKED) this.metrics.autobooksPublished.inc();
      else this.metrics.eventsPublished.inc({ topic: e.topic });
    }
    for (const e of events) this.unpublished.delete(e.payload.eventId);
    this.metrics.outboxBacklog.set(this.unpublished.size);
    for (const e of events) this.acknowledged.add(e.payload.eventId);
    void this.recordAcknowledged();
  }

  /**
   * Records acknowledged autobooks in the background, many per insert, off the path of the next input:
   * the record only spares a restart from publishing them again (same eventId), so losing the last few
   * in a crash costs duplicates that consumers drop, never a lost or doubled booking.
   */
  private async recordAcknowledged(): Promise<void> {
    if (this.recording || this.acknowledged.size === 0) return this.recording ?? undefined;
    const eventIds = [...this.acknowledged];
    this.acknowledged.clear();
    this.recording = this.pairs
      .markPublished(eventIds, new Date())
      .catch((error) => {
        for (const id of eventIds) this.acknowledged.add(id);
        this.logger.warn({ message: 'recording published autobooks failed, will retry', count: eventIds.length, error: String(error) });
      })
      .finally(() => {
        this.recording = null;
      });
    await this.recording;
    // What was acknowledged meanwhile goes in the next insert.
    if (this.acknowledged.size > 0 && !this.stopped) void this.recordAcknowledged();
  }

  /** Of these stored events, the recent ones the broker has not acknowledged. */
  async unacknowledged(events: OutboxEvent[], now: Date): Promise<OutboxEvent[]> {
    const recent = events.filter((e) => now.getTime() - Date.parse(e.payload.occurredAt) < OUTBOX_RECOVERY_MS);
    if (recent.length === 0) return [];
    const published = await this.pairs.publishedAmong(recent.map((e) => e.payload.eventId));
    return recent.filter((e) => !published.has(e.payload.eventId));
  }

  /** At start: what a crashed predecessor stored and did not publish. */
  async recover(): Promise<void> {
    try {
      const now = new Date();
      const since = new Date(now.getTime() - OUTBOX_RECOVERY_MS);
      // The pass at start reads every stored change once, for the pairs and for this.
      await this.pairs.restore();
      // Two reads, whatever the number of autobooks: an acknowledgement is recorded after the autobook is stored.
      const [stored, published] = await Promise.all([this.pairs.outboxSince(since), this.pairs.publishedSince(since)]);
      const missing = stored.filter((e) => now.getTime() - Date.parse(e.payload.occurredAt) < OUTBOX_RECOVERY_MS && !published.has(e.payload.eventId));
      if (missing.length > 0) this.logger.log({ message: 'publishing events left unpublished', count: missing.length });
      await this.publish(missing);
    } catch (error) {
      this.logger.warn({ message: 'outbox recovery failed; the retry timer goes on', error: String(error) });
    }
  }

  private async retry(): Promise<void> {
    void this.recordAcknowledged();
    if (this.unpublished.size === 0) return;
    await this.publish([...this.unpublished.values()]).catch((error) =>
      this.logger.warn({ message: 'publishing events failed again, will retry', count: this.unpublished.size, error: String(error) }),
    );
  }
}
