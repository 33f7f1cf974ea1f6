import { PermanentError, TransientError, backoffDelay } from '#platform';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config.js';
import { EmailRenderer, RenderOptions, RenderedEmail } from '../mail/email-renderer.js';
import { Notification, NotificationKind, notificationKey } from '../mail/notification.js';
import { NotifierMetrics } from '../observability/notifier.metrics.js';
import { ClaimResult, DeliveryRepository, NewDelivery } from './delivery.repository.js';
import { Recipient, deliveryId, notificationOf } from './delivery.schema.js';
import { Mailer } from './mailer.js';

/** How long a claim on an email holds while its sender works on it. */
const LEASE_MS = 5 * 60 * 1000;

export type DeliveryOutcome = 'sent' | 'already-sent' | { failed: string };

/**
 * Sends the emails of a notification (an autobook's two, R9; a heads-up's one, R13; a void's two, R15; a
 * failed payment's two, R16), side by side, each exactly once per (kind, key, recipient): claimed in the
 * ledger first, sent with a deterministic Message-ID, then its outcome recorded. Transient SMTP failures
 * are retried with bounded backoff; what still fails is recorded in the ledger and dead-lettered.
 */
@Injectable()
export class NotificationService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationService.name);
  /** This process, as the holder of ledger claims. */
  readonly owner = `notifier-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Aborted when the app starts to shut down: SMTP retries stop waiting and hand their email back. */
  private readonly stopping = new AbortController();

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly renderer: EmailRenderer,
    private readonly mailer: Mailer,
    private readonly ledger: DeliveryRepository,
    private readonly metrics: NotifierMetrics,
  ) {}

  /** Every email of one notification. Throws PermanentError (dead letter) when one could not be sent. */
  async notify(notification: Notification, heartbeat: () => Promise<void> = async () => undefined): Promise<void> {
    let emails: { recipient: Recipient; email: RenderedEmail }[];
    try {
      emails = this.renderer.renderAll(notification, this.links());
    } catch (error) {
      throw new PermanentError('RENDER_FAILED', (error as Error).message);
    }
    const deliveries = emails.map(({ recipient, email }) => this.newDelivery(notification, recipient, email));
    const claims = await this.ledger.claim(deliveries, this.owner, LEASE_MS);
    // Each email runs to its end (sent, given up on, handed back) whatever happens to the other, so that
    // every outcome is in the ledger before the event is retried or dead-lettered.
    const settled = await Promise.allSettled(emails.map(({ email }, i) => this.send(deliveries[i], claims[i], email, heartbeat)));
    const thrown = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (thrown) throw thrown.reason;
    const failures: string[] = [];
    settled.forEach((s, i) => {
      // An email given up on earlier fails the event again: the consumer re-applies an event that failed
      // (to isolate it) and a replay re-reads it, and either must dead-letter it, not commit it as done.
      const outcome = (s as PromiseFulfilledResult<DeliveryOutcome>).value;
      if (typeof outcome === 'object') failures.push(`${emails[i].recipient} <${emails[i].email.to.address}>: ${outcome.failed}`);
    });
    if (failures.length > 0) throw new PermanentError('DELIVERY_FAILED', failures.join('; '));
  }

  /** Sends one email unless the ledger says it was sent or already given up on. */
  async deliver(
    notification: Notification,
    recipient: Recipient,
    email: RenderedEmail,
    heartbeat: () => Promise<void> = async () => undefined,
  ): Promise<DeliveryOutcome> {
    const delivery = this.newDelivery(notification, recipient, email);
    const [claim] = await this.ledger.claim([delivery], this.owner, LEASE_MS);
    return this.send(delivery, claim, email, heartbeat);
  }

  private links(): RenderOptions {
    return { preferencesUrl: this.config.PREFERENCES_URL, paymentMethodUrl: this.config.PAYMENT_METHOD_URL };
  }

  private newDelivery(notification: Notification, recipient: Recipient, email: RenderedEmail): NewDelivery {
    return {
      notification,
      recipient,
      address: email.to.address,
      messageId: this.mailer.messageId(notificationKey(notification), recipient, notification.kind),
    };
  }

  private async send(delivery: NewDelivery, claim: ClaimResult, email: RenderedEmail, heartbeat: () => Promise<void>): Promise<DeliveryOutcome> {
    const { notification, recipient, messageId } = delivery;
    const { kind, event } = notification;
    const key = { eventId: notificationKey(notification), recipient, kind };
    const id = deliveryId(key.eventId, recipient, kind);
    if (claim === 'already-sent') return 'already-sent';
    if (claim === 'busy') throw new TransientError(`email ${id} is being sent by another instance`);
    if (typeof claim === 'object') return claim;
    const log = { kind, eventId: event.eventId, clientId: event.clientId, coachId: event.coachId, recipient };
    for (let attempt = 1; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        await this.mailer.send(email, messageId);
      } catch (error) {
        const failure = this.mailer.classify(error);
        this.metrics.emailsFailed.inc({ recipient, kind: failure.kind });
        const exhausted = attempt >= this.config.SMTP_MAX_ATTEMPTS;
        if (failure.kind === 'permanent' || exhausted) {
          const reason = failure.kind === 'permanent' ? `refused: ${failure.reason}` : `gave up after ${attempt} attempts: ${failure.reason}`;
          const recorded = await this.ledger.recordOutcome(key, 'failed', reason);
          if (recorded.status === 'sent') return 'already-sent';
          this.logger.warn({ message: 'email not sent', ...log, reason });
          return { failed: recorded.reason ?? reason };
        }
        await this.ledger.recordAttempt(id, this.owner, failure.reason, LEASE_MS);
        this.logger.warn({ message: 'email failed, retrying', ...log, attempt, reason: failure.reason });
        await sleep(backoffDelay(attempt, 250, this.config.SMTP_RETRY_MAX_MS), undefined, { signal: this.stopping.signal, ref: false }).catch(() => undefined);
        if (this.stopping.signal.aborted) {
          // Shutting down is no reason to give the email up, nor to hold the shutdown until the retries run
          // out: hand the claim back and fail transiently, so the event stays uncommitted for the next process.
          await this.ledger.release(id, this.owner);
          throw new TransientError(`email ${id} not sent before shutdown: left to the next instance (${failure.reason})`);
        }
        await heartbeat().catch(() => undefined);
        continue;
      }
      this.metrics.emailSendSeconds.observe({ recipient }, Number(process.hrtime.bigint() - started) / 1e9);
      // The one window: a crash here resends after the lease, with the same Message-ID.
      await this.ledger.recordOutcome(key, 'sent', null);
      this.metrics.emailsSent.inc({ recipient });
      this.logger.log({ message: 'email sent', ...log, attempt });
      return 'sent';
    }
  }

  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  /** Ops: sends a failed email again, from the notification kept in the ledger. */
  async resend(eventId: string, recipient: Recipient, kind: NotificationKind = 'autobooked'): Promise<DeliveryOutcome> {
    const delivery = await this.ledger.find(eventId, recipient, kind);
    if (!delivery) throw new Error(`no delivery of ${recipient} ${kind} email for ${eventId} in the ledger`);
    if (delivery.status === 'sent') return 'already-sent';
    await this.ledger.reopen(deliveryId(eventId, recipient, kind));
    const notification = notificationOf(delivery);
    const email = this.renderer.renderAll(notification, this.links()).find((e) => e.recipient === recipient);
    if (!email) throw new Error(`a ${kind} notification has no ${recipient} email`);
    return this.deliver(notification, recipient, email.email);
  }
}
