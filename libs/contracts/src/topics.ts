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
} as const;
