import 'reflect-metadata';
import { ConfigError, createLogger } from '@app/platform';
import { NestFactory } from '@nestjs/core';
import { NotifierModule } from './app.module';
import { loadNotifierConfig } from './config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadNotifierConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`notifier cannot start. ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const app = await NestFactory.create(NotifierModule.forRoot(config), { logger, bufferLogs: true });
  app.enableShutdownHooks();
  await app.listen(config.HTTP_PORT, '0.0.0.0');
  logger.log({ message: 'notifier started', httpPort: config.HTTP_PORT, smtp: new URL(config.SMTP_URL).host, groupId: config.KAFKA_GROUP_ID, topicPrefix: config.KAFKA_TOPIC_PREFIX }, 'Main');
}

bootstrap().catch((error) => {
  process.stderr.write(`notifier failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
