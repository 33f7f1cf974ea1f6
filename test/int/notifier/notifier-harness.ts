// Shared by the notifier's integration suites: one isolated world per test file (topic prefix, database,
// SMTP sink, consumer group), builders of autobook events whose emails can be told apart, and waits.
import { EventMap, PaymentFailed, SessionAutobooked, SessionAutobookUpcoming, SessionAutobookVoided, TOPICS, Topic } from '#contracts';
import { aPaymentFailed, aSessionAutobooked, aSessionAutobookUpcoming, aSessionAutobookVoided } from '#contracts/testing/builders';
import mongoose, { type Connection } from 'mongoose';
import { AppProcess } from '../../support/apps.js';
import { KafkaProbe } from '../../support/kafka.js';
import { mongoUriFor } from '../../support/mongo.js';
import { ReceivedEmail, SmtpSink, runId, waitFor } from '#testing';

export const PREFERENCES_URL = 'https://www.coachup.test/account/ongoing-training?utm_source=email';
export const MAIL_FROM = 'CoachUp Ongoing Training <no-reply@mail.coachup.test>';
export const PAYMENT_METHOD_URL = 'https://www.coachup.test/account/payment-methods?utm_source=email';

/** The topics the notifier reads, each with its dead letters. */
const NOTIFIER_TOPICS: Topic[] = [TOPICS.SESSION_AUTOBOOKED, TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOK_VOIDED, TOPICS.PAYMENT_FAILED];

/** One test file's own slice of the real infrastructure. */
export class NotifierWorld {
  readonly prefix = `${runId('n')}.`;
  readonly database = runId('notifier');
  readonly mongoUri = mongoUriFor(this.database);
  readonly topic = `${this.prefix}${TOPICS.SESSION_AUTOBOOKED}`;
  readonly dlq = `${this.topic}.dlq`;
  readonly probe = new KafkaProbe();
  readonly apps: AppProcess[] = [];
  private ledgerConnection: Connection | null = null;

  private constructor(readonly sink: SmtpSink) {}

  static async create(refuse?: (address: string) => boolean): Promise<NotifierWorld> {
    return new NotifierWorld(await SmtpSink.start({ refuse }));
  }

