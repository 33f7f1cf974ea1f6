import { TOPICS } from '#contracts';
import type { InboundChunk, InboundItem } from '#platform';
import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RenewalInput } from '../domain/index.js';
import { RenewalService } from './renewal.service.js';

/** The consumer group of the service's five input topics. */
export const RENEWAL_EVENTS = Symbol('renewal-events');

/**
 * The Kafka edge of the service: each input topic's chunks, validated by their contracts by the
 * transport, applied by the RenewalService. A handler resolves once the chunk's effects are durable and
 * its autobooks acknowledged by the broker; only then do the offsets move.
 */
@Controller()
export class RenewalEventsController {
  private readonly logger = new Logger(RenewalEventsController.name);

  constructor(private readonly renewals: RenewalService) {}

  @EventPattern(TOPICS.PACKAGE_BOOKED)
  packageBooked(@Payload() chunk: InboundChunk<typeof TOPICS.PACKAGE_BOOKED>): Promise<void> {
    return this.apply(chunk, (event) => ({ type: 'package.booked', event }));
  }

  @EventPattern(TOPICS.SESSION_COMPLETED)
  sessionCompleted(@Payload() chunk: InboundChunk<typeof TOPICS.SESSION_COMPLETED>): Promise<void> {
    return this.apply(chunk, (event) => ({ type: 'session.completed', event }));
  }

  @EventPattern(TOPICS.SESSION_COMPLETION_REVERTED)
  sessionCompletionReverted(@Payload() chunk: InboundChunk<typeof TOPICS.SESSION_COMPLETION_REVERTED>): Promise<void> {
    return this.apply(chunk, (event) => ({ type: 'session.completion.reverted', event }));
  }

  @EventPattern(TOPICS.PAYMENT_FAILED)
  paymentFailed(@Payload() chunk: InboundChunk<typeof TOPICS.PAYMENT_FAILED>): Promise<void> {
    return this.apply(chunk, (event) => ({ type: 'payment.failed', event }));
  }

  @EventPattern(TOPICS.PAYMENT_SUCCEEDED)
  paymentSucceeded(@Payload() chunk: InboundChunk<typeof TOPICS.PAYMENT_SUCCEEDED>): Promise<void> {
    return this.apply(chunk, (event) => ({ type: 'payment.succeeded', event }));
  }

  private async apply<E extends { eventId: string; clientId: string; coachId: string }>(
    { items }: { items: readonly InboundItem<E>[] },
    toInput: (event: E) => RenewalInput,
  ): Promise<void> {
    await this.renewals.apply(
      items.map((item) => toInput(item.payload)),
      { mustPublish: true, unknownAsNew: true },
    );
    for (const { payload, meta } of items)
      this.logger.debug({ message: 'applied', ...meta, eventId: payload.eventId, clientId: payload.clientId, coachId: payload.coachId });
  }
}
