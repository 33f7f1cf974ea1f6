import {
  Contact,
  PaymentFailed,
  SessionAutobooked,
  SessionAutobookUpcoming,
  SessionAutobookVoided,
  describeIssues,
  paymentFailedSchema,
  sessionAutobookedSchema,
  sessionAutobookUpcomingSchema,
  sessionAutobookVoidedSchema,
} from '#contracts';
import { z } from 'zod';

/**
 * What the notifier emails about: one contract event, and for a failed payment also the autobook it was
 * for (payment.failed carries no names, addresses nor amount: they come from that autobook).
 */
export type Notification =
  | { kind: 'autobooked'; event: SessionAutobooked }
  | { kind: 'autobook-upcoming'; event: SessionAutobookUpcoming }
  | { kind: 'autobook-voided'; event: SessionAutobookVoided }
  | { kind: 'payment-failed'; event: PaymentFailed; autobook: SessionAutobooked };

export type NotificationKind = Notification['kind'];

export type Recipient = 'coach' | 'client';

export const NOTIFICATION_KINDS = ['autobooked', 'autobook-upcoming', 'autobook-voided', 'payment-failed'] as const satisfies readonly NotificationKind[];

/** Who is emailed: both for an autobook (R9), a void (R15) and a failed payment (R16); the client for a heads-up (R13). */
export const RECIPIENTS: Record<NotificationKind, readonly Recipient[]> = {
  autobooked: ['coach', 'client'],
  'autobook-upcoming': ['client'],
  'autobook-voided': ['coach', 'client'],
  'payment-failed': ['coach', 'client'],
};

const SCHEMAS: Record<NotificationKind, z.ZodType> = {
  autobooked: sessionAutobookedSchema,
  'autobook-upcoming': sessionAutobookUpcomingSchema,
  'autobook-voided': sessionAutobookVoidedSchema,
  'payment-failed': paymentFailedSchema,
};

/**
 * The id whose emails are sent once per recipient: the event's own, except for a failed payment, whose
 * emails go once per failed autobook (R16), however many times its payment fails again.
 */
export function notificationKey(notification: Notification): string {
  return notification.kind === 'payment-failed' ? notification.event.autobookEventId : notification.event.eventId;
}

/** The people of the pair, with the addresses the emails go to. */
export function contactsOf(notification: Notification): { client: Contact; coach: Contact } {
  const { client, coach } = notification.kind === 'payment-failed' ? notification.autobook : notification.event;
  return { client, coach };
}

/**
 * Why a notification cannot be emailed (it breaks its contract, or a failed payment names a pair other
 * than its autobook's: its emails would go to the wrong people), or null when it can.
 */
export function problemsOf(notification: Notification): string | null {
  const parsed = SCHEMAS[notification.kind].safeParse(notification.event);
  if (!parsed.success) return describeIssues(parsed.error);
  if (notification.kind !== 'payment-failed') return null;
  const { event, autobook } = notification;
  const autobookParsed = sessionAutobookedSchema.safeParse(autobook);
  if (!autobookParsed.success) return `autobook ${event.autobookEventId}: ${describeIssues(autobookParsed.error)}`;
  if (autobook.eventId !== event.autobookEventId) return `autobook ${autobook.eventId} is not ${event.autobookEventId}`;
  if (autobook.clientId !== event.clientId || autobook.coachId !== event.coachId) {
    return `the payment names client ${JSON.stringify(event.clientId)} and coach ${JSON.stringify(event.coachId)}, but autobook ${event.autobookEventId} is of client ${JSON.stringify(autobook.clientId)} and coach ${JSON.stringify(autobook.coachId)}`;
  }
  return null;
}
