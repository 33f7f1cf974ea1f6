import { type Admin, Kafka, logLevel as KafkaLogLevel, LogEntry, type RetryOptions } from 'kafkajs';
import { LoggerService } from '@nestjs/common';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  logger: LoggerService;
  /** How a request is retried before it fails; an app rides out a broker's restart. */
  retry?: RetryOptions;
}

/** A kafkajs client whose own logs go through the app's logger, warnings and errors only. */
export function createKafkaClient({ clientId, brokers, logger, retry = { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 } }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry,
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        const entry = { message: `kafkajs ${namespace}: ${message}`, ...extra };
        if (level <= KafkaLogLevel.ERROR) logger.error(entry);
        else logger.warn(entry);
      },
  });
}

/** Whether every topic is listed and has its leaders, asked a few times over about 5 s. */
async function settled(admin: Admin, topics: string[]): Promise<boolean> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const existing = new Set(await admin.listTopics().catch(() => [] as string[]));
    if (topics.every((t) => existing.has(t))) {
      const ready = await admin.fetchTopicMetadata({ topics }).then(
        (metadata) => metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
        () => false,
      );
      if (ready) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** Creates the topics that are missing (the brokers do not auto-create them). */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
    });
  } catch (error) {
    // Another instance may have created them at the same moment, or the broker that answered does not
    // know of them yet (the controller has them): fine once they all exist and have leaders.
    if (!(await settled(admin, topics))) throw error;
  } finally {
    await admin.disconnect();
  }
}
