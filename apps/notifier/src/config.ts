import { commonEnvSchema, env, loadConfig } from '#platform';
import { z } from 'zod';

const schema = z.object({
  ...commonEnvSchema,
  MONGODB_URI: env.mongoUri('mongodb://127.0.0.1:27017/ongoing-training-notifier'),
  HTTP_PORT: env.port(3001),
  /** The management port: `GET /metrics` is served there only, never on HTTP_PORT. */
  METRICS_PORT: env.port(9465),
  KAFKA_GROUP_ID: env.string('notifier'),
  KAFKA_CLIENT_ID: env.string('notifier'),
  SMTP_URL: env.url('smtp://127.0.0.1:1025').refine((v) => /^smtps?:\/\//.test(v), { message: 'must be an smtp:// or smtps:// URL' }),
  MAIL_FROM: env.string('CoachUp Ongoing Training <no-reply@coachup.example>'),
  PREFERENCES_URL: env.url('https://www.coachup.example/account/ongoing-training'),
  /** Where a client updates their payment method: the link of the failed-payment email (R16). Sent to clients, so https. */
  PAYMENT_METHOD_URL: env
    .url('https://www.coachup.example/account/payment-methods')
    .refine((v) => v.startsWith('https://'), { message: 'must be an https:// URL' }),
  /**
   * How long a payment.failed waits for the session.autobooked it names (the emails need its contacts and
   * amount) before it is dead-lettered. The wait holds back the other failed payments (their consumer
   * group is KAFKA_GROUP_ID + `.payment-failed`), never the autobooks, heads-ups and voids.
   */
  PAYMENT_FAILED_AUTOBOOK_WAIT_MS: env.int(600000, 0, 86400000),
  /** SMTP attempts per email before a transient failure is given up on (recorded and dead-lettered). */
  SMTP_MAX_ATTEMPTS: env.int(8, 1, 100),
  /** Longest pause between two SMTP attempts. */
  SMTP_RETRY_MAX_MS: env.int(30000, 10, 600000),
  /** Serves `/preview` with every email rendered from sample data; off in production. */
  EMAIL_PREVIEW: env.bool(false),
});

export type NotifierConfig = z.infer<typeof schema>;

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');

export function loadNotifierConfig(environment: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return loadConfig(schema, environment);
}
