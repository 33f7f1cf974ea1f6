// Times travel as ISO 8601 strings with any zone offset, so they are compared as instants, never as
// strings: `2026-11-24T19:30:00+01:00` and `2026-11-24T18:30:00Z` are the same moment.

const ISO_WITH_ZONE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

interface Instant {
  /** Whole seconds since the epoch, in milliseconds. */
  epochMs: number;
  /** The fraction of a second as written, so that digits beyond milliseconds still count. */
  fraction: string;
}

function parseInstant(iso: string): Instant {
  const match = ISO_WITH_ZONE.exec(iso);
  // Date.parse keeps only milliseconds, so the fraction is split off and compared digit by digit.
  const epochMs = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
  if (!match || Number.isNaN(epochMs)) throw new RangeError(`not an ISO 8601 time with a zone: ${JSON.stringify(iso)}`);
  return { epochMs, fraction: match[2] ?? '' };
}

/** Negative when `a` is earlier than `b`, 0 for the same instant, positive when later. */
export function compareInstants(a: string, b: string): number {
  const x = parseInstant(a);
  const y = parseInstant(b);
  if (x.epochMs !== y.epochMs) return x.epochMs < y.epochMs ? -1 : 1;
  const width = Math.max(x.fraction.length, y.fraction.length);
  const fx = x.fraction.padEnd(width, '0');
  const fy = y.fraction.padEnd(width, '0');
  return fx === fy ? 0 : fx < fy ? -1 : 1;
}

/** The later of two times (the first one when they are the same instant). */
export function laterOf(a: string, b: string): string {
  return compareInstants(b, a) > 0 ? b : a;
}
