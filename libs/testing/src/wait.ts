/** Thrown by `waitFor` when its deadline passes. */
export class WaitTimeout extends Error {}

/** Thrown by a probe to end a wait at once with that error, rather than trying again (a process that exited). */
export class StopWaiting extends Error {}

export interface WaitOptions {
  /** 30 s unless said. */
  timeoutMs?: number;
  /** 100 ms unless said. */
  everyMs?: number;
  /** Ends the wait at once with the signal's reason. */
  signal?: AbortSignal;
}

/** Resolves after `ms`, or at once when `signal` is aborted (it never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Polls `probe` until it returns something other than undefined/false, or fails at the deadline with
 * a `WaitTimeout` that names what was awaited and the probe's last error. A probe that throws
 * `StopWaiting` ends the wait with that error. `options` may be the timeout in ms alone.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions | number = {},
  everyMs?: number,
): Promise<T> {
  const { timeoutMs = 30000, everyMs: every = everyMs ?? 100, signal } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new WaitTimeout(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? `: ${lastError instanceof Error ? lastError.message : String(lastError)}` : ''}`,
      );
    }
    await sleep(every, signal);
  }
}

/** A string unique to this run, for topic prefixes, ids and database names. */
export function runId(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
