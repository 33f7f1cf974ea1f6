import { randomBytes } from 'node:crypto';
import { commonEnvSchema, env, loadConfig } from '#platform';
import { z } from 'zod';

const schema = z
  .object({
    ...commonEnvSchema,
    MONGODB_URI: env.mongoUri('mongodb://127.0.0.1:27017/ongoing-training'),
    HTTP_PORT: env.port(3000),
    /** The management port: `GET /metrics` is served there only, never on HTTP_PORT. */
    METRICS_PORT: env.port(9464),
    KAFKA_GROUP_ID: env.string('ongoing-training'),
    KAFKA_CLIENT_ID: env.string('ongoing-training'),
    /** Required, except in the local demo where a throwaway secret is generated. */
    AUTH_JWT_SECRET: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, 'must be at least 32 characters').optional()),
    DEMO_MODE: env.bool(false),
    /** The longest a token may live (exp - iat, or exp - now without iat). */
    AUTH_JWT_MAX_TTL: env.durationSeconds('24h', 366 * 86400),
    /** When set, a token's `iss` must be this. */
    AUTH_JWT_ISSUER: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(200).optional()),
    /** When set, a token's `aud` must be (or include) this. */
    AUTH_JWT_AUDIENCE: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(200).optional()),
    /** Writes (PUT, DELETE) one subject (a token's `sub`, or an address without a token) may send a minute. */
    RATE_LIMIT_WRITES_PER_MINUTE: env.int(30, 1, 1000000),
    /** Reads (GET) one subject may send a minute. */
    RATE_LIMIT_READS_PER_MINUTE: env.int(600, 1, 1000000),
    /** Inputs of one partition applied together (one insert for all the pairs in them). */
    APPLY_CHUNK_SIZE: env.int(1000, 1, 5000),
    /** Bytes (keys and values) of one chunk at most: large messages make smaller chunks. */
    APPLY_CHUNK_BYTES: env.int(4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
    /** Partitions applied at the same time; chunks that share a pair still take turns. */
    APPLY_PARTITIONS_CONCURRENTLY: env.int(3, 1, 64),
    /** After a failed publish, how often the autobooks not yet on the topic are tried again. */
    OUTBOX_RETRY_MS: env.int(5000, 100, 600000),
    /** How often pauses whose time came are looked for and ended (R14: within 60 s of their end). */
    PAUSE_CHECK_MS: env.int(15000, 50, 60000),
    /** Tests and the demo only: a file holding milliseconds added to the clock (pauses that end by time). */
    CLOCK_OFFSET_FILE: z.string().min(1).optional(),
    /** Memory for pair states (an estimate of their bytes): what fits is read at start and kept. */
    PAIR_CACHE_MB: env.int(48, 1, 4096),
  })
  .superRefine((c, ctx) => {
    if (!c.AUTH_JWT_SECRET && !c.DEMO_MODE) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'is required (HS256 secret of the API tokens, at least 32 characters)' });
    }
  });

export type OngoingTrainingConfig = z.infer<typeof schema> & { AUTH_JWT_SECRET: string };

export const ONGOING_TRAINING_CONFIG = Symbol('ONGOING_TRAINING_CONFIG');

export function loadOngoingTrainingConfig(environment: NodeJS.ProcessEnv = process.env): OngoingTrainingConfig {
  const config = loadConfig(schema, environment);
  return { ...config, AUTH_JWT_SECRET: config.AUTH_JWT_SECRET ?? randomBytes(32).toString('hex') };
}
