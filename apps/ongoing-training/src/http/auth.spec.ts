// The verifier is plain TypeScript: the suite loads it as it is, with no Nest.
import jwt from 'jsonwebtoken';
import type { OngoingTrainingConfig } from '../config.js';
import { TokenVerifier } from './token-verifier.js';

const SECRET = 's'.repeat(32);
const NOW = Date.parse('2026-11-24T12:00:00Z');
const nowS = NOW / 1000;
const verifier = (config: Partial<OngoingTrainingConfig> = {}) =>
  new TokenVerifier({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_MAX_TTL: 86400, ...config } as OngoingTrainingConfig);
const sign = (claims: object, secret = SECRET) => jwt.sign({ sub: 'client-1', role: 'client', ...claims }, secret, { algorithm: 'HS256', noTimestamp: true });
const check = (authorization: string, config?: Partial<OngoingTrainingConfig>) => verifier(config).check(authorization, NOW);
const valid = sign({ iat: nowS, exp: nowS + 600 });

describe('API tokens (HTTP contract)', () => {
  it('accepts a token of the contract', () => expect(check(`Bearer ${valid}`)).toMatchObject({ ok: true, caller: { sub: 'client-1', role: 'client' } }));

  it.each(['bearer', 'BEARER', 'BeArEr'])('reads the scheme %s in any case', (scheme) => expect(check(`${scheme} ${valid}`)).toMatchObject({ ok: true }));

  it.each([
    ['no exp', sign({ iat: nowS }), 'INVALID_TOKEN', /exp/],
    ['a 100-year lifetime', sign({ iat: nowS, exp: nowS + 100 * 365 * 86400 }), 'INVALID_TOKEN', /lives longer/],
    ['24 h and a minute without iat', sign({ exp: nowS + 86400 + 60 }), 'INVALID_TOKEN', /lives longer/],
    ['an iat in the future that stretches it', sign({ iat: nowS + 85000, exp: nowS + 90000 }), 'INVALID_TOKEN', /lives longer/],
    ['expired 31 s ago', sign({ iat: nowS - 600, exp: nowS - 31 }), 'TOKEN_EXPIRED', /expired/],
    ['another secret', sign({ exp: nowS + 60 }, 'x'.repeat(32)), 'INVALID_TOKEN', /badly signed/],
    ['no role', jwt.sign({ sub: 'a', exp: nowS + 60 }, SECRET), 'INVALID_TOKEN', /role/],
    ['an unknown role', sign({ role: 'admin', exp: nowS + 60 }), 'INVALID_TOKEN', /role/],
  ])('refuses %s', (_, token, code, message) => expect(check(`Bearer ${token}`)).toMatchObject({ ok: false, code, message: expect.stringMatching(message) }));

  it('allows 30 s of clock skew', () => expect(check(`Bearer ${sign({ iat: nowS - 600, exp: nowS - 29 })}`)).toMatchObject({ ok: true }));

  it('refuses alg none', () => {
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', role: 'ops', exp: nowS + 60 })).toString('base64url')}.`;
    expect(check(`Bearer ${none}`)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' });
  });

  it.each(['', 'Basic dXNlcjpwYXNz', `Token ${valid}`, `Bearer`, `Bearer ${valid} extra`, `Bearer ${valid.replace(/\./g, '')}`])(
    'refuses the header %j',
    (header) => expect(check(header)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' }),
  );

  describe('with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE set', () => {
    const config = { AUTH_JWT_ISSUER: 'https://auth.coachup.example', AUTH_JWT_AUDIENCE: 'ongoing-training' };
    it('accepts a token of that issuer for that audience', () =>
      expect(check(`Bearer ${sign({ exp: nowS + 60, iss: config.AUTH_JWT_ISSUER, aud: ['billing', 'ongoing-training'] })}`, config)).toMatchObject({
        ok: true,
      }));
    it.each([
      ['another issuer', { iss: 'https://evil.example', aud: 'ongoing-training' }],
      ['another audience', { iss: config.AUTH_JWT_ISSUER, aud: 'billing' }],
      ['no iss', { aud: 'ongoing-training' }],
      ['no aud', { iss: config.AUTH_JWT_ISSUER }],
    ])('refuses %s', (_, claims) => expect(check(`Bearer ${sign({ exp: nowS + 60, ...claims })}`, config)).toMatchObject({ ok: false, code: 'INVALID_TOKEN' }));
  });
});
