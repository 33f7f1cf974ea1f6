/** The Kafka topics of the Ongoing Training contracts (shared/spec/ongoing-training.md). */
export const TOPICS = {
  PACKAGE_BOOKED: 'package.booked',
  SESSION_COMPLETED: 'session.completed',
  SESSION_AUTOBOOKED: 'session.autobooked',
  SESSION_COMPLETION_REVERTED: 'session.completion.reverted',
  PAYMENT_FAILED: 'payment.failed',
  PAYMENT_SUCCEEDED: 'payment.succeeded',
  SESSION_AUTOBOOK_UPCOMING: 'session.autobook.upcoming',
  SESSION_AUTOBOOK_VOIDED: 'session.autobook.voided',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
export type InputTopic =
  | typeof TOPICS.PACKAGE_BOOKED
  | typeof TOPICS.SESSION_COMPLETED
  | typeof TOPICS.SESSION_COMPLETION_REVERTED
  | typeof TOPICS.PAYMENT_FAILED
  | typeof TOPICS.PAYMENT_SUCCEEDED;

/** The ongoing-training service's inputs: the app creates, subscribes to and watches the lag of exactly these topics. */
export const INPUT_TOPICS: readonly InputTopic[] = [
  TOPICS.PACKAGE_BOOKED,
  TOPICS.SESSION_COMPLETED,
  TOPICS.SESSION_COMPLETION_REVERTED,
  TOPICS.PAYMENT_FAILED,
  TOPICS.PAYMENT_SUCCEEDED,
];

/** Where a message that breaks its topic's contract is moved, unchanged (R12). */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Headers of a dead letter: why it was moved and where it came from. */
export const DLQ_HEADERS = {
  REASON: 'dlq-reason',
  SOURCE_TOPIC: 'dlq-source-topic',
  SOURCE_PARTITION: 'dlq-source-partition',
  SOURCE_OFFSET: 'dlq-source-offset',
  FAILED_AT: 'dlq-failed-at',
  /** `true` when the letter was too big for the DLQ topic and its value was cut to fit (R12). */
  TRUNCATED: 'dlq-truncated',
  /** Size in bytes of the original value of a truncated letter. */
  ORIGINAL_BYTES: 'dlq-original-bytes',
  /** SHA-256 (hex) of the original value of a truncated letter. */
  ORIGINAL_SHA256: 'dlq-original-sha256',
} as const;

/** Header names starting with this are ours; incoming ones are renamed (FORWARDED_DLQ_HEADER_PREFIX + name). */
export const DLQ_HEADER_PREFIX = 'dlq-';
/** What an incoming message's own `dlq-*` headers are renamed to in its dead letter, so none passes for ours. */
export const FORWARDED_DLQ_HEADER_PREFIX = 'incoming-';
