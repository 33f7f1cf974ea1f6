import { PaymentFailed, SessionAutobooked } from '#contracts';
import { PermanentError, WaitingError } from '#platform/errors';
import type { NotifierConfig } from '../config.js';

/** Where the autobooks the notifier recorded are found (AutobookRepository). */
export interface RecordedAutobooks {
  find(eventId: string): Promise<SessionAutobooked | null>;
}

/**
 * Finds the autobook a `payment.failed` is for among those the notifier recorded from
 * `session.autobooked`. The two topics are read by two consumers side by side, so a failure can come
 * first (the autobook's partition is behind, or both are replayed into an empty database): it then waits,
 * retried by its consumer, for PAYMENT_FAILED_AUTOBOOK_WAIT_MS from the moment this process first looked,
 * and is dead-lettered after that, with a reason that says which autobook was never seen. A failure
 * whose pair is not its autobook's is dead-lettered at once: its emails would go to the wrong people.
 */
// Plain TypeScript, no Nest: the module provides it (app.module.ts) and its spec loads it as it is.
export class AutobookLookup {
  /** When this process first missed each failure's autobook (by the failure's eventId). */
  private readonly waitingSince = new Map<string, number>();

  constructor(
    private readonly config: Pick<NotifierConfig, 'PAYMENT_FAILED_AUTOBOOK_WAIT_MS'>,
    private readonly autobooks: RecordedAutobooks,
  ) {}

  async autobookOf(failure: PaymentFailed, now = Date.now()): Promise<SessionAutobooked> {
    const autobook = await this.autobooks.find(failure.autobookEventId);
    if (autobook) {
      this.waitingSince.delete(failure.eventId);
      if (autobook.clientId !== failure.clientId || autobook.coachId !== failure.coachId) {
        throw new PermanentError(
          'AUTOBOOK_OF_ANOTHER_PAIR',
          `payment.failed ${failure.eventId} names client ${JSON.stringify(failure.clientId)} and coach ${JSON.stringify(failure.coachId)}, but autobook ${failure.autobookEventId} is of client ${JSON.stringify(autobook.clientId)} and coach ${JSON.stringify(autobook.coachId)}`,
        );
      }
      return autobook;
    }
    this.forgetOld(now);
    const since = this.waitingSince.get(failure.eventId) ?? now;
    this.waitingSince.set(failure.eventId, since);
    const waitMs = this.config.PAYMENT_FAILED_AUTOBOOK_WAIT_MS;
    if (now - since >= waitMs) {
      this.waitingSince.delete(failure.eventId);
      throw new PermanentError(
        'AUTOBOOK_UNKNOWN',
        `payment.failed ${failure.eventId} is for autobook ${failure.autobookEventId}, which the notifier has not seen on session.autobooked (waited ${Math.round(waitMs / 1000)} s); replay this dead letter once that autobook is handled`,
      );
    }
    throw new WaitingError(`payment.failed ${failure.eventId} waits for autobook ${failure.autobookEventId} on session.autobooked`);
  }

  // Failures whose partition moved to another instance mid-wait are never asked for again here.
  private forgetOld(now: number): void {
    for (const [eventId, since] of this.waitingSince) {
      if (now - since > 2 * this.config.PAYMENT_FAILED_AUTOBOOK_WAIT_MS + 60000) this.waitingSince.delete(eventId);
    }
  }
}
