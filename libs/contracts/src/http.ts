import { z } from 'zod';
import { idString, timestamp } from './primitives.js';

/** Body of `PUT /v1/clients/{clientId}/ongoing-training/{coachId}`. */
export const enrollmentRequestSchema = z.strictObject({
  /** The client's Ongoing Training switch for that coach. */
  enrolled: z.boolean(),
});
export type EnrollmentRequest = z.infer<typeof enrollmentRequestSchema>;

/** Body of `PUT /v1/clients/{clientId}/ongoing-training/{coachId}/pause` (R14). */
export const pauseRequestSchema = z.strictObject({
  /** When auto-booking resumes by itself: after now, at most 180 days ahead. */
  until: timestamp.max(40),
});
export type PauseRequest = z.infer<typeof pauseRequestSchema>;

/** How far ahead a pause may end (R14). */
export const MAX_PAUSE_MS = 180 * 24 * 60 * 60 * 1000;

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
  'NOT_ENROLLED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
