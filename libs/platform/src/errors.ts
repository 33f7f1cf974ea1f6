import kafkajs from 'kafkajs';
import mongoose from 'mongoose';

/**
 * An error that its module names with a code and the HTTP status it answers with, should it reach the
 * API. The module that throws it owns both; the API's error filter only reads them.
 */
export abstract class CodedError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
}

/**
 * An input that can never be applied, however often it is retried: it is dead-lettered with this reason.
 */
export class PermanentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** A failure that will pass: retry later, never dead-letter. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/**
 * An input that waits for another one that has not arrived yet (R11): retried like a transient failure,
 * but nothing is unwell, so it does not make the app unready. Whoever throws it bounds the wait.
 */
export class WaitingError extends TransientError {
  override name = 'WaitingError';
}

const { mongo } = mongoose;

/** The driver's errors that say the server is away or the connection broke: the same write may succeed later. */
const MONGO_AWAY = [
  mongo.MongoNetworkError,
  mongo.MongoServerSelectionError,
  mongo.MongoNotConnectedError,
  mongo.MongoTopologyClosedError,
  mongo.MongoExpiredSessionError,
];

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Errors that say "not now" rather than "never", known by their type: ours (TransientError, and every
 * error that extends it), the MongoDB driver's for a server away or a write it labels retryable, and
 * every error of the Kafka client (the broker away, slow, or moving a partition). Such an input is
 * retried, never dead-lettered; at the API the answer is 503.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TransientError || error instanceof kafkajs.KafkaJSError) return true;
  if (MONGO_AWAY.some((type) => error instanceof type)) return true;
  if (error instanceof mongo.MongoError && (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('TransientTransactionError'))) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error.cause instanceof Error ? isTransient(error.cause) : false;
}
