import { isLaterPackage, lastPackageOf, rateOf } from './rate.js';
import { usd } from './testing/builders.js';

describe('rate of a package (R3)', () => {
  it('divides the price by the session count in minor units, 25000 / 3 -> 8333 (R3)', () => {
    expect(rateOf(usd(25000), 3)).toEqual(usd(8333));
  });

  it.each([
    [25000, 4, 6250],
    [5, 2, 3], // 2.5 -> 3: halves go up
    [1, 2, 1], // 0.5 -> 1
    [7, 2, 4], // 3.5 -> 4
    [1, 3, 0], // 0.33 -> 0
    [2, 3, 1], // 0.67 -> 1
    [10, 4, 3], // 2.5 -> 3
    [0, 5, 0],
    [99999, 1000, 100], // 99.999 -> 100
  ])('rounds %i / %i to the nearest unit, halves up: %i (R3)', (amount, sessionCount, expected) => {
    expect(rateOf(usd(amount), sessionCount).amount).toBe(expected);
  });

  it('stays exact at the largest safe amount, where doubling would overflow a float (R3)', () => {
    // 9007199254740991 / 2 = 4503599627370495.5 -> ...496
    expect(rateOf(usd(Number.MAX_SAFE_INTEGER), 2).amount).toBe(4503599627370496);
    expect(rateOf(usd(Number.MAX_SAFE_INTEGER), 1).amount).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('keeps the currency of the price (R3)', () => {
    expect(rateOf({ amount: 10000, currency: 'JPY' }, 3)).toEqual({ amount: 3333, currency: 'JPY' });
  });

  it('refuses amounts and counts that are not integers (R3: no floats in money)', () => {
    expect(() => rateOf(usd(100.5), 2)).toThrow(RangeError);
    expect(() => rateOf(usd(-1), 2)).toThrow(RangeError);
    expect(() => rateOf(usd(100), 0)).toThrow(RangeError);
    expect(() => rateOf(usd(100), 1.5)).toThrow(RangeError);
  });
});

describe('last package (R4)', () => {
  it('is the package with the latest occurredAt, whatever order they came in (R4)', () => {
    const older = { packageId: 'p-b', occurredAt: '2026-11-01T10:00:00Z' };
    const newer = { packageId: 'p-a', occurredAt: '2026-11-02T10:00:00Z' };
    expect(lastPackageOf([older, newer])).toBe(newer);
    expect(lastPackageOf([newer, older])).toBe(newer);
  });

  it('breaks a tie on occurredAt with the greater packageId, compared as plain strings (R4)', () => {
    const p10 = { packageId: 'p10', occurredAt: '2026-11-01T10:00:00Z' };
    const p9 = { packageId: 'p9', occurredAt: '2026-11-01T10:00:00Z' };
    // "p9" > "p10" character by character: no numeric or locale ordering.
    expect(lastPackageOf([p9, p10])).toBe(p9);
    expect(lastPackageOf([p10, p9])).toBe(p9);
  });

  it('compares occurredAt with different zone offsets as instants (R4)', () => {
    const inParis = { packageId: 'p1', occurredAt: '2026-11-24T19:30:00+01:00' };
    const inUtc = { packageId: 'p2', occurredAt: '2026-11-24T18:30:00Z' };
    // Same instant: the tie goes to the greater id, not to the greater string.
    expect(lastPackageOf([inParis, inUtc])).toBe(inUtc);
    const earlierInParis = { packageId: 'p3', occurredAt: '2026-11-24T19:00:00+01:00' };
    expect(isLaterPackage(earlierInParis, inUtc)).toBe(false);
  });

  it('is null when no package is known (R4)', () => {
    expect(lastPackageOf([])).toBeNull();
  });
});
