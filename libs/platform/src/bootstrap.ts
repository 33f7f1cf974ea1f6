import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { ConfigError } from './config/load-config.js';
import { ErrorsFilter } from './http/errors.filter.js';
import { KafkaServers } from './kafka/kafka.module.js';
import { createLogger } from './logging/logger.js';

interface AppConfig {
  HTTP_PORT: number;
  METRICS_PORT?: number;
  LOG_LEVEL: string;
  LOG_FORMAT: 'json' | 'text';
}

/**
 * The HTTP edge's headers: helmet's defaults (`X-Content-Type-Options: nosniff`, no `X-Powered-By`,
 * frame and referrer policies), and `Cache-Control: no-store` on every `/v1` answer, errors included:
 * they carry one client's data and must not sit in a shared cache.
 */
export function secureHttp(app: NestExpressApplication): void {
  app.disable('x-powered-by');
  app.use(helmet());
  app.use('/v1', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
}

/**
 * Starts an app: configuration validated first (a wrong variable stops it with exit 78 and a message
 * that names it, never a secret), JSON logs, graceful shutdown on SIGTERM/SIGINT. A hybrid application:
 * each Kafka consumer group of the app (KafkaModule) is connected as a microservice sharing the app's
 * error filter, the app is initialised (its providers' start-up hooks run: pairs restored, outbox
 * recovered), then the consumers start, then HTTP listens on HTTP_PORT. On shutdown the consumers leave
 * their groups first, then the producer and the database connection close.
 */
export function bootstrapApp<C extends AppConfig>(
  name: string,
  loadConfig: () => C,
  module: (config: C) => DynamicModule,
  describe: (config: C) => object,
): void {
  const start = async () => {
    let config: C;
    try {
      config = loadConfig();
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${name} cannot start. ${error.message}\n`);
        process.exit(78); // EX_CONFIG
      }
      throw error;
    }
    const logger = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
    const app = await NestFactory.create<NestExpressApplication>(module(config), { logger, bufferLogs: true });
    secureHttp(app);
    app.useGlobalFilters(new ErrorsFilter());
    app.enableShutdownHooks();
    for (const strategy of app.get(KafkaServers).all) app.connectMicroservice({ strategy }, { inheritAppConfig: true });
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.HTTP_PORT, '0.0.0.0');
    logger.log({ message: `${name} started`, httpPort: config.HTTP_PORT, metricsPort: config.METRICS_PORT, ...describe(config) }, 'Main');
  };
  start().catch((error) => {
    // Connection errors can quote a URI: its credentials are hidden like a configuration error's.
    const text = (error instanceof Error ? (error.stack ?? error.message) : String(error)).replace(/(\/\/)[^/?#\s]*@/g, '$1***@');
    process.stderr.write(`${name} failed to start: ${text}\n`);
    process.exit(1);
  });
}
