import { z } from 'zod';
import { EVENT_SCHEMAS, EventMap } from './events.js';
import { timeOutOfBounds } from './primitives.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The longest `dlq-reason` (R12): a reason names what is wrong, it never carries the message itself. */
export const MAX_REASON_LENGTH = 1000;

/** A reason cut to MAX_REASON_LENGTH characters, saying so when it was cut. */
export function boundReason(reason: string): string {
  if (reason.length <= MAX_REASON_LENGTH) return reason;
  const mark = ' [reason cut]';
  return reason.slice(0, MAX_REASON_LENGTH - mark.length) + mark;
}

/** A short, safe description of untrusted text for a reason: its start, quoted, and its length. */
export function preview(text: string, max = 40): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}... (${text.length} characters)`;
}

/** A readable, single-line account of why a value breaks its contract (for `dlq-reason`). */
export function describeIssues(error: z.ZodError): string {
  return boundReason(
    error.issues
      .slice(0, 20)
      .map(
        (issue) =>
          `${
            issue.path.length
              ? issue.path
                  .map(String)
                  .map((p) => p.slice(0, 60))
                  .join('.')
              : '(value)'
          }: ${issue.message.slice(0, 200)}`,
      )
      .join('; '),
  );
}

/**
 * Paths of the number literals of a JSON text written with a fraction or an exponent (`1.0000000000000001`,
 * `1e3`). JSON.parse turns `1.0000000000000001` into the integer 1, so an integer field can only be checked
 * on the raw text. The text must be valid JSON (JSON.parse accepted it): this only walks its tokens.
 */
export function nonIntegerLiterals(text: string): string[][] {
  const found: string[][] = [];
  // One frame per open container: the key or index the next value sits at.
  const stack: { array: boolean; key: string; index: number }[] = [];
  let i = 0;
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const raw = readString();
      let j = i;
      while (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r') j++;
      const top = stack[stack.length - 1];
      // A string followed by ':' is a key.
      if (text[j] === ':' && top && !top.array) top.key = JSON.parse(raw) as string;
    } else if (c === '{' || c === '[') {
      stack.push({ array: c === '[', key: '', index: 0 });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      while (i < text.length && /[-+0-9.eE]/.test(text[i])) i++;
      if (/[.eE]/.test(text.slice(start, i))) found.push(stack.map((f) => (f.array ? String(f.index) : f.key)));
    } else {
      i++;
    }
  }
  return found;
}

function valueAt(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

/**
 * Decodes a Kafka message of a contract topic: UTF-8 JSON that matches the topic's schema, with its
 * times between 2000-01-01 and 24 hours after `now` (the service's clock), its integers written as
 * integers, and keyed by its `clientId`. Anything else is refused with a bounded reason that never
 * repeats the key or the value, never thrown.
 */
export function parseEvent<T extends keyof EventMap>(
  topic: T,
  key: Buffer | string | null | undefined,
  value: Buffer | string | null | undefined,
  now: Date = new Date(),
): ParseResult<EventMap[T]> {
  if (value === null || value === undefined) return { ok: false, reason: 'empty message: no value (a tombstone)' };
  let json: unknown;
  let text: string;
  try {
    text = typeof value === 'string' ? value : new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return { ok: false, reason: 'not valid UTF-8 JSON: the bytes are not UTF-8' };
  }
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: boundReason(`not valid UTF-8 JSON: ${(error as Error).message.slice(0, 200)}`) };
  }
  const result = EVENT_SCHEMAS[topic].safeParse(json);
  if (!result.success) return { ok: false, reason: boundReason(`breaks the ${topic} contract: ${describeIssues(result.error)}`) };
  const payload = result.data as EventMap[T] & { clientId: string; occurredAt: string };
  // Only fields the contract kept count: unknown extra fields may hold any number.
  const widened = nonIntegerLiterals(text).find((path) => Number.isInteger(valueAt(payload, path)));
  if (widened)
    return { ok: false, reason: `breaks the ${topic} contract: ${widened.join('.').slice(0, 200)}: must be an integer literal (no fraction or exponent)` };
  const late = timeOutOfBounds(payload.occurredAt, now);
  if (late) return { ok: false, reason: `breaks the ${topic} contract: occurredAt: ${late}` };
  const keyText = key === null || key === undefined ? undefined : typeof key === 'string' ? key : new TextDecoder('utf-8').decode(key);
  if (keyText !== payload.clientId) {
    return {
      ok: false,
      reason: boundReason(
        `wrong key: messages are keyed by clientId ${preview(payload.clientId)}, got ${keyText === undefined ? 'no key' : `${preview(keyText)}${key && typeof key !== 'string' ? ` (${key.length} bytes)` : ''}`}`,
      ),
    };
  }
  return { ok: true, value: result.data };
}
