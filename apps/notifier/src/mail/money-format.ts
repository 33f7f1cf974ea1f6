import { Money, minorUnits } from '#contracts';

/**
 * Money for people: `USD 80.00`, `JPY 8000`, `BHD 8.000`. The amount is in integer minor units, so the
 * decimal point is placed with string operations only: no float ever touches money (R3).
 */
export function formatMoney(money: Money): string {
  const { amount, currency } = money;
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`money amount must be a safe integer of minor units, got ${amount}`);
  }
  const units = minorUnits(currency);
  const digits = String(Math.abs(amount));
  const sign = amount < 0 ? '-' : '';
  if (units === 0) return `${currency} ${sign}${digits}`;
  const padded = digits.padStart(units + 1, '0');
  const major = padded.slice(0, padded.length - units);
  const minor = padded.slice(padded.length - units);
  return `${currency} ${sign}${major}.${minor}`;
}
