import { Controller, Get, Inject, Provider, Res, Type } from '@nestjs/common';
import type { Response } from 'express';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** What makes a process not live: a restart is the cure (a consumer stuck on one chunk). */
export const LIVENESS_CHECKS = Symbol('LIVENESS_CHECKS');

/**
 * `GET /health/live` (the process answers and its consumer makes progress when it has work) and
 * `GET /health/ready` (Kafka and MongoDB reachable).
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    @Inject(LIVENESS_CHECKS) private readonly liveness: ReadinessCheck[],
  ) {}

  @Get('live')
  async live(@Res({ passthrough: true }) res: Response) {
    const failing = [];
    for (const c of this.liveness) if (!(await Promise.resolve(c.check()).catch(() => false))) failing.push(c.name);
    res.status(failing.length ? 503 : 200);
    return failing.length ? { status: 'not-live', failing } : { status: 'live' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response) {
    const results = await Promise.all(
      this.checks.map(async (c) => [c.name, await Promise.resolve(c.check()).catch(() => false)] as const),
    );
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not-ready', checks: Object.fromEntries(results.map(([n, ok]) => [n, ok ? 'up' : 'down'])) };
  }
}

/** Liveness of an app whose consumer is `consumer`: not live once a chunk made no progress for `stallMs`. */
export function consumerLivenessProvider(consumers: Type<{ stalledForMs(): number }>[], stallMs: number): Provider {
  return {
    provide: LIVENESS_CHECKS,
    inject: consumers,
    useFactory: (...held: { stalledForMs(): number }[]): ReadinessCheck[] => [{ name: 'consumer-progress', check: () => held.every((c) => c.stalledForMs() < stallMs) }],
  };
}
