import { z } from 'zod';
import { contact, idString, money, timestamp } from './primitives';
import { TOPICS } from './topics';

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

export const TRIGGER_TYPES = ['session.completed', 'package.booked', 'enrollment'] as const;
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
  /** What brought on deck to 0. */
  trigger: z.object({
    type: z.enum(TRIGGER_TYPES),
    eventId: idString.optional(),
    sessionId: idString.optional(),
  }),
  client: contact,
  coach: contact,
});
export type SessionAutobooked = z.infer<typeof sessionAutobookedSchema>;

/** Topic -> payload type, so that publishing and consuming are checked by the compiler. */
export interface EventMap {
  [TOPICS.PACKAGE_BOOKED]: PackageBooked;
  [TOPICS.SESSION_COMPLETED]: SessionCompleted;
  [TOPICS.SESSION_AUTOBOOKED]: SessionAutobooked;
}

export const EVENT_SCHEMAS: { [T in keyof EventMap]: z.ZodType<EventMap[T], unknown> } = {
  [TOPICS.PACKAGE_BOOKED]: packageBookedSchema as z.ZodType<PackageBooked, unknown>,
  [TOPICS.SESSION_COMPLETED]: sessionCompletedSchema,
  [TOPICS.SESSION_AUTOBOOKED]: sessionAutobookedSchema,
};
