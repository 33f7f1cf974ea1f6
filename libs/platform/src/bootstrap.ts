import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from './config/load-config';
import { createLogger } from './logging/logger';

interface AppConfig {
  HTTP_PORT: number;
  LOG_LEVEL: string;
  LOG_FORMAT: 'json' | 'text';
}

/**
 * Starts an app: configuration validated first (a wrong variable stops it with exit 78 and a message
 * that names it), JSON logs, graceful shutdown on SIGTERM/SIGINT, HTTP on HTTP_PORT.
 */
export function bootstrapApp<C extends AppConfig>(name: string, loadConfig: () => C, module: (config: C) => DynamicModule, describe: (config: C) => object): void {
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
    const app = await NestFactory.create(module(config), { logger, bufferLogs: true });
    app.enableShutdownHooks();
    await app.listen(config.HTTP_PORT, '0.0.0.0');
    logger.log({ message: `${name} started`, httpPort: config.HTTP_PORT, ...describe(config) }, 'Main');
  };
  start().catch((error) => {
    process.stderr.write(`${name} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
