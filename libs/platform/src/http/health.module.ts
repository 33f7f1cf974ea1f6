import { Controller, DynamicModule, Get, Inject, Module, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Connection } from 'mongoose';
import { EventPublisher } from '../kafka/event-publisher.js';
import { KafkaServers } from '../kafka/kafka.module.js';
import { pingMongo } from '../mongo/mongo-connection.js';
import { MONGO_CONNECTION } from '../mongo/mongo.module.js';

export interface HealthCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export interface HealthModuleOptions {
  /** A chunk in hand without progress for this long makes the app not live (a restart is the cure). */
  consumerStallMs: number;
}

/**
 * `GET /health/live` (the process answers and its consumers make progress when they have work) and
 * `GET /health/ready` (MongoDB answers, every consumer group is joined and well, the producer connected).
 */
@Controller('health')
export class HealthController {
  private readonly readiness: HealthCheck[];
  private readonly liveness: HealthCheck[];

  constructor(
    @Inject(MONGO_CONNECTION) mongo: Connection,
    servers: KafkaServers,
    publisher: EventPublisher,
    @Inject(HEALTH_OPTIONS) options: HealthModuleOptions,
  ) {
    this.readiness = [
      { name: 'mongodb', check: () => pingMongo(mongo) },
      { name: 'kafka', check: () => servers.healthy && publisher.isConnected },
    ];
    this.liveness = [{ name: 'consumer-progress', check: () => servers.stalledForMs() < options.consumerStallMs }];
  }

  @Get('live')
  async live(@Res({ passthrough: true }) res: Response) {
    const failing = (await runChecks(this.liveness)).filter(([, ok]) => !ok).map(([name]) => name);
    res.status(failing.length ? 503 : 200);
    return failing.length ? { status: 'not-live', failing } : { status: 'live' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response) {
    const results = await runChecks(this.readiness);
    const ready = results.every(([, ok]) => ok);
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not-ready', checks: Object.fromEntries(results.map(([n, ok]) => [n, ok ? 'up' : 'down'])) };
  }
}

function runChecks(checks: HealthCheck[]): Promise<(readonly [string, boolean])[]> {
  return Promise.all(checks.map(async (c) => [c.name, await Promise.resolve(c.check()).catch(() => false)] as const));
}

/** The health routes of an app built on MongoModule and KafkaModule. */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return { module: HealthModule, controllers: [HealthController], providers: [{ provide: HEALTH_OPTIONS, useValue: options }] };
  }
}
