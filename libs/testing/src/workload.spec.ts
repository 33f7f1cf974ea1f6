import { aSessionAutobooked } from '#contracts/testing/builders';
import { aSteadyWorkload, aWorkload, audit, orderIndependent, pairOfAddress, pastTheEnd } from './workload.js';

describe('the workload generator', () => {
  it('gives the same inputs for the same seed, and others for another seed', () => {
    const a = aWorkload('w', { pairs: 50, shape: orderIndependent(10), seed: 1 });
    expect(aWorkload('w', { pairs: 50, shape: orderIndependent(10), seed: 1 })).toEqual(a);
    expect(aWorkload('w', { pairs: 50, shape: orderIndependent(10), seed: 2 }).completions).not.toEqual(a.completions);
  });

  it('order-independent pairs complete S - 1 or S sessions, and only the exhausting ones book one', () => {
    const workload = aWorkload('w', { pairs: 2000, shape: orderIndependent(10) });
    for (const pair of workload.pairs) {
      expect([pair.sessionCount - 1, pair.sessionCount]).toContain(pair.completions.length);
      expect(pair.expected).toBe(pair.completions.length === pair.sessionCount ? 1 : 0);
    }
    // About one completion in ten books a session.
    expect(workload.expectedTotal / workload.completions.length).toBeGreaterThan(0.07);
    expect(workload.expectedTotal / workload.completions.length).toBeLessThan(0.13);
  });

  it('pairs past the end book one at their last session and one per completion after it', () => {
    const workload = aWorkload('w', { pairs: 500, shape: pastTheEnd({ sessionCount: 3, extra: 5 }) });
    for (const pair of workload.pairs) expect(pair.expected).toBe(Math.max(0, pair.completions.length - 2));
    expect(Math.max(...workload.pairs.map((p) => p.completions.length))).toBe(8);
    expect(workload.expectedTotal).toBe([...workload.expected.values()].reduce((a, b) => a + b, 0));
  });

  it("interleaves the pairs but keeps each pair's completions in order, every input once", () => {
    const workload = aWorkload('w', { pairs: 100, shape: pastTheEnd() });
    for (const pair of workload.pairs) {
      expect(workload.completions.filter((c) => c.clientId === pair.clientId)).toEqual(pair.completions);
    }
    expect(workload.inputs).toBe(workload.packages.length + workload.completions.length);
    expect(new Set([...workload.packages, ...workload.completions].map((e) => e.eventId)).size).toBe(workload.inputs);
  });

  it("a steady workload sends each pair's package first, and expects what the produced inputs book", () => {
    const workload = aSteadyWorkload('s', { rate: 100, seconds: 20, active: 10 });
    expect(workload.inputs).toBe(2000);
    const first = new Map<number, string>();
    for (const input of workload.sequence) if (!first.has(input.pair)) first.set(input.pair, input.topic);
    expect(new Set(first.values())).toEqual(new Set(['package.booked']));
    const produced = (pair: number) => workload.sequence.filter((s) => s.pair === pair && s.topic === 'session.completed').length;
    const booking = workload.pairs.filter((p) => p.expected > 0 && produced(p.index) === p.completions.length);
    expect(workload.expectedTotal).toBe(booking.length);
    expect(workload.sequence[workload.byEventId.get(workload.sequence[42].eventId)!]).toBe(workload.sequence[42]);
  });

  it('names the pair in every address, so that each email can be traced to its pair', () => {
    const [pair] = aWorkload('w', { pairs: 8, shape: pastTheEnd() }).pairs.slice(7);
    expect(pairOfAddress(pair.package.client.email)).toEqual({ recipient: 'client', pair: 7 });
    expect(pairOfAddress(pair.package.coach.email)).toEqual({ recipient: 'coach', pair: 7 });
    expect(pairOfAddress('someone@example.com')).toBeNull();
  });
});

describe('audit', () => {
  const workload = {
    expected: new Map([
      ['c1', 2],
      ['c2', 1],
    ]),
  };
  const autobook = (clientId: string, sequence: number, eventId = `${clientId}-${sequence}`) => aSessionAutobooked({ clientId, sequence, eventId });

  it('counts copies of one autobook as redelivered, not doubled', () => {
    expect(audit(workload, [autobook('c1', 1), autobook('c1', 2), autobook('c1', 2), autobook('c2', 1)])).toEqual({
      messages: 4,
      distinct: 3,
      redelivered: 1,
      doubled: 0,
      lost: 0,
    });
  });

  it('counts a second autobook for one sequence as doubled, and a missing one as lost', () => {
    expect(audit(workload, [autobook('c1', 1), autobook('c1', 1, 'other')])).toMatchObject({ doubled: 1, lost: 2 });
  });
});
