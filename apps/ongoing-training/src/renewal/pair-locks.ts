/**
 * Runs work on sets of pairs one at a time per pair, within this process: two chunks (from two
 * partitions, or a chunk and an API call) that share a pair take turns, others run side by side.
 * Taking all keys of a call happens synchronously, so waits follow the order of the calls and cannot
 * deadlock, whatever keys the calls share.
 */
export class PairLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    const before = unique.flatMap((key) => this.tails.get(key) ?? []);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const key of unique) this.tails.set(key, done);
    try {
      await Promise.all(before);
      return await work();
    } finally {
      release();
      for (const key of unique) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }

  /** Pairs with work running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
