import currencyCodes from 'currency-codes';
import { z } from 'zod';

/** Every string of the contracts: not empty, at most 200 characters. */
export const idString = z.string().min(1).max(200);

/** ISO 8601 with an explicit zone (`2026-11-24T18:30:00Z`, `2026-11-24T19:30:00+01:00`). */
export const timestamp = z.iso.datetime({ offset: true });

// ISO 4217 codes that are not money a client pays in: precious metals, fund units, testing, "no currency".
const NOT_MONEY = new Set(['XAG', 'XAU', 'XPD', 'XPT', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XUA', 'XTS', 'XXX']);

/** ISO 4217 currencies, from the ISO list one as the `currency-codes` package ships it. */
export const CURRENCIES: ReadonlySet<string> = new Set(currencyCodes.codes().filter((code) => !NOT_MONEY.has(code)));

export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters')
  .refine((code) => CURRENCIES.has(code), { message: 'is not a known ISO 4217 currency' });

/** Money in integer minor units of its currency: no floats anywhere in money (R3). */
export const money = z.object({
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: currencyCode,
});
export type Money = z.infer<typeof money>;

export const contact = z.object({
  name: idString,
  email: z.email().max(254),
});
export type Contact = z.infer<typeof contact>;

/** Minor units of a currency by ISO 4217 (USD 2, JPY 0, BHD 3, IQD 3). */
export function minorUnits(currency: string): number {
  const entry = currencyCodes.code(currency);
  if (!entry || !CURRENCIES.has(currency)) throw new RangeError(`${currency} is not an ISO 4217 currency`);
  return entry.digits;
}
