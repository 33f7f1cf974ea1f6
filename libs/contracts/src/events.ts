import { z } from 'zod';
import { contact, idString, money, timestamp } from './primitives.js';
import { TOPICS } from './topics.js';

/** `package.booked`: a client checked out a package of sessions with a coach. */
export const packageBookedSchema = z.object({
  /** Unique per event. */
  eventId: idString,
  /** When the checkout completed. */
  occurredAt: timestamp,
  /** Unique per package; seen again means a duplicate. */
  packageId: idString,
  clientId: idString,
  coachId: idString,
  /** Sessions in the package. */
  sessionCount: z.number().int().min(1).max(1000),
  /** Total price of the package. */
  price: money,
  /** false: custom package, "Do not offer auto-renewal on this package" (R6). */
  autoRenewal: z.boolean().default(true),
  /** The client's switch chosen at checkout; absent leaves it as it is (R2). */
  ongoingTraining: z.boolean().optional(),
  client: contact,
  coach: contact,
});
export type PackageBooked = z.infer<typeof packageBookedSchema>;

/** `session.completed`: the coach marked a session complete. */
export const sessionCompletedSchema = z.object({
  eventId: idString,
  occurredAt: timestamp,
  /** Unique per session; completed again means a duplicate. */
  sessionId: idString,
  clientId: idString,
  coachId: idString,
  /** The package or autobook the session came from (informational). */
  packageId: idString.optional(),
});
export type SessionCompleted = z.infer<typeof sessionCompletedSchema>;

export const TRIGGER_TYPES = ['session.completed', 'package.booked', 'enrollment', 'resume', 'payment.succeeded'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** `session.autobooked`: one more session was booked for a pair (R5). */
export const sessionAutobookedSchema = z.object({
  /** Stable: the same autobook always carries the same id, replays included. Consumers dedupe on it. */
  eventId: idString,
  /** When the session was booked. */
  occurredAt: timestamp,
  clientId: idString,
  coachId: idString,
  /** The n-th autobook of this pair. */
  sequence: z.number().int().min(1),
  /** Always one session. */
  sessionCount: z.literal(1),
  /** The per-session rate charged (R3, R4). */
  rate: money,
  /** The package whose rate applies. */
  ratePackageId: idString,
  /** What brought on deck to 0 (or, for `resume` and `payment.succeeded`, ended the pause or the hold with 0 on deck). */
  trigger: z.object({
    type: z.enum(TRIGGER_TYPES),
    eventId: idString.optional(),
    sessionId: idString.optional(),
  }),
  client: contact,
  coach: contact,
});
export type SessionAutobooked = z.infer<typeof sessionAutobookedSchema>;

/** `session.completion.reverted`: a session was marked complete by mistake; it counts as not completed (R15). */
export const sessionCompletionRevertedSchema = z.object({
  eventId: idString,
  /** When the completion was undone. */
  occurredAt: timestamp,
  /** The session whose completion is undone. */
  sessionId: idString,
  clientId: idString,
  coachId: idString,
  /** Why, for the history and the emails. */
  reason: idString.optional(),
});
export type SessionCompletionReverted = z.infer<typeof sessionCompletionRevertedSchema>;

/** `payment.succeeded`: the payment for an autobook went through (R16). */
export const paymentSucceededSchema = z.object({
  eventId: idString,
  /** When the payment attempt ended. */
  occurredAt: timestamp,
  /** The `session.autobooked` eventId the payment was for. */
  autobookEventId: idString,
  clientId: idString,
  coachId: idString,
});
export type PaymentSucceeded = z.infer<typeof paymentSucceededSchema>;

/** `payment.failed`: the payment for an autobook did not go through; the pair is on hold (R16). */
export const paymentFailedSchema = paymentSucceededSchema.extend({
  /** What the payment provider said. */
  reason: idString.optional(),
});
export type PaymentFailed = z.infer<typeof paymentFailedSchema>;

/** `session.autobook.upcoming`: the next completion will book the first session after a package (R13). */
export const sessionAutobookUpcomingSchema = z.object({
  /** Stable: the same pair and sequence always carry the same id. */
  eventId: idString,
  /** When it was decided. */
  occurredAt: timestamp,
  clientId: idString,
  coachId: idString,
  /** The sequence the next autobook will have. */
  sequence: z.number().int().min(1),
  /** The rate it will be booked at today. */
  rate: money,
  ratePackageId: idString,
  client: contact,
  coach: contact,
});
export type SessionAutobookUpcoming = z.infer<typeof sessionAutobookUpcomingSchema>;

export const VOID_REASON_TYPES = ['completion-reverted'] as const;

/** `session.autobook.voided`: an autobook was taken back; booking and billing cancel and refund it (R15). */
export const sessionAutobookVoidedSchema = z.object({
  /** Stable: one per voided autobook. */
  eventId: idString,
  /** When it was voided. */
  occurredAt: timestamp,
  clientId: idString,
  coachId: idString,
  /** The `session.autobooked` eventId of the autobook voided. */
  autobookEventId: idString,
  /** The sequence of the autobook voided (never reused). */
  sequence: z.number().int().min(1),
  /** What it had been booked at (to refund). */
  rate: money,
  /** Why: the completion that triggered it was undone. */
  reason: z.object({
    type: z.enum(VOID_REASON_TYPES),
    sessionId: idString,
    eventId: idString,
  }),
  client: contact,
  coach: contact,
});
export type SessionAutobookVoided = z.infer<typeof sessionAutobookVoidedSchema>;

/** Topic -> payload type, so that publishing and consuming are checked by the compiler. */
export interface EventMap {
  [TOPICS.PACKAGE_BOOKED]: PackageBooked;
  [TOPICS.SESSION_COMPLETED]: SessionCompleted;
  [TOPICS.SESSION_AUTOBOOKED]: SessionAutobooked;
  [TOPICS.SESSION_COMPLETION_REVERTED]: SessionCompletionReverted;
  [TOPICS.PAYMENT_FAILED]: PaymentFailed;
  [TOPICS.PAYMENT_SUCCEEDED]: PaymentSucceeded;
  [TOPICS.SESSION_AUTOBOOK_UPCOMING]: SessionAutobookUpcoming;
  [TOPICS.SESSION_AUTOBOOK_VOIDED]: SessionAutobookVoided;
}

export const EVENT_SCHEMAS: { [T in keyof EventMap]: z.ZodType<EventMap[T], unknown> } = {
  [TOPICS.PACKAGE_BOOKED]: packageBookedSchema as z.ZodType<PackageBooked, unknown>,
  [TOPICS.SESSION_COMPLETED]: sessionCompletedSchema,
  [TOPICS.SESSION_AUTOBOOKED]: sessionAutobookedSchema,
  [TOPICS.SESSION_COMPLETION_REVERTED]: sessionCompletionRevertedSchema,
  [TOPICS.PAYMENT_FAILED]: paymentFailedSchema,
  [TOPICS.PAYMENT_SUCCEEDED]: paymentSucceededSchema,
  [TOPICS.SESSION_AUTOBOOK_UPCOMING]: sessionAutobookUpcomingSchema,
  [TOPICS.SESSION_AUTOBOOK_VOIDED]: sessionAutobookVoidedSchema,
};
