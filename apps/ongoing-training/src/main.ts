import 'reflect-metadata';
import { bootstrapApp } from '#platform/bootstrap';
import { OngoingTrainingModule } from './app.module.js';
import { loadOngoingTrainingConfig } from './config.js';

bootstrapApp(
  'ongoing-training',
  loadOngoingTrainingConfig,
  (config) => OngoingTrainingModule.forRoot(config),
  (config) => ({
    brokers: config.KAFKA_BROKERS,
    groupId: config.KAFKA_GROUP_ID,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
  }),
);
