import 'reflect-metadata';
import { bootstrapApp } from '#platform/bootstrap';
import { NotifierModule } from './app.module.js';
import { loadNotifierConfig } from './config.js';

bootstrapApp(
  'notifier',
  loadNotifierConfig,
  (config) => NotifierModule.forRoot(config),
  (config) => ({
    smtp: new URL(config.SMTP_URL).host,
    groupId: config.KAFKA_GROUP_ID,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
  }),
);
