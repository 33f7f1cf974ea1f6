import 'reflect-metadata';
import { ConfigError, createLogger } from '@app/platform';
import { NestFactory } from '@nestjs/core';
import { OngoingTrainingModule } from './app.module';
import { loadOngoingTrainingConfig } from './config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadOngoingTrainingConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ongoing-training cannot start. ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const app = await NestFactory.create(OngoingTrainingModule.forRoot(config), { logger, bufferLogs: true });
  app.enableShutdownHooks();
  await app.listen(config.HTTP_PORT, '0.0.0.0');
  logger.log({ message: 'ongoing-training started', httpPort: config.HTTP_PORT, brokers: config.KAFKA_BROKERS, groupId: config.KAFKA_GROUP_ID, topicPrefix: config.KAFKA_TOPIC_PREFIX }, 'Main');
}

bootstrap().catch((error) => {
  process.stderr.write(`ongoing-training failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
