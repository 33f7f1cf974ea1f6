import { StopWaiting, WaitTimeout, sleep, waitFor } from './wait.js';

describe('waitFor', () => {
  it('polls until the probe gives a value, and returns it', async () => {
    let calls = 0;
    await expect(waitFor('the third call', () => (++calls === 3 ? 'done' : undefined), 1000, 1)).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('fails at the deadline, naming what it waited for and the last error', async () => {
    const error = await waitFor('a value', () => Promise.reject(new Error('not yet')), { timeoutMs: 30, everyMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeout);
    expect((error as Error).message).toBe('timed out after 0.03 s waiting for a value: not yet');
  });

  it('ends at once when the probe throws StopWaiting', async () => {
    let calls = 0;
    const stop = new StopWaiting('the process exited');
    await expect(
      waitFor(
        'a value',
        () => {
          calls++;
          throw stop;
        },
        10000,
        1,
      ),
    ).rejects.toBe(stop);
    expect(calls).toBe(1);
  });

  it('ends with the reason of an aborted signal, without waiting out its pause', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stopped')), 20);
    await expect(waitFor('never', () => false, { timeoutMs: 10000, everyMs: 5000, signal: controller.signal })).rejects.toThrow('stopped');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('sleep', () => {
  it('resolves early when its signal is aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 10);
    await sleep(5000, controller.signal);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
