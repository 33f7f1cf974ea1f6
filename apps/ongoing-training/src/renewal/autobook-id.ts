import { createHash } from 'node:crypto';

/**
 * The eventId of the n-th autobook of a pair: derived from the pair and the sequence only, so the same
 * autobook carries the same id however often it is published (replays, outbox retries, restarts).
 */
export function autobookEventId(clientId: string, coachId: string, sequence: number): string {
  return derivedId('session.autobooked', clientId, coachId, sequence);
}

/** The eventId of the heads-up before a pair's n-th autobook (R13): one per pair and sequence. */
export function upcomingEventId(clientId: string, coachId: string, sequence: number): string {
  return derivedId('session.autobook.upcoming', clientId, coachId, sequence);
}

function derivedId(topic: string, clientId: string, coachId: string, sequence: number): string {
  const hex = createHash('sha256')
    .update(JSON.stringify([topic, clientId, coachId, sequence]))
    .digest('hex');
  // Shaped as an RFC 9562 UUID version 8 (custom), which downstream services store as a plain id.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
