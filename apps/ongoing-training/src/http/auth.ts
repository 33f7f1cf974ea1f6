import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ONGOING_TRAINING_CONFIG, OngoingTrainingConfig } from '../config';

export const ROLES = ['client', 'coach', 'ops'] as const;

const claimsSchema = z.object({ sub: z.string().min(1).max(200), role: z.enum(ROLES) });
export type Caller = z.infer<typeof claimsSchema>;

/** `Authorization: Bearer <JWT>`, HS256 with AUTH_JWT_SECRET; anything else is a 401. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(@Inject(ONGOING_TRAINING_CONFIG) private readonly config: OngoingTrainingConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException({ code: 'UNAUTHORIZED', message: 'a Bearer token is required' });
    let claims: unknown;
    try {
      claims = jwt.verify(match[1], this.config.AUTH_JWT_SECRET, { algorithms: ['HS256'] });
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new UnauthorizedException({ code: expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN', message: expired ? 'the token has expired' : 'the token is malformed or badly signed' });
    }
    const parsed = claimsSchema.safeParse(claims);
    if (!parsed.success) throw new UnauthorizedException({ code: 'INVALID_TOKEN', message: 'the token needs claims sub and role (client, coach or ops)' });
    request.caller = parsed.data;
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
