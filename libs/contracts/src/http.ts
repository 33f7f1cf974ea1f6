import { z } from 'zod';
import { idString } from './primitives';

/** Body of `PUT /v1/clients/{clientId}/ongoing-training/{coachId}`. */
export const enrollmentRequestSchema = z.strictObject({
  /** The client's Ongoing Training switch for that coach. */
  enrolled: z.boolean(),
});
export type EnrollmentRequest = z.infer<typeof enrollmentRequestSchema>;

/** A path id of the HTTP API: the same bounds as the ids of the events. */
export const pathIdSchema = idString;

/** Error codes of the HTTP API (`{ "code", "message" }`). */
export const HTTP_ERROR_CODES = [
  'UNAUTHORIZED',
  'INVALID_TOKEN',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'INVALID_BODY',
  'INVALID_PARAMETER',
  'NOT_FOUND',
  'PACKAGE_REQUIRED',
  'AUTO_RENEWAL_NOT_OFFERED',
  'RATE_LIMITED',
  'UNAVAILABLE',
] as const;
