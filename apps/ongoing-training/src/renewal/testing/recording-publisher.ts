import { Topic } from '#contracts';
import type { PublishedRecord } from '#platform';

/** The broker as the service sees it: what was published, and failures when a spec asks for them. */
export class RecordingPublisher {
  readonly published: PublishedRecord<Topic>[] = [];
  /** The next publishes that fail. */
  failures = 0;

  async publish(records: PublishedRecord<Topic>[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker away');
    }
    this.published.push(...records);
  }

  get topics(): Topic[] {
    return this.published.map((r) => r.topic);
  }
}
