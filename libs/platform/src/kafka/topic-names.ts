import { TOPICS, Topic, dlqTopic } from '#contracts';

/**
 * The real topic names under a prefix (empty in production). Test runs use their own prefix so that
 * they never read each other's messages.
 */
export class TopicNames {
  constructor(readonly prefix: string) {}

  of(topic: Topic): string {
    return `${this.prefix}${topic}`;
  }

  dlqOf(topic: Topic): string {
    return dlqTopic(this.of(topic));
  }

  /** The contract topic a real topic name stands for. */
  contractOf(name: string): Topic | undefined {
    return Object.values(TOPICS).find((t) => this.of(t) === name);
  }
}
