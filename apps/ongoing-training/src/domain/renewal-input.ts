import type { PackageBooked, PaymentFailed, PaymentSucceeded, SessionCompleted, SessionCompletionReverted } from '#contracts';

/** A checkout arrived on `package.booked`. */
export interface PackageBookedInput {
  type: 'package.booked';
  event: PackageBooked;
}

/** A coach completed a session (`session.completed`). */
export interface SessionCompletedInput {
  type: 'session.completed';
  event: SessionCompleted;
}

/** A completion was undone (`session.completion.reverted`, R15). */
export interface CompletionRevertedInput {
  type: 'session.completion.reverted';
  event: SessionCompletionReverted;
}

/** Billing tells how the charge of an autobook went (`payment.failed`, `payment.succeeded`, R16). */
export interface PaymentInput {
  type: 'payment.failed' | 'payment.succeeded';
  event: PaymentFailed | PaymentSucceeded;
}

/** The client flipped the switch through the API; it takes effect at the decision's `now`. */
export interface EnrollmentInput {
  type: 'enrollment';
  clientId: string;
  coachId: string;
  enrolled: boolean;
}

/** The client (or ops) paused auto-booking until a time (R14). */
export interface PauseInput {
  type: 'pause';
  clientId: string;
  coachId: string;
  until: string;
}

/**
 * A pause ends (R14): through the API (`cause: 'api'`), or because its time came (`cause: 'time'`, with the
 * `until` it was due at: a pause replaced or ended meanwhile is not ended again).
 */
export interface ResumeInput {
  type: 'resume';
  clientId: string;
  coachId: string;
  cause: 'api' | 'time';
  until?: string;
}

/** Everything that can happen to a pair. */
export type RenewalInput = PackageBookedInput | SessionCompletedInput | CompletionRevertedInput | PaymentInput | EnrollmentInput | PauseInput | ResumeInput;

/** The inputs that come as Kafka events. */
export type EventInput = PackageBookedInput | SessionCompletedInput | CompletionRevertedInput | PaymentInput;

export function isEventInput(input: RenewalInput): input is EventInput {
  return 'event' in input;
}

/** The pair an input belongs to. */
export function pairOf(input: RenewalInput): { clientId: string; coachId: string } {
  const { clientId, coachId } = isEventInput(input) ? input.event : input;
  return { clientId, coachId };
}
