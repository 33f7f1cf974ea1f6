import { DLQ_HEADERS, DLQ_HEADER_PREFIX, FORWARDED_DLQ_HEADER_PREFIX, boundReason } from '#contracts';
import { createHash } from 'node:crypto';
import { IHeaders, KafkaMessage } from 'kafkajs';

/** A dead letter as it is sent: raw key and value, headers as buffers or strings. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

// A record batch of one record costs 61 bytes of batch header plus at most ~30 of record framing; the
// rest of the margin covers the varints of the headers.
const RECORD_OVERHEAD_BYTES = 256;
// Original headers bigger than this are left off a truncated letter (they stay at the source offset).
const MAX_KEPT_HEADER_BYTES = 16 * 1024;

const asBuffer = (v: Buffer | string | (Buffer | string)[] | undefined): Buffer[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? Buffer.from(x) : x));

/**
 * The dead letter of a message: its key and value byte for byte, its own headers, and ours saying why
 * and from where (R12). Its own `dlq-*` headers are renamed `incoming-dlq-*`: a producer cannot make a
 * letter look as if we had written its reason or its source.
 */
export function deadLetterOf(message: KafkaMessage, source: { topic: string; partition: number }, reason: string, failedAt: Date): DeadLetter {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value === undefined) continue;
    headers[name.toLowerCase().startsWith(DLQ_HEADER_PREFIX) ? FORWARDED_DLQ_HEADER_PREFIX + name : name] = value;
  }
  Object.assign(headers, {
    [DLQ_HEADERS.REASON]: boundReason(reason),
    [DLQ_HEADERS.SOURCE_TOPIC]: source.topic,
    [DLQ_HEADERS.SOURCE_PARTITION]: String(source.partition),
    [DLQ_HEADERS.SOURCE_OFFSET]: message.offset,
    [DLQ_HEADERS.FAILED_AT]: failedAt.toISOString(),
  });
  return { key: message.key ?? null, value: message.value ?? null, headers };
}

export function headerBytes(headers: IHeaders): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers)) {
    for (const b of asBuffer(value)) total += Buffer.byteLength(name) + b.length + 10;
  }
  return total;
}

/** Bytes the letter takes in a record batch of its own, give or take the framing margin. */
export function letterBytes(letter: DeadLetter): number {
  return RECORD_OVERHEAD_BYTES + (letter.key?.length ?? 0) + (letter.value?.length ?? 0) + headerBytes(letter.headers);
}

/**
 * The letter cut to fit a topic that accepts records of at most `maxBytes`: the value is cut to what fits,
 * and `dlq-truncated`, `dlq-original-bytes` and `dlq-original-sha256` say what it was (R12). Original
 * headers too big to keep are left off (`dlq-truncated` covers them too), and a key that alone leaves no
 * room is cut to half the limit. The original stays readable at its source offset.
 */
export function truncatedLetter(letter: DeadLetter, maxBytes: number): DeadLetter {
  const value = letter.value ?? Buffer.alloc(0);
  const ours = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => name.startsWith(DLQ_HEADER_PREFIX)));
  const theirs = Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
  const headers: IHeaders = {
    ...(headerBytes(theirs) <= MAX_KEPT_HEADER_BYTES ? theirs : {}),
    ...ours,
    [DLQ_HEADERS.TRUNCATED]: 'true',
    [DLQ_HEADERS.ORIGINAL_BYTES]: String(value.length),
    [DLQ_HEADERS.ORIGINAL_SHA256]: createHash('sha256').update(value).digest('hex'),
  };
  let key = letter.key;
  if (key && key.length > maxBytes / 2) key = key.subarray(0, Math.floor(maxBytes / 2));
  const room = maxBytes - RECORD_OVERHEAD_BYTES - (key?.length ?? 0) - headerBytes(headers);
  return { key, value: letter.value === null ? null : value.subarray(0, Math.max(0, room)), headers };
}

/**
 * The broker refused the record for its size: no retry will ever pass, only a smaller letter.
 * kafkajs reports it as a KafkaJSProtocolError of type MESSAGE_TOO_LARGE (or RECORD_LIST_TOO_LARGE),
 * sometimes wrapped by its retrier.
 */
export function isTooLarge(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? e.cause) {
    const type = (e as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}
