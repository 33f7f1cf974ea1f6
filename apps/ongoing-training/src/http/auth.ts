import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { Caller, TokenVerifier } from './token-verifier.js';

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
  throw new ForbiddenException({
    code: 'FORBIDDEN',
    message: caller.role === 'coach' ? "coaches cannot change a client's Ongoing Training" : 'this switch is not yours to change',
  });
}
