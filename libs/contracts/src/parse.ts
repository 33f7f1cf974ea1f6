import { z } from 'zod';
import { EVENT_SCHEMAS, EventMap } from './events';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A readable, single-line account of why a value breaks its contract (for `dlq-reason`). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(value)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Decodes a Kafka message of a contract topic: UTF-8 JSON that matches the topic's schema and is keyed
 * by its `clientId`. Anything else is refused with a reason, never thrown.
 */
export function parseEvent<T extends keyof EventMap>(
  topic: T,
  key: Buffer | string | null | undefined,
  value: Buffer | string | null | undefined,
): ParseResult<EventMap[T]> {
  if (value === null || value === undefined) return { ok: false, reason: 'empty message: no value' };
  let json: unknown;
  try {
    const text = typeof value === 'string' ? value : new TextDecoder('utf-8', { fatal: true }).decode(value);
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid UTF-8 JSON: ${(error as Error).message}` };
  }
  const result = EVENT_SCHEMAS[topic].safeParse(json);
  if (!result.success) return { ok: false, reason: `breaks the ${topic} contract: ${describeIssues(result.error)}` };
  const payload = result.data as EventMap[T] & { clientId: string };
  const keyText = key === null || key === undefined ? undefined : key.toString();
  if (keyText !== payload.clientId) {
    return {
      ok: false,
      reason: `wrong key: messages are keyed by clientId "${payload.clientId}", got ${keyText === undefined ? 'no key' : JSON.stringify(keyText)}`,
    };
  }
  return { ok: true, value: result.data };
}