  /** The notifier's environment in this world; `overrides` wins (another group, database or sink). */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_GROUP_ID: `${this.prefix}notifier`,
      MONGODB_URI: this.mongoUri,
      SMTP_URL: this.sink.url,
      PREFERENCES_URL,
      PAYMENT_METHOD_URL,
      MAIL_FROM,
      LOG_LEVEL: 'warn',
      ...overrides,
    };
  }

  async startNotifier(overrides: Record<string, string> = {}): Promise<AppProcess> {
    const app = await AppProcess.start('notifier', this.env(overrides));
    this.apps.push(app);
    return app;
  }

  /** Creates the topic (as the notifier would at boot) so that events can be produced before it runs. */
  async createTopics(): Promise<void> {
    await this.probe.createTopics([this.topic, this.dlq], 3);
  }

  async produce(...events: SessionAutobooked[]): Promise<void> {
    await this.probe.produceEvents(this.topic, events);
  }

  /** The real name of a contract topic in this world, and of its dead letters. */
  topicOf(contract: Topic): string {
    return `${this.prefix}${contract}`;
  }

  dlqOf(contract: Topic): string {
    return `${this.topicOf(contract)}.dlq`;
  }

  async produceTo<T extends keyof EventMap>(contract: T, ...events: EventMap[T][]): Promise<void> {
    await this.probe.produceEvents(this.topicOf(contract), events);
  }

  /** Every email the sink accepted for one address. */
  emailsTo(address: string): ReceivedEmail[] {
    return this.sink.to(address);
  }

  /** Waits until each address has received `count` emails. */
  async waitForEmailsTo(addresses: string[], count = 1, timeoutMs = 60000): Promise<void> {
    await waitFor(
      `${count} email(s) to each of ${addresses.join(', ')} (got ${addresses.map((a) => this.emailsTo(a).length).join(', ')})\n${this.appLogs()}`,
      () => addresses.every((a) => this.emailsTo(a).length >= count),
      timeoutMs,
    );
  }

  /** A counter of the first notifier's /metrics, summed over the series whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`${this.apps[0].metricsUrl}/metrics`)).text();
    let sum = 0;
    for (const match of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
      const series = match[1] ?? '';
      if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) sum += Number(match[2]);
    }
    return sum;
  }
  /** Every email the sink accepted for this event (both recipients). */
  emailsOf(event: SessionAutobooked): ReceivedEmail[] {
    return this.sink.received.filter((m) => m.envelopeTo.includes(event.coach.email) || m.envelopeTo.includes(event.client.email));
  }

  async waitForEmails(events: SessionAutobooked[], perEvent = 2, timeoutMs = 60000): Promise<void> {
    await waitFor(
      `${perEvent} emails for each of ${events.map((e) => e.eventId).join(', ')} (got ${events.map((e) => this.emailsOf(e).length).join(', ')})\n${this.appLogs()}`,
      () => events.every((e) => this.emailsOf(e).length >= perEvent),
      timeoutMs,
    );
  }

  /**
   * Proves that everything produced before now has been handled: one marker event per client (same key,
   * so same partition as that client's events) and a wait for the markers' emails.
   */
  async drain(clientIds: string[], tag: string): Promise<SessionAutobooked[]> {
    const markers = [...new Set(clientIds)].map((clientId, i) => anAutobook(`${tag}-m${i}`, { clientId }));
    await this.produce(...markers);
    await this.waitForEmails(markers);
    return markers;
  }

  /** Waits until a consumer group has committed the end of every partition of the topics (session.autobooked by default). */
  async waitForGroupAtEnd(groupId: string, topics: string[] = [this.topic]): Promise<void> {
    const admin = this.probe.kafka.admin();
    await admin.connect();
    let seen = '';
    try {
      await waitFor(
        `group ${groupId} to commit the end of ${topics.join(', ')}`,
        async () => {
          for (const topic of topics) {
            const ends = await admin.fetchTopicOffsets(topic);
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            seen = JSON.stringify({ ends, committed });
            // -1: nothing committed, which is the end of a partition that never had a message.
            const at = (partition: number) => Math.max(0, Number(committed.partitions.find((p) => p.partition === partition)?.offset ?? -1));
            if (!ends.every((end) => at(end.partition) === Number(end.high))) return false;
          }
          return true;
        },
        60000,
        200,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${seen}\n${this.appLogs()}`, { cause: error });
    } finally {
      await admin.disconnect();
    }
  }

  /** The notifier's delivery ledger, read straight from MongoDB. */
  async ledger(): Promise<LedgerView> {
    this.ledgerConnection ??= await mongoose.createConnection(this.mongoUri, { retryWrites: false }).asPromise();
    return new LedgerView(this.ledgerConnection);
  }

  /** How many messages a dead-letter topic holds (its end offsets, summed): session.autobooked's by default. */
  async dlqSize(contract: Topic = TOPICS.SESSION_AUTOBOOKED): Promise<number> {
    const admin = this.probe.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.dlqOf(contract));
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  appLogs(): string {
    return this.apps.map((a, i) => `--- notifier #${i} logs (tail) ---\n${a.logs.slice(-3000)}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.map((a) => a.stop().catch(() => undefined)));
    // The topics of this file too, for runs against a long-lived broker (KAFKA_BROKERS given).
    const admin = this.probe.kafka.admin();
    try {
      await admin.connect();
      const existing = await admin.listTopics();
      const topics = NOTIFIER_TOPICS.flatMap((t) => [this.topicOf(t), this.dlqOf(t)]).filter((t) => existing.includes(t));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } catch {
      // Cleanup only: a broker that refuses does not fail the tests.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await this.probe.close();
    await this.sink.close();
    // The database of this file goes with it (the notifier created it even if the test never read it).
    const connection =
      this.ledgerConnection ??
      (await mongoose
        .createConnection(this.mongoUri, { retryWrites: false })
        .asPromise()
        .catch(() => null));
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }
}

export interface LedgerEntry {
  _id: string;
  eventId: string;
  recipient: 'coach' | 'client';
  address: string;
  status: 'sending' | 'sent' | 'failed';
  messageId: string;
  attempts: number;
  lastError: string | null;
}

/** A claim of the ledger as stored (`deliveries`): written before the send. */
export interface StoredClaim {
  _id: string;
  eventId: string;
  recipient: 'coach' | 'client';
  address: string;
  messageId: string;
  attempts: number;
  lastError: string | null;
  claimedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An outcome of the ledger as stored (`delivery_outcomes`): written once the email went out or was given up. */
export interface StoredOutcome {
  _id: string;
  eventId: string;
  recipient: 'coach' | 'client';
  status: 'sent' | 'failed';
  reason: string | null;
  at: Date;
}

type EntryFilter = { [K in keyof LedgerEntry]?: LedgerEntry[K] | { $ne: LedgerEntry[K] } | { $in: LedgerEntry[K][] } };

/**
 * The ledger as the tests read it: each email's claim and outcome put together here, from the stored
 * documents (not through the notifier's code), filtered by equality, `$ne` or `$in` per field.
 */
export class LedgerView {
  constructor(private readonly connection: Connection) {}

  get claims(): mongoose.mongo.Collection<StoredClaim> {
    return this.connection.collection<StoredClaim>('deliveries');
  }

  get outcomes(): mongoose.mongo.Collection<StoredOutcome> {
    return this.connection.collection<StoredOutcome>('delivery_outcomes');
  }

  /** The autobooks the notifier recorded for the failed payments that name them (R16). */
  get autobooks(): mongoose.mongo.Collection<{ _id: string; clientId: string; coachId: string; event: SessionAutobooked }> {
    return this.connection.collection('autobooks');
  }

  async entries(filter: EntryFilter = {}): Promise<LedgerEntry[]> {
    const byEvent = typeof filter.eventId === 'string' ? { eventId: filter.eventId } : {};
    const [claims, outcomes] = await Promise.all([this.claims.find(byEvent).toArray(), this.outcomes.find(byEvent).toArray()]);
    const outcomeOf = new Map(outcomes.map((o) => [o._id, o]));
    const entries = claims.map((claim): LedgerEntry => {
      const outcome = outcomeOf.get(claim._id);
      const { _id, eventId, recipient, address, messageId } = claim;
      return outcome
        ? { _id, eventId, recipient, address, messageId, status: outcome.status, attempts: claim.attempts + 1, lastError: outcome.reason }
        : { _id, eventId, recipient, address, messageId, status: 'sending', attempts: claim.attempts, lastError: claim.lastError };
    });
    return entries.filter((entry) =>
      Object.entries(filter).every(([field, wanted]) => {
        const value = entry[field as keyof LedgerEntry];
        if (wanted !== null && typeof wanted === 'object' && '$ne' in wanted) return value !== wanted.$ne;
        if (wanted !== null && typeof wanted === 'object' && '$in' in wanted) return (wanted.$in as unknown[]).includes(value);
        return value === wanted;
      }),
    );
  }

  async findOne(filter: EntryFilter): Promise<LedgerEntry | null> {
    return (await this.entries(filter))[0] ?? null;
  }

  async countDocuments(filter: EntryFilter = {}): Promise<number> {
    return (await this.entries(filter)).length;
  }
}

/**
 * A valid autobook whose two emails go to addresses of its own (`coach.<tag>@...`, `client.<tag>@...`),
 * so the sink can tell which event an email belongs to.
 */
export function anAutobook(tag: string, overrides: Partial<SessionAutobooked> = {}): SessionAutobooked {
  const base = aSessionAutobooked();
  return aSessionAutobooked({
    eventId: `autobook-${tag}`,
    client: { ...base.client, email: `client.${tag}@example.com` },
    coach: { ...base.coach, email: `coach.${tag}@example.com` },
    ...overrides,
  });
}

/** Addresses of their own for one test's people: `client.<tag>@example.com`, `coach.<tag>@example.com`. */
export function contactsFor(tag: string) {
  return { client: { name: 'Cleo Client', email: `client.${tag}@example.com` }, coach: { name: 'Cody Coach', email: `coach.${tag}@example.com` } };
}

/** A valid heads-up (R13) whose email goes to an address of its own. */
export function anUpcoming(tag: string, overrides: Partial<SessionAutobookUpcoming> = {}): SessionAutobookUpcoming {
  return aSessionAutobookUpcoming({ eventId: `upcoming-${tag}`, ...contactsFor(tag), ...overrides });
}

/** A valid void (R15) whose emails go to addresses of their own. */
export function aVoid(tag: string, overrides: Partial<SessionAutobookVoided> = {}): SessionAutobookVoided {
  return aSessionAutobookVoided({ eventId: `voided-${tag}`, autobookEventId: `autobook-${tag}`, ...contactsFor(tag), ...overrides });
}

/** A valid failed payment (R16) for an autobook, of its pair. */
export function aFailure(autobook: SessionAutobooked, overrides: Partial<PaymentFailed> = {}): PaymentFailed {
  return aPaymentFailed({
    eventId: `failed-${autobook.eventId}`,
    autobookEventId: autobook.eventId,
    clientId: autobook.clientId,
    coachId: autobook.coachId,
    ...overrides,
  });
}

/** Counts the emails of each event: `{ eventId: count }`. */
export function emailCounts(world: NotifierWorld, events: SessionAutobooked[]): Record<string, number> {
  return Object.fromEntries(events.map((e) => [e.eventId, world.emailsOf(e).length]));
}
