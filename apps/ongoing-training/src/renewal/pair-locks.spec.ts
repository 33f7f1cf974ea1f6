import { PairLocks } from './pair-locks.js';

/** A promise resolved from outside, to hold work open while the test looks. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('PairLocks', () => {
  it('runs work on the same pair one at a time, in call order', async () => {
    const locks = new PairLocks();
    const order: string[] = [];
    const first = gate();
    const a = locks.run(['p1'], async () => {
      order.push('a starts');
      await first.opened;
      order.push('a ends');
    });
    const b = locks.run(['p1'], async () => {
      order.push('b runs');
    });
    await Promise.resolve();
    expect(order).toEqual(['a starts']);
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a starts', 'a ends', 'b runs']);
    expect(locks.size).toBe(0);
  });

  it('runs work on different pairs side by side', async () => {
    const locks = new PairLocks();
    const held = gate();
    const running: string[] = [];
    const a = locks.run(['p1'], async () => {
      running.push('p1');
      await held.opened;
    });
    const b = locks.run(['p2'], async () => {
      running.push('p2');
    });
    await b;
    expect(running).toEqual(['p1', 'p2']);
    held.open();
    await a;
  });

  it('waits for every pair a call shares with earlier calls, without deadlock on overlapping sets', async () => {
    const locks = new PairLocks();
    const order: string[] = [];
    const held = gate();
    const ab = locks.run(['a', 'b'], async () => {
      await held.opened;
      order.push('ab');
    });
    const ba = locks.run(['b', 'a'], async () => {
      order.push('ba');
    });
    const c = locks.run(['c'], async () => {
      order.push('c');
    });
    await c;
    held.open();
    await Promise.all([ab, ba]);
    expect(order).toEqual(['c', 'ab', 'ba']);
  });

  it('lets the next caller in when work fails, and passes the failure on', async () => {
    const locks = new PairLocks();
    await expect(locks.run(['p1'], async () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    await expect(locks.run(['p1'], async () => 'after')).resolves.toBe('after');
    expect(locks.size).toBe(0);
  });
});
