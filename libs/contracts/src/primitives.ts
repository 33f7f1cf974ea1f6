import currencyCodes from 'currency-codes';
import validator from 'validator';
import { z } from 'zod';

// A UTF-16 surrogate without its pair: JSON can spell it (`"\ud800"`), UTF-8 and BSON cannot, so it
// would be stored as U+FFFD and meet another id that really is U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string of the contracts: not empty, at most 200 characters, well-formed Unicode. */
export const idString = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !LONE_SURROGATE.test(value), { message: 'must be well-formed Unicode (no lone surrogate)' });

/** ISO 8601 with an explicit zone (`2026-11-24T18:30:00Z`, `2026-11-24T19:30:00+01:00`), at most 40 characters. */
// The length bound keeps 300,000 fraction digits out of the stored state and of every later parse.
export const timestamp = z.iso.datetime({ offset: true }).max(40);

/** The earliest time of the contracts. */
export const EARLIEST_TIME = Date.parse('2000-01-01T00:00:00Z');
/** How far ahead of the service's clock a time may be (producers' clocks drift; year 9999 is not drift). */
export const LATEST_TIME_AHEAD_MS = 24 * 60 * 60 * 1000;

/**
 * Why a contract time is out of bounds (before 2000-01-01 or more than 24 hours after `now`), or null.
 * Kept apart from `timestamp` because it needs the clock: parsing passes `now` in.
 */
export function timeOutOfBounds(value: string, now: Date): string | null {
  const at = Date.parse(value);
  if (Number.isNaN(at)) return 'is not a valid time';
  if (at < EARLIEST_TIME) return 'is before 2000-01-01';
  if (at > now.getTime() + LATEST_TIME_AHEAD_MS) return `is more than 24 hours after the service's clock (${now.toISOString()})`;
  return null;
}

// ISO 4217 codes that are not money a client pays in: precious metals, fund units, testing, "no currency".
const NOT_MONEY = new Set(['XAG', 'XAU', 'XPD', 'XPT', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XUA', 'XTS', 'XXX']);

/** ISO 4217 currencies, from the ISO list one as the `currency-codes` package ships it. */
export const CURRENCIES: ReadonlySet<string> = new Set(currencyCodes.codes().filter((code) => !NOT_MONEY.has(code)));

export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters')
  .refine((code) => CURRENCIES.has(code), { message: 'is not a known ISO 4217 currency' });

/** The largest amount of money of the contracts, in minor units. */
export const MAX_AMOUNT = 1_000_000_000_000;

/** Money in integer minor units of its currency: no floats anywhere in money (R3). */
export const money = z.object({
  amount: z.number().int().min(0).max(MAX_AMOUNT),
  currency: currencyCode,
});
export type Money = z.infer<typeof money>;

/**
 * An address per RFC 5321 with RFC 6531's internationalized local parts and domains
 * (`josé@bücher.example`, `"john doe"@example.com`), at most 254 characters. validator's isEmail knows
 * quoted local parts, UTF-8 and the 64/255 length limits; zod's own email() is ASCII-only.
 */
export const email = z
  .string()
  .max(254)
  .refine((value) => validator.isEmail(value, { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false, allow_display_name: false }), {
    message: 'is not a valid email address',
  })
  .meta({ format: 'idn-email' });

export const contact = z.object({
  name: idString,
  email,
});
export type Contact = z.infer<typeof contact>;

/** Minor units of a currency by ISO 4217 (USD 2, JPY 0, BHD 3, IQD 3). */
export function minorUnits(currency: string): number {
  const entry = currencyCodes.code(currency);
  if (!entry || !CURRENCIES.has(currency)) throw new RangeError(`${currency} is not an ISO 4217 currency`);
  return entry.digits;
}
