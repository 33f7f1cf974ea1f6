import type { PackageBooked, SessionCompleted } from '@app/contracts';

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

/** The client flipped the switch through the API; it takes effect at the decision's `now`. */
export interface EnrollmentInput {
  type: 'enrollment';
  clientId: string;
  coachId: string;
  enrolled: boolean;
}

/** Everything that can happen to a pair. */
export type RenewalInput = PackageBookedInput | SessionCompletedInput | EnrollmentInput;

/** The pair an input belongs to. */
export function pairOf(input: RenewalInput): { clientId: string; coachId: string } {
  const { clientId, coachId } = input.type === 'enrollment' ? input : input.event;
  return { clientId, coachId };
}
