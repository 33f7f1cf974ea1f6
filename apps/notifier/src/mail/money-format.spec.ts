import { formatMoney } from './money-format.js';

describe('formatMoney (R9: the rate formatted for its currency)', () => {
  it.each([
    [{ amount: 8000, currency: 'USD' }, 'USD 80.00'],
    [{ amount: 8333, currency: 'EUR' }, 'EUR 83.33'],
    [{ amount: 8000, currency: 'JPY' }, 'JPY 8000'],
    [{ amount: 8000, currency: 'BHD' }, 'BHD 8.000'],
    [{ amount: 5, currency: 'USD' }, 'USD 0.05'],
    [{ amount: 5, currency: 'KWD' }, 'KWD 0.005'],
  ])('places the decimal point by the minor units of the currency: %j -> %s', (money, expected) => {
    expect(formatMoney(money)).toBe(expected);
  });

  it('formats zero', () => {
    expect(formatMoney({ amount: 0, currency: 'USD' })).toBe('USD 0.00');
    expect(formatMoney({ amount: 0, currency: 'JPY' })).toBe('JPY 0');
    expect(formatMoney({ amount: 0, currency: 'BHD' })).toBe('BHD 0.000');
  });

  it('keeps every digit of the largest amount the contract allows (no float rounding)', () => {
    expect(formatMoney({ amount: Number.MAX_SAFE_INTEGER, currency: 'USD' })).toBe('USD 90071992547409.91');
    expect(formatMoney({ amount: Number.MAX_SAFE_INTEGER, currency: 'BHD' })).toBe('BHD 9007199254740.991');
    expect(formatMoney({ amount: 123456789012, currency: 'JPY' })).toBe('JPY 123456789012');
  });

  it('refuses an amount that is not an integer of minor units', () => {
    expect(() => formatMoney({ amount: 80.5, currency: 'USD' })).toThrow(RangeError);
    expect(() => formatMoney({ amount: Number.MAX_SAFE_INTEGER + 2, currency: 'USD' })).toThrow(RangeError);
  });
});
