import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerLimitDetail, type ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Reflector } from '@nestjs/core';
import { TokenVerifier } from './token-verifier.js';

/** The two shares of the HTTP contract: reads (GET, HEAD) and writes (everything else). */
export const RATE_LIMITS = { READS: 'reads', WRITES: 'writes' } as const;

export const isRead = (context: ExecutionContext) => ['GET', 'HEAD'].includes(context.switchToHttp().getRequest<Request>().method);

/**
 * @nestjs/throttler's guard, counted per subject as the contract says: a valid token's `sub`, or the
 * address when there is none (a forged or expired token counts against its address, so a flood of bad
 * tokens is limited too). One count per subject across all routes, and a 429 `RATE_LIMITED` with
 * `Retry-After` in seconds.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly tokens: TokenVerifier,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(req: Request): Promise<string> {
    const token = this.tokens.check(req.headers.authorization);
    return token.ok ? `sub:${token.caller.sub}` : `address:${await super.getTracker(req)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    throw new HttpException({ code: 'RATE_LIMITED', message: `too many requests: at most ${detail.limit} a minute; try again in ${Math.max(1, detail.timeToBlockExpire)} s` }, HttpStatus.TOO_MANY_REQUESTS);
  }
}
