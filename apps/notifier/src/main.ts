import 'reflect-metadata';
import { bootstrapApp } from '@app/platform/bootstrap';
import { NotifierModule } from './app.module';
import { loadNotifierConfig } from './config';

bootstrapApp('notifier', loadNotifierConfig, (config) => NotifierModule.forRoot(config), (config) => ({
  smtp: new URL(config.SMTP_URL).host,
  groupId: config.KAFKA_GROUP_ID,
  topicPrefix: config.KAFKA_TOPIC_PREFIX,
}));
