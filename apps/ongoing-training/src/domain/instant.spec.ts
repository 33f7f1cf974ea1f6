import { compareInstants, laterOf } from './instant.js';

describe('instants', () => {
  it('treats the same moment written with different zone offsets as equal', () => {
    expect(compareInstants('2026-11-24T19:30:00+01:00', '2026-11-24T18:30:00Z')).toBe(0);
  });

  it('orders by the moment, not by the text', () => {
    // As strings "19:00+01:00" sorts after "18:30Z", but it is half an hour earlier.
    expect(compareInstants('2026-11-24T19:00:00+01:00', '2026-11-24T18:30:00Z')).toBeLessThan(0);
    expect(compareInstants('2026-11-24T18:30:00Z', '2026-11-24T19:00:00+01:00')).toBeGreaterThan(0);
  });

  it('keeps digits beyond milliseconds', () => {
    expect(compareInstants('2026-11-24T18:30:00.0001Z', '2026-11-24T18:30:00.0002Z')).toBeLessThan(0);
    expect(compareInstants('2026-11-24T18:30:00.1Z', '2026-11-24T18:30:00.100000Z')).toBe(0);
    expect(compareInstants('2026-11-24T18:30:00.5Z', '2026-11-24T18:30:00Z')).toBeGreaterThan(0);
  });

  it('refuses a time without a zone', () => {
    expect(() => compareInstants('2026-11-24T18:30:00', '2026-11-24T18:30:00Z')).toThrow(RangeError);
  });

  it('picks the later of two times', () => {
    expect(laterOf('2026-11-24T18:30:00Z', '2026-11-24T18:31:00+00:00')).toBe('2026-11-24T18:31:00+00:00');
    expect(laterOf('2026-11-24T19:30:00+01:00', '2026-11-24T18:30:00Z')).toBe('2026-11-24T19:30:00+01:00');
  });
});
