import { type ConsumerObserver, WaitingError, isTransient } from '#platform';
import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The notifier's Prometheus metrics, on its own registry (served on `/metrics` of METRICS_PORT); it is also
 * told what the Kafka consumers do.
 */
@Injectable()
export class NotifierMetrics implements ConsumerObserver {
  readonly registry = new Registry();

  readonly emailsSent = new Counter({
    name: 'notifier_emails_sent_total',
    help: 'Emails accepted by the SMTP server, by recipient',
    labelNames: ['recipient'] as const,
    registers: [this.registry],
  });

  readonly emailsFailed = new Counter({
    name: 'notifier_email_failures_total',
    help: 'Failed SMTP attempts, by recipient and kind (transient: retried; permanent: given up)',
    labelNames: ['recipient', 'kind'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'notifier_dead_letters_total',
    help: 'Messages moved to a dead-letter topic (bad input, emails given up on, failed payments of unknown autobooks)',
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'notifier_event_retries_total',
    help: 'Events tried again, by topic and why: waiting (a failed payment whose autobook has not been seen yet), transient (database, broker or SMTP away), unexpected',
    labelNames: ['topic', 'kind'] as const,
    registers: [this.registry],
  });

  readonly deadLetterFailures = new Counter({
    name: 'notifier_dead_letter_failures_total',
    help: 'Attempts to write a dead letter that failed (retried with backoff; the partition waits meanwhile)',
    registers: [this.registry],
  });

  readonly deadLettersTruncated = new Counter({
    name: 'notifier_dead_letters_truncated_total',
    help: 'Dead letters too big for their topic, written with the value cut to fit (dlq-truncated)',
    registers: [this.registry],
  });

  readonly eventsHandled = new Counter({
    name: 'notifier_events_handled_total',
    help: 'Events (autobooks, heads-ups, voids, failed payments) whose emails were all sent or already sent',
    registers: [this.registry],
  });

  readonly emailSendSeconds = new Histogram({
    name: 'notifier_email_send_seconds',
    help: 'Time for the SMTP server to accept one email',
    labelNames: ['recipient'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly handleSeconds = new Histogram({
    name: 'notifier_handle_seconds',
    help: 'Time to handle one event (all its emails)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  deadLettered(): void {
    this.deadLetters.inc();
  }

  deadLetterFailed(): void {
    this.deadLetterFailures.inc();
  }

  deadLetterTruncated(): void {
    this.deadLettersTruncated.inc();
  }

  retrying(topic: string, error: unknown): void {
    this.retries.inc({ topic, kind: error instanceof WaitingError ? 'waiting' : isTransient(error) ? 'transient' : 'unexpected' });
  }
}
