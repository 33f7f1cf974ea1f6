// Each app's module compiled by Nest with its real providers, on the test run's Kafka and MongoDB: the
// wiring a newcomer reads in app.module.ts is the wiring that runs. Nothing is consumed: the transports
// are connected and their routes read, not started.
import { INPUT_TOPICS, TOPICS } from '#contracts';
import { EventPublisher, KafkaServers, MONGO_CONNECTION } from '#platform';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { NotifierModule } from '../../apps/notifier/src/app.module.js';
import { loadNotifierConfig } from '../../apps/notifier/src/config.js';
import { NotificationService } from '../../apps/notifier/src/delivery/notification.service.js';
import { OngoingTrainingModule } from '../../apps/ongoing-training/src/app.module.js';
import { loadOngoingTrainingConfig } from '../../apps/ongoing-training/src/config.js';
import { PairRepository } from '../../apps/ongoing-training/src/renewal/pair.repository.js';
import { RenewalService } from '../../apps/ongoing-training/src/renewal/renewal.service.js';
import { TEST_JWT_SECRET } from '../support/jwt.js';
import { mongoUriFor } from '../support/mongo.js';
import { runId } from '#testing';

function environment(label: string): Record<string, string> {
  const run = runId(label);
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    KAFKA_TOPIC_PREFIX: `${run}.`,
    KAFKA_GROUP_ID: run,
    MONGODB_URI: mongoUriFor(run.replace(/[^a-z0-9]/gi, '_')),
    HTTP_PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  };
}

/** The app as bootstrapApp builds it, up to the start of consumption: its transports connected, its providers initialised. */
async function composed(module: Parameters<typeof Test.createTestingModule>[0]['imports']): Promise<{ app: INestApplication; groups: [string, string[]][] }> {
  const testing = await Test.createTestingModule({ imports: module }).compile();
  const app = testing.createNestApplication();
  const servers = app.get(KafkaServers).all;
  for (const strategy of servers) app.connectMicroservice({ strategy }, { inheritAppConfig: true });
  await app.init();
  return {
    app,
    groups: servers.map((s) => [
      s.options.groupId,
      s
        .routes()
        .map((r) => r.contract)
        .sort(),
    ]),
  };
}

describe('composition: each app module with its real providers', () => {
  let app: INestApplication | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it('ongoing-training: one consumer group on the five input topics, its services wired to the database and the broker', async () => {
    const env = environment('compose-ot');
    const config = loadOngoingTrainingConfig({ ...env, AUTH_JWT_SECRET: TEST_JWT_SECRET });
    const built = await composed([OngoingTrainingModule.forRoot(config)]);
    app = built.app;

    expect(built.groups).toEqual([[env.KAFKA_GROUP_ID, [...INPUT_TOPICS].sort()]]);
    expect(app.get(RenewalService)).toBeInstanceOf(RenewalService);
    expect(app.get(EventPublisher).isConnected).toBe(true);
    // Initialised (PairStoreStartup): its collections and indexes exist, and it answers a read.
    const indexes = await app.get<Connection>(MONGO_CONNECTION).db!.collection('pair_changes').indexes();
    expect(indexes.map((i) => i.name).sort()).toEqual(['_id_', 'at_1']);
    const pauseIndexes = await app.get<Connection>(MONGO_CONNECTION).db!.collection('pauses').indexes();
    expect(pauseIndexes.map((i) => i.name).sort()).toEqual(['_id_', 'until_1']);
    await expect(app.get(PairRepository).find('nobody', 'no-coach')).resolves.toBeNull();
  });

  it('notifier: two consumer groups, the emails of the autobooks and those of the failed payments apart', async () => {
    const env = environment('compose-nt');
    const config = loadNotifierConfig({ ...env, SMTP_URL: 'smtp://127.0.0.1:2525' });
    const built = await composed([NotifierModule.forRoot(config)]);
    app = built.app;

    expect(built.groups).toEqual([
      [env.KAFKA_GROUP_ID, [TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED].sort()],
      [`${env.KAFKA_GROUP_ID}.payment-failed`, [TOPICS.PAYMENT_FAILED]],
    ]);
    expect(app.get(NotificationService)).toBeInstanceOf(NotificationService);
  });
});
