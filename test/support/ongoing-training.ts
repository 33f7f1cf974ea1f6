import {
  EventMap,
  INPUT_TOPICS,
  PackageBooked,
  PaymentFailed,
  PaymentSucceeded,
  SessionAutobooked,
  SessionCompleted,
  SessionCompletionReverted,
  TOPICS,
  Topic,
} from '#contracts';
import { aPackageBooked, aPaymentFailed, aPaymentSucceeded, aSessionCompleted, aSessionCompletionReverted } from '#contracts/testing/builders';
import { AppProcess } from './apps.js';
import { tokenFor, TEST_JWT_SECRET } from './jwt.js';
import { KafkaProbe, SeenMessage } from './kafka.js';
import { mongoUriFor } from './mongo.js';
import { runId, waitFor } from '#testing';

/**
 * The ongoing-training service as a process over a topic prefix and a database of this test file's
 * own, with a probe that watches what it publishes.
 */
export class OngoingTrainingHarness {
  readonly apps: AppProcess[] = [];
  readonly probe = new KafkaProbe();

  private constructor(
    readonly prefix: string,
    readonly database: string,
    readonly groupId: string,
  ) {}

  static async create(label: string, options: { partitions?: number } = {}): Promise<OngoingTrainingHarness> {
    const harness = new OngoingTrainingHarness(`${runId(label)}.`, runId(`ot-${label}`).slice(0, 60), runId('group'));
    const partitions = options.partitions ?? 3;
    const outputs = [TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED];
    const deadLetters = INPUT_TOPICS.map((t) => `${t}.dlq`);
    await harness.probe.createTopics(
      [...INPUT_TOPICS, ...outputs, ...deadLetters].map((t) => harness.prefix + t),
      partitions,
    );
    await harness.probe.watch([...outputs, ...deadLetters].map((t) => harness.topic(t)));
    return harness;
  }

  get env(): Record<string, string> {
    return {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_GROUP_ID: this.groupId,
      MONGODB_URI: mongoUriFor(this.database),
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      // The suites poll the API far faster than a person: the limits are tested on their own.
      RATE_LIMIT_READS_PER_MINUTE: '1000000',
      RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
    };
  }

  async startApp(env: Record<string, string> = {}): Promise<AppProcess> {
    const app = await AppProcess.start('ongoing-training', { ...this.env, ...env });
    this.apps.push(app);
    return app;
  }

  get app(): AppProcess {
    const running = this.apps.filter((a) => a.running);
    return running[running.length - 1] ?? this.apps[this.apps.length - 1];
  }

  topic(name: Topic | string): string {
    return this.prefix + name;
  }

  async book(...packages: PackageBooked[]): Promise<void> {
    await this.probe.produceEvents(this.topic(TOPICS.PACKAGE_BOOKED), packages);
  }

  async complete(...sessions: SessionCompleted[]): Promise<void> {
    await this.probe.produceEvents(this.topic(TOPICS.SESSION_COMPLETED), sessions);
  }

  /** Produces events of any input topic, keyed by their clientId. */
  async send<T extends keyof EventMap>(topic: T, ...events: EventMap[T][]): Promise<void> {
    await this.probe.produceEvents(this.topic(topic), events as never[]);
  }

  /** What the service published on one of its output topics, distinct by eventId. */
  published<T extends keyof EventMap>(topic: T, clientId?: string): EventMap[T][] {
    const all = this.probe
      .messages(this.topic(topic))
      .map((m) => m.json<EventMap[T] & { eventId: string; clientId: string }>())
      .filter((e) => clientId === undefined || e.clientId === clientId);
    return [...new Map(all.map((e) => [e.eventId, e])).values()];
  }

  /** Every message on an output topic, duplicates included. */
  messages(topic: Topic, clientId?: string): unknown[] {
    return this.probe
      .messages(this.topic(topic))
      .map((m) => m.json<{ clientId: string }>())
      .filter((e) => clientId === undefined || e.clientId === clientId);
  }

  autobooks(clientId?: string): SessionAutobooked[] {
    return this.probe
      .messages(this.topic(TOPICS.SESSION_AUTOBOOKED))
      .map((m) => m.json<SessionAutobooked>())
      .filter((a) => clientId === undefined || a.clientId === clientId);
  }

  /** Distinct autobooks by eventId: what a consumer that dedupes on eventId sees. */
  distinctAutobooks(clientId?: string): SessionAutobooked[] {
    return [...new Map(this.autobooks(clientId).map((a) => [a.eventId, a])).values()];
  }

  deadLetters(topic: Topic): SeenMessage[] {
    return this.probe.messages(this.topic(`${topic}.dlq`));
  }

  async api<T = any>(
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown; rawBody?: string } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? tokenFor('ops', 'ops-1')}`;
    const response = await fetch(`${this.app.url}${path}`, {
      method,
      headers,
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** The pair's entry from the list API, as ops sees it. */
  async pair(clientId: string, coachId: string) {
    const { body } = await this.api('GET', `/v1/clients/${encodeURIComponent(clientId)}/ongoing-training`);
    return (body.coaches as { coachId: string; sessionsOnDeck: number; enrolled: boolean; rate: unknown; ratePackageId: string }[]).find(
      (c) => c.coachId === coachId,
    );
  }

  async waitForPair(clientId: string, coachId: string, what: string, predicate: (pair: any) => boolean, timeoutMs = 30000) {
    return waitFor(
      what,
      async () => {
        const pair = await this.pair(clientId, coachId);
        return pair && predicate(pair) ? pair : undefined;
      },
      timeoutMs,
    );
  }

  async history(clientId: string, coachId: string) {
    const { body } = await this.api('GET', `/v1/clients/${encodeURIComponent(clientId)}/ongoing-training/${encodeURIComponent(coachId)}/history?limit=1000`);
    return body.entries as any[];
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.map((a) => a.stop()));
    await this.probe.close();
  }
}

/** Ids of a pair unique to the test, and builders of its events. */
export function aPair(label = 'pair') {
  const clientId = runId(`client-${label}`);
  const coachId = runId(`coach-${label}`);
  let n = 0;
  const next = (kind: string) => `${kind}-${clientId}-${++n}`;
  return {
    clientId,
    coachId,
    packageBooked: (overrides: Partial<PackageBooked> = {}) => {
      const packageId = overrides.packageId ?? next('pkg');
      return aPackageBooked({ clientId, coachId, packageId, eventId: `evt-${packageId}`, ...overrides });
    },
    sessionCompleted: (overrides: Partial<SessionCompleted> = {}) => {
      const sessionId = overrides.sessionId ?? next('ses');
      return aSessionCompleted({ clientId, coachId, sessionId, eventId: next('evt'), ...overrides });
    },
    completionReverted: (sessionId: string, overrides: Partial<SessionCompletionReverted> = {}) =>
      aSessionCompletionReverted({ clientId, coachId, sessionId, eventId: next('evt'), ...overrides }),
    paymentFailed: (autobookEventId: string, overrides: Partial<PaymentFailed> = {}) =>
      aPaymentFailed({ clientId, coachId, autobookEventId, eventId: next('evt'), ...overrides }),
    paymentSucceeded: (autobookEventId: string, overrides: Partial<PaymentSucceeded> = {}) =>
      aPaymentSucceeded({ clientId, coachId, autobookEventId, eventId: next('evt'), ...overrides }),
  };
}
