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

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
  'MongoExpiredSessionError',
  'KafkaJSConnectionError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNonRetriableError',
  'KafkaJSProtocolError',
  'KafkaJSTimeout',
  'VersionConflictError',
  'TransientError',
  'WaitingError',
]);

/**
 * Errors that say "not now" rather than "never": the database or the broker is away, or another
 * instance wrote first. Such an input is retried, never dead-lettered.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_NAMES.has(error.name)) return true;
  const labels = (error as { errorLabels?: Set<string> | string[] }).errorLabels;
  if (labels && [...labels].some((l) => l === 'RetryableWriteError' || l === 'TransientTransactionError')) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  return error.cause instanceof Error ? isTransient(error.cause) : false;
}
