import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ONGOING_TRAINING_CONFIG, OngoingTrainingConfig } from '../config';

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
@Injectable()
export class TokenVerifier {
  constructor(@Inject(ONGOING_TRAINING_CONFIG) private readonly config: OngoingTrainingConfig) {}

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
      const message = error instanceof jwt.JsonWebTokenError && /issuer|audience/.test(error.message) ? 'the token was issued for another service (iss or aud)' : 'the token is malformed or badly signed';
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

/** `Authorization: Bearer <JWT>` checked by the TokenVerifier; anything else is a 401. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const result = this.tokens.check(request.headers.authorization);
    if (!result.ok) throw new UnauthorizedException({ code: result.code, message: result.message });
    request.caller = result.caller;
    return true;
  }
}

export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  return context.switchToHttp().getRequest<{ caller: Caller }>().caller;
});

/** Who may see a pair: ops any; a client their own; a coach only pairs they are the coach of. */
export function assertCanRead(caller: Caller, clientId: string, coachId?: string): void {
  if (caller.role === 'ops') return;
  if (caller.role === 'client' && caller.sub === clientId) return;
  if (caller.role === 'coach' && (coachId === undefined || caller.sub === coachId)) return;
  throw new ForbiddenException({ code: 'FORBIDDEN', message: 'this pair is not yours to see' });
}

/** Who may flip a switch: the client themself, or ops. Coaches never write. */
export function assertCanWrite(caller: Caller, clientId: string): void {
  if (caller.role === 'ops' || (caller.role === 'client' && caller.sub === clientId)) return;
  throw new ForbiddenException({ code: 'FORBIDDEN', message: caller.role === 'coach' ? 'coaches cannot change a client\'s Ongoing Training' : 'this switch is not yours to change' });
}
