/** Exponential backoff with full jitter: attempt 1 -> up to `baseMs`, doubling up to `maxMs`. */
export function backoffDelay(attempt: number, baseMs = 100, maxMs = 5000, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(baseMs / 2, Math.floor(random() * ceiling));
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
