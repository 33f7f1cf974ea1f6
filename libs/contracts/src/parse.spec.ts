import { boundReason, MAX_REASON_LENGTH, nonIntegerLiterals, parseEvent } from './parse.js';
import { aPackageBooked, aSessionCompleted } from './testing/builders.js';
import { TOPICS } from './topics.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const book = (overrides: object = {}, key?: string) => {
  const event = { ...aPackageBooked(), ...overrides } as { clientId: string };
  return parseEvent(TOPICS.PACKAGE_BOOKED, key ?? event.clientId, JSON.stringify(event), NOW);
};
const reasonOf = (result: { ok: true } | { ok: false; reason: string }) => (result.ok ? 'accepted' : result.reason);

describe('parseEvent: the contract bounds (R12)', () => {
  it('accepts a valid package', () => {
    expect(book()).toMatchObject({ ok: true });
  });

  describe('times: ISO 8601 with a zone, at most 40 characters, 2000-01-01 .. 24 h after the clock', () => {
    it.each([['2026-11-24T18:30:00Z'], ['2026-11-24T19:30:00.123456789+01:00'], ['2000-01-01T00:00:00Z'], ['2026-11-25T11:59:59Z']])(
      'accepts %s',
      (occurredAt) => expect(book({ occurredAt })).toMatchObject({ ok: true }),
    );

    it.each([
      ['1,000 fraction digits', `2026-11-24T18:30:00.${'1'.repeat(1000)}Z`, /occurredAt/],
      ['300,000 fraction digits', `2026-11-24T18:30:00.${'1'.repeat(300000)}Z`, /occurredAt/],
      ['year 9999', '9999-12-31T23:59:59Z', /more than 24 hours after/],
      ['a day and a second ahead', '2026-11-25T12:00:01Z', /more than 24 hours after/],
      ['before 2000', '1999-12-31T23:59:59Z', /before 2000-01-01/],
      ['no zone', '2026-11-24T18:30:00', /occurredAt/],
      ['a date only', '2026-11-24', /occurredAt/],
      ['February 30th', '2026-02-30T10:00:00Z', /occurredAt/],
    ])('refuses %s', (_, occurredAt, reason) => expect(reasonOf(book({ occurredAt }))).toMatch(reason));
  });

  describe('money: an integer literal of minor units, 0..10^12', () => {
    it.each([0, 1_000_000_000_000])('accepts %s', (amount) => expect(book({ price: { amount, currency: 'USD' } })).toMatchObject({ ok: true }));
    it.each([-1, 1_000_000_000_001, 1.5])('refuses %s', (amount) => expect(reasonOf(book({ price: { amount, currency: 'USD' } }))).toMatch(/price\.amount/));

    it.each(['1.0000000000000001', '100.0', '1e3', '1E+2'])('refuses the literal %s, which JSON.parse would make an integer', (literal) => {
      const text = JSON.stringify(aPackageBooked()).replace('"amount":25000', `"amount":${literal}`);
      expect(reasonOf(parseEvent(TOPICS.PACKAGE_BOOKED, 'client-1', text, NOW))).toMatch(/price\.amount: must be an integer literal/);
    });

    it('refuses a sessionCount written 3.0', () => {
      const text = JSON.stringify(aPackageBooked()).replace('"sessionCount":3', '"sessionCount":3.0');
      expect(reasonOf(parseEvent(TOPICS.PACKAGE_BOOKED, 'client-1', text, NOW))).toMatch(/sessionCount: must be an integer literal/);
    });

    it('ignores fractions in unknown extra fields and in strings', () => {
      const text = JSON.stringify({ ...aPackageBooked(), extra: { ratio: 0.5 }, note: '1.5' });
      expect(parseEvent(TOPICS.PACKAGE_BOOKED, 'client-1', text, NOW)).toMatchObject({ ok: true });
    });
  });

  describe('emails: RFC 5321 with RFC 6531, at most 254 characters', () => {
    it.each(['josé@example.com', 'user@bücher.example', '"john doe"@example.com', 'josé@bücher.example', 'user+tag@xn--bcher-kva.example', '用户@例子.广告'])(
      'accepts %s',
      (email) => expect(book({ client: { name: 'C', email } })).toMatchObject({ ok: true }),
    );
    it.each([
      'no-at-sign',
      'a@b',
      'two@@example.com',
      'sp ace@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(250)}.example`,
      'a@[127.0.0.1]',
      'Name <a@example.com>',
    ])('refuses %s', (email) => expect(reasonOf(book({ client: { name: 'C', email } }))).toMatch(/client\.email/));
  });

  it.each([
    ['an empty id', { packageId: '' }, /packageId/],
    ['a 201-character id', { packageId: 'p'.repeat(201) }, /packageId/],
    ['a sessionCount of 1001', { sessionCount: 1001 }, /sessionCount/],
    ['a sessionCount of 0', { sessionCount: 0 }, /sessionCount/],
    ['an unknown currency', { price: { amount: 1, currency: 'ABC' } }, /price\.currency/],
  ])('refuses %s', (_, overrides, reason) => expect(reasonOf(book(overrides))).toMatch(reason));

  it('accepts a 200-character id', () => expect(book({ packageId: 'p'.repeat(200) })).toMatchObject({ ok: true }));

  describe('reasons are bounded and never repeat the key or the value', () => {
    it('a 200 KB key that is not the clientId is named by its start and size', () => {
      const key = 'k'.repeat(200 * 1024);
      const reason = reasonOf(book({}, key));
      expect(reason).toMatch(/^wrong key/);
      expect(reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
      expect(reason).toContain('204800 characters');
    });

    it('a value full of wrong fields gives a reason of at most 1,000 characters', () => {
      const event = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 1]));
      const text = JSON.stringify({ ...event, eventId: 'x'.repeat(100000) });
      const result = parseEvent(TOPICS.PACKAGE_BOOKED, 'k', text, NOW);
      expect(reasonOf(result).length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
      expect(reasonOf(result)).not.toContain('x'.repeat(100));
    });

    it('invalid JSON of 1 MB', () => {
      const reason = reasonOf(parseEvent(TOPICS.SESSION_COMPLETED, 'k', `{"a":"${'z'.repeat(1 << 20)}`, NOW));
      expect(reason).toMatch(/not valid UTF-8 JSON/);
      expect(reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    });

    it('boundReason cuts and says so', () => {
      expect(boundReason('r'.repeat(5000))).toHaveLength(MAX_REASON_LENGTH);
      expect(boundReason('r'.repeat(5000))).toMatch(/\[reason cut\]$/);
      expect(boundReason('short')).toBe('short');
    });
  });

  it.each([
    ['bad UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /the bytes are not UTF-8/],
    ['a tombstone', null, /tombstone/],
    ['a JSON array', Buffer.from('[]'), /contract/],
    [
      'a lone UTF-16 surrogate in an id',
      Buffer.from(JSON.stringify(aSessionCompleted({ sessionId: 'x' })).replace('"x"', '"a\\ud800b"')),
      /sessionId: .*well-formed/,
    ],
  ])('refuses %s', (_, value, reason) => expect(reasonOf(parseEvent(TOPICS.SESSION_COMPLETED, 'client-1', value, NOW))).toMatch(reason));

  // RFC 8259 lets a parser ignore a byte order mark; TextDecoder drops it, so the event is read as it is.
  it('reads an event after a UTF-8 byte order mark', () => {
    const value = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(aSessionCompleted()))]);
    expect(parseEvent(TOPICS.SESSION_COMPLETED, 'client-1', value, NOW)).toMatchObject({ ok: true });
  });

  it('takes a key that is the clientId in another Unicode normalization as a wrong key', () => {
    const clientId = 'jos\u00e9';
    const event = aSessionCompleted({ clientId });
    expect(reasonOf(parseEvent(TOPICS.SESSION_COMPLETED, 'jose\u0301', JSON.stringify(event), NOW))).toMatch(/wrong key/);
    expect(parseEvent(TOPICS.SESSION_COMPLETED, Buffer.from(clientId), JSON.stringify(event), NOW)).toMatchObject({ ok: true });
  });
});

describe('nonIntegerLiterals', () => {
  it('finds the paths of fraction and exponent literals, not of integers or strings', () => {
    expect(nonIntegerLiterals('{"a":1,"b":{"c":1.0,"d":"2.5"},"e":[1,2e1],"f":-0.5}')).toEqual([['b', 'c'], ['e', '1'], ['f']]);
  });
  it('reads escaped quotes inside strings', () => {
    expect(nonIntegerLiterals('{"a\\"b":"x\\"1.5","c":2}')).toEqual([]);
  });
});
