import 'reflect-metadata';
import { bootstrapApp } from '@app/platform/bootstrap';
import { OngoingTrainingModule } from './app.module';
import { loadOngoingTrainingConfig } from './config';

bootstrapApp('ongoing-training', loadOngoingTrainingConfig, (config) => OngoingTrainingModule.forRoot(config), (config) => ({
  brokers: config.KAFKA_BROKERS,
  groupId: config.KAFKA_GROUP_ID,
  topicPrefix: config.KAFKA_TOPIC_PREFIX,
}));
