import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ONGOING_TRAINING_CONFIG, type OngoingTrainingConfig } from '../config.js';
import { TokenVerifier } from './token-verifier.js';

const WINDOW_SECONDS = 60;

const isRead = (request: Request) => ['GET', 'HEAD'].includes(request.method);

/**
 * The API's rate limits, as the contract says: per subject (a valid token's `sub`, or the address when
 * there is none, so that a flood of forged or expired tokens is limited too), reads (GET, HEAD) and
 * writes counted apart, RATE_LIMIT_READS_PER_MINUTE and RATE_LIMIT_WRITES_PER_MINUTE over a minute
 * across all routes; past it, 429 `RATE_LIMITED` with `Retry-After` in seconds. Counted in memory by
 * rate-limiter-flexible (fixed windows; a subject's count is dropped when its window ends).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly reads: RateLimiterMemory;
  private readonly writes: RateLimiterMemory;

  constructor(
    @Inject(ONGOING_TRAINING_CONFIG) config: Pick<OngoingTrainingConfig, 'RATE_LIMIT_READS_PER_MINUTE' | 'RATE_LIMIT_WRITES_PER_MINUTE'>,
    private readonly tokens: TokenVerifier,
  ) {
    this.reads = new RateLimiterMemory({ points: config.RATE_LIMIT_READS_PER_MINUTE, duration: WINDOW_SECONDS });
    this.writes = new RateLimiterMemory({ points: config.RATE_LIMIT_WRITES_PER_MINUTE, duration: WINDOW_SECONDS });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const limiter = isRead(request) ? this.reads : this.writes;
    const token = this.tokens.check(request.headers.authorization);
    const subject = token.ok ? `sub:${token.caller.sub}` : `address:${request.ip}`;
    try {
      await limiter.consume(subject);
      return true;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(seconds));
      throw new HttpException(
        { code: 'RATE_LIMITED', message: `too many requests: at most ${limiter.points} a minute; try again in ${seconds} s` },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }
}
