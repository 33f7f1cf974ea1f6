import type { Money } from '#contracts';
import { compareInstants } from './instant.js';
import type { PackageRecord } from './pair-state.js';

/**
 * R3: the per-session rate of a package, in integer minor units of its currency, rounded to the nearest
 * unit with halves up (25000 / 3 -> 8333, 5 / 2 -> 3).
 */
export function rateOf(price: Money, sessionCount: number): Money {
  if (!Number.isSafeInteger(price.amount) || price.amount < 0) {
    throw new RangeError(`price amount must be a non-negative integer of minor units, got ${price.amount}`);
  }
  if (!Number.isSafeInteger(sessionCount) || sessionCount < 1) {
    throw new RangeError(`session count must be a positive integer, got ${sessionCount}`);
  }
  // floor((2a + n) / 2n) is a/n rounded half up; BigInt because 2a can pass MAX_SAFE_INTEGER, and no
  // float ever touches money.
  const amount = BigInt(price.amount);
  const count = BigInt(sessionCount);
  return { amount: Number((2n * amount + count) / (2n * count)), currency: price.currency };
}

/** R4 order: the later `occurredAt` (as an instant) wins; on the same instant, the greater `packageId`. */
export function isLaterPackage(a: Pick<PackageRecord, 'occurredAt' | 'packageId'>, b: Pick<PackageRecord, 'occurredAt' | 'packageId'>): boolean {
  const byTime = compareInstants(a.occurredAt, b.occurredAt);
  if (byTime !== 0) return byTime > 0;
  // Plain code-unit comparison: locale-independent, so every instance orders ids alike.
  return a.packageId > b.packageId;
}

/** R4: the last package whatever order the packages arrived in; null when none is known. */
export function lastPackageOf<P extends Pick<PackageRecord, 'occurredAt' | 'packageId'>>(packages: readonly P[]): P | null {
  return packages.reduce<P | null>((last, candidate) => (last === null || isLaterPackage(candidate, last) ? candidate : last), null);
}
