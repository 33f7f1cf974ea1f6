import { TOPICS } from '#contracts';
import type { InboundChunk, InboundItem } from '#platform';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { NotifierMetrics } from '../observability/notifier.metrics.js';
import { AutobookLookup } from './autobook-lookup.js';
import { AutobookRepository } from './autobook.repository.js';
import { NotificationService } from './notification.service.js';

/** The consumer group of the autobook, heads-up and void emails (KAFKA_GROUP_ID). */
export const NOTIFICATIONS = Symbol('notifications');

/**
 * The consumer group of the failed-payment emails (R16): KAFKA_GROUP_ID with `.payment-failed` after it.
 * A failure that waits for its autobook holds back the fetches of its consumer (kafkajs fetches again
 * only once every partition in hand is done), and must never hold back the autobooks it waits for.
 */
export const PAYMENTS = Symbol('payments');

export const PAYMENT_FAILED_GROUP_SUFFIX = '.payment-failed';

/**
 * The Kafka edge of the notifier: each event in (validated by its contract by the transport), made a
 * notification, its emails out. One event at a time per partition, partitions side by side: a client's
 * emails go out in the order of their events.
 */
@Controller()
export class NotificationEventsController {
  constructor(
    private readonly notifications: NotificationService,
    private readonly autobooks: AutobookRepository,
    private readonly lookup: AutobookLookup,
    private readonly metrics: NotifierMetrics,
  ) {}

  /** An autobook is recorded as well, for the failed payments that name it. */
  @EventPattern(TOPICS.SESSION_AUTOBOOKED, NOTIFICATIONS)
  autobooked(@Payload() chunk: InboundChunk<typeof TOPICS.SESSION_AUTOBOOKED>): Promise<void> {
    return this.each(chunk, async (event) => {
      // Recorded beside the emails, not after them: a failed payment can name an autobook whose emails
      // were dead-lettered. A failed record fails the event, whose emails are then answered by the ledger.
      const [recorded, notified] = await Promise.allSettled([
        this.autobooks.record(event),
        this.notifications.notify({ kind: 'autobooked', event }, () => chunk.heartbeat()),
      ]);
      if (recorded.status === 'rejected') throw recorded.reason;
      if (notified.status === 'rejected') throw notified.reason;
    });
  }

  @EventPattern(TOPICS.SESSION_AUTOBOOK_UPCOMING, NOTIFICATIONS)
  autobookUpcoming(@Payload() chunk: InboundChunk<typeof TOPICS.SESSION_AUTOBOOK_UPCOMING>): Promise<void> {
    return this.each(chunk, (event) => this.notifications.notify({ kind: 'autobook-upcoming', event }, () => chunk.heartbeat()));
  }

  @EventPattern(TOPICS.SESSION_AUTOBOOK_VOIDED, NOTIFICATIONS)
  autobookVoided(@Payload() chunk: InboundChunk<typeof TOPICS.SESSION_AUTOBOOK_VOIDED>): Promise<void> {
    return this.each(chunk, (event) => this.notifications.notify({ kind: 'autobook-voided', event }, () => chunk.heartbeat()));
  }

  @EventPattern(TOPICS.PAYMENT_FAILED, PAYMENTS)
  paymentFailed(@Payload() chunk: InboundChunk<typeof TOPICS.PAYMENT_FAILED>): Promise<void> {
    return this.each(chunk, async (event) => {
      await this.notifications.notify({ kind: 'payment-failed', event, autobook: await this.lookup.autobookOf(event) }, () => chunk.heartbeat());
    });
  }

  /** One event at a time, measured. */
  private async each<E>({ items }: { items: readonly InboundItem<E>[] }, handle: (event: E) => Promise<void>): Promise<void> {
    for (const { payload } of items) {
      const started = process.hrtime.bigint();
      await handle(payload);
      this.metrics.eventsHandled.inc();
      this.metrics.handleSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
