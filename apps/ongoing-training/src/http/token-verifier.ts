import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { OngoingTrainingConfig } from '../config.js';

// Plain TypeScript, no Nest: the module provides it (app.module.ts) and its spec loads it as it is.

type TokenConfig = Pick<OngoingTrainingConfig, 'AUTH_JWT_SECRET' | 'AUTH_JWT_MAX_TTL' | 'AUTH_JWT_ISSUER' | 'AUTH_JWT_AUDIENCE'>;

export const ROLES = ['client', 'coach', 'ops'] as const;

const claimsSchema = z.object({ sub: z.string().min(1).max(200), role: z.enum(ROLES) });
export type Caller = z.infer<typeof claimsSchema>;

/** Clock tolerance between the token issuer and this service. */
const CLOCK_TOLERANCE_SECONDS = 30;

// The scheme in any case (RFC 9110: auth schemes are case-insensitive); a JWS compact token.
const BEARER = /^bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*) *$/i;

type TokenCheck = { ok: true; caller: Caller } | { ok: false; code: 'UNAUTHORIZED' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED'; message: string };

/**
 * Checks an `Authorization` header per the HTTP contract: HS256 with AUTH_JWT_SECRET, `exp` required,
 * a lifetime of at most AUTH_JWT_MAX_TTL, `iss` and `aud` when configured, 30 s of clock tolerance.
 */
export class TokenVerifier {
  constructor(private readonly config: TokenConfig) {}

  check(authorization: string | undefined, now = Date.now()): TokenCheck {
    const match = BEARER.exec(authorization ?? '');
    if (!match) return { ok: false, code: 'UNAUTHORIZED', message: 'a Bearer token is required' };
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(match[1], this.config.AUTH_JWT_SECRET, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: Math.floor(now / 1000),
        ...(this.config.AUTH_JWT_ISSUER ? { issuer: this.config.AUTH_JWT_ISSUER } : {}),
        ...(this.config.AUTH_JWT_AUDIENCE ? { audience: this.config.AUTH_JWT_AUDIENCE } : {}),
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) return { ok: false, code: 'TOKEN_EXPIRED', message: 'the token has expired' };
      const message =
        error instanceof jwt.JsonWebTokenError && /issuer|audience/.test(error.message)
          ? 'the token was issued for another service (iss or aud)'
          : 'the token is malformed or badly signed';
      return { ok: false, code: 'INVALID_TOKEN', message };
    }
    if (typeof claims === 'string' || typeof claims.exp !== 'number') return { ok: false, code: 'INVALID_TOKEN', message: 'the token needs an exp claim' };
    // A token that lives longer than allowed is refused whole, not trimmed: measured from iat, and
    // from now so that an iat set in the future does not stretch it.
    const nowSeconds = now / 1000;
    const lifetime = Math.max(claims.exp - (typeof claims.iat === 'number' ? claims.iat : nowSeconds), claims.exp - nowSeconds - CLOCK_TOLERANCE_SECONDS);
    if (lifetime > this.config.AUTH_JWT_MAX_TTL) {
      return { ok: false, code: 'INVALID_TOKEN', message: `the token lives longer than the ${this.config.AUTH_JWT_MAX_TTL} s allowed` };
    }
    const parsed = claimsSchema.safeParse(claims);
    if (!parsed.success) return { ok: false, code: 'INVALID_TOKEN', message: 'the token needs claims sub and role (client, coach or ops)' };
    return { ok: true, caller: parsed.data };
  }
}
