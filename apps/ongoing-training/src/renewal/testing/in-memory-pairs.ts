import { ChangeWrite, StoredPair } from '../pair.repository.js';
import { OutboxEvent, pairKey } from '../pair.schema.js';

/**
 * The PairRepository's contract in memory, for specs of the services above it: each pair's changes are
 * numbered and the next number is taken by one writer only (a write on top of an older change is a
 * conflict, as the unique `_id` makes it in MongoDB). `interloper` lets a spec write first.
 */
export class InMemoryPairs {
  readonly changes = new Map<string, { version: number; state: StoredPair['state']; outbox: OutboxEvent[] }[]>();
  readonly published = new Map<string, Date>();
  /** Write commands (an append of nothing is none). */
  appends = 0;
  /** Runs before the next append takes effect: another writer's chance to come first. */
  interloper: (() => void) | null = null;

  async restore(): Promise<void> {}

  async load(keys: string[]): Promise<Map<string, StoredPair | null>> {
    return new Map(keys.map((key) => [key, this.latest(key)]));
  }

  async find(clientId: string, coachId: string): Promise<StoredPair | null> {
    return this.latest(pairKey(clientId, coachId));
  }

  async append(writes: ChangeWrite[], _now: Date): Promise<{ saved: StoredPair[]; conflicts: string[] }> {
    if (writes.length === 0) return { saved: [], conflicts: [] };
    this.appends++;
    const interloper = this.interloper;
    this.interloper = null;
    interloper?.();
    const saved: StoredPair[] = [];
    const conflicts: string[] = [];
    for (const write of writes) {
      const key = pairKey(write.clientId, write.coachId);
      const history = this.changes.get(key) ?? [];
      if ((history.at(-1)?.version ?? 0) !== (write.previous?.version ?? 0)) {
        conflicts.push(key);
        continue;
      }
      const change = { version: history.length + 1, state: write.state, outbox: write.outbox };
      this.changes.set(key, [...history, change]);
      saved.push({ key, version: change.version, state: change.state });
    }
    return { saved, conflicts };
  }

  paused(): { clientId: string; coachId: string; until: string }[] {
    return [...this.changes.values()].flatMap((history) => {
      const { state } = history.at(-1)!;
      return state.pausedUntil ? [{ clientId: state.clientId, coachId: state.coachId, until: state.pausedUntil }] : [];
    });
  }

  async publishedAmong(eventIds: string[]): Promise<Set<string>> {
    return new Set(eventIds.filter((id) => this.published.has(id)));
  }

  async publishedSince(since: Date): Promise<Set<string>> {
    return new Set([...this.published].filter(([, at]) => at >= since).map(([id]) => id));
  }

  async markPublished(eventIds: string[], now: Date): Promise<void> {
    for (const id of eventIds) if (!this.published.has(id)) this.published.set(id, now);
  }

  async outboxSince(_since: Date): Promise<OutboxEvent[]> {
    return [...this.changes.values()].flatMap((history) => history.flatMap((c) => c.outbox));
  }

  private latest(key: string): StoredPair | null {
    const last = this.changes.get(key)?.at(-1);
    return last ? { key, version: last.version, state: last.state } : null;
  }
}
