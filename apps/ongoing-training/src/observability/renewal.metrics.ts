import type { ConsumerObserver } from '#platform';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, on its own registry (served on `/metrics` of METRICS_PORT); it is also
 * told what the Kafka consumer does.
 */
@Injectable()
export class RenewalMetrics implements ConsumerObserver {
  readonly registry = new Registry();

  readonly inputsApplied = new Counter({
    name: 'ongoing_training_inputs_applied_total',
    help: 'Inputs applied to a pair, by input type and outcome (autobooked or the no-autobook reason)',
    labelNames: ['input', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly autobooks = new Counter({
    name: 'ongoing_training_autobooks_total',
    help: 'Sessions booked automatically (R5)',
    registers: [this.registry],
  });

  readonly autobooksPublished = new Counter({
    name: 'ongoing_training_autobooks_published_total',
    help: 'session.autobooked messages acknowledged by the broker (at least once per autobook)',
    registers: [this.registry],
  });

  readonly eventsPublished = new Counter({
    name: 'ongoing_training_events_published_total',
    help: 'Heads-ups (R13) and voids (R15) acknowledged by the broker, by topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly headsUps = new Counter({
    name: 'ongoing_training_heads_ups_total',
    help: 'Heads-ups decided before the first autobook of a package (R13)',
    registers: [this.registry],
  });

  readonly voids = new Counter({
    name: 'ongoing_training_autobooks_voided_total',
    help: 'Autobooks taken back because the completion that made them was undone (R15)',
    registers: [this.registry],
  });

  readonly payments = new Counter({
    name: 'ongoing_training_payment_outcomes_total',
    help: 'Payment outcomes of autobooks that changed what is known (R16), by status: failed (a hold), succeeded',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly resumes = new Counter({
    name: 'ongoing_training_resumes_total',
    help: 'Pauses ended (R14), by cause: api (the client or ops), time (its end came), switched-off',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  readonly pausesActive = new Gauge({
    name: 'ongoing_training_pauses_active',
    help: 'Pairs paused now, among those this instance holds (R14)',
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'ongoing_training_dead_letters_total',
    help: 'Messages moved to a dead-letter topic, by source topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly deadLetterFailures = new Counter({
    name: 'ongoing_training_dead_letter_failures_total',
    help: 'Attempts to write a dead letter that failed (retried with backoff; the partition waits meanwhile), by source topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly deadLettersTruncated = new Counter({
    name: 'ongoing_training_dead_letters_truncated_total',
    help: 'Dead letters too big for their topic, written with the value cut to fit (dlq-truncated), by source topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'ongoing_training_retries_total',
    help: 'Attempts to apply inputs that failed and were retried, by topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  readonly versionConflicts = new Counter({
    name: 'ongoing_training_version_conflicts_total',
    help: 'Writes that lost a race with another writer of the same pair and were decided again',
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'ongoing_training_outbox_backlog',
    help: 'Events stored (autobooks, heads-ups, voids) and not yet acknowledged by the broker (the outbox retries them)',
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'ongoing_training_consumer_lag',
    help: 'Messages behind the end of each input partition',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  readonly applySeconds = new Histogram({
    name: 'ongoing_training_apply_seconds',
    help: 'Time to apply a chunk of inputs durably, by topic',
    labelNames: ['topic'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  applied(topic: string, _count: number, seconds: number): void {
    this.applySeconds.observe({ topic }, seconds);
  }

  deadLettered(topic: string): void {
    this.deadLetters.inc({ topic });
  }

  retrying(topic: string): void {
    this.retries.inc({ topic });
  }

  deadLetterFailed(topic: string): void {
    this.deadLetterFailures.inc({ topic });
  }

  deadLetterTruncated(topic: string): void {
    this.deadLettersTruncated.inc({ topic });
  }
}
