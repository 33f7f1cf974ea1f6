import { z } from 'zod';

/** A configuration that cannot be used: names every variable that is wrong and why. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose value is never printed, whatever is wrong with it. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i;

/**
 * A value as a configuration error may show it: a secret's not at all, a URL's without its credentials
 * (`mongodb://user:pass@host` -> `mongodb://***@host`), anything else cut to 100 characters.
 */
export function printableValue(name: string, raw: string): string {
  if (SECRET_NAME.test(name)) return `(${raw.length} characters, not shown)`;
  // Credentials can sit before any '@' of a URL-ish value, and in its query (?password=, &authSource...).
  // A URL variable's userinfo is hidden even when the URL is malformed (`smtp:/user:pass@host`).
  const masked = /_UR[LI]$/.test(name) && raw.includes('@') ? raw.replace(/^([a-z][a-z0-9+.-]*:\/*)?.*@/i, '$1***@') : raw;
  const shown = masked.replace(/(\/\/)[^/?#]*@/g, '$1***@').replace(/([?&;](?:password|pass|pwd|secret|token|key)[^=&;]*=)[^&;]*/gi, '$1***');
  return JSON.stringify(shown.length > 100 ? `${shown.slice(0, 100)}...` : shown);
}

/** Validates the environment against a schema whose keys are the variable names. */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const raw = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
      // zod's own message never carries the value; only this suffix shows it, made safe to print.
      return `${name}: ${issue.message}${raw === undefined ? ' (not set)' : ` (got ${printableValue(name, raw)})`}`;
    }),
  );
}

/** Empty strings count as unset, so `FOO=` falls back to the default like an absent variable. */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

export const env = {
  string: (fallback?: string) =>
    fallback === undefined ? z.preprocess(unsetIfEmpty, z.string().min(1)) : z.preprocess(unsetIfEmpty, z.string().min(1).default(fallback)),
  port: (fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(fallback)),
  int: (fallback: number, min: number, max: number) => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback)),
  bool: (fallback: boolean) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
        .default(fallback ? 'true' : 'false')
        .transform((v) => v === 'true' || v === '1'),
    ),
  /** A comma-separated list of host:port pairs. */
  brokers: (fallback: string) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .transform((v) =>
          v
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
    ),
  mongoUri: (fallback: string) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .refine((v) => /^mongodb(\+srv)?:\/\/.+\/[^/?]+/.test(v), {
          message: 'must be a mongodb:// URI that names a database (mongodb://host:port/name)',
        }),
    ),
  url: (fallback: string) => z.preprocess(unsetIfEmpty, z.url().default(fallback)),
  /** A duration: whole seconds, or a number with s, m, h or d (`90s`, `15m`, `24h`, `7d`); in seconds. */
  durationSeconds: (fallback: string, maxSeconds: number) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .default(fallback)
        .transform((v, ctx) => {
          const match = /^(\d{1,9})\s*([smhd]?)$/.exec(v.trim());
          const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
          if (!(seconds >= 1 && seconds <= maxSeconds)) {
            ctx.addIssue({ code: 'custom', message: `must be a duration from 1s to ${maxSeconds}s (90s, 15m, 24h, 7d)` });
            return z.NEVER;
          }
          return seconds;
        }),
    ),
  logLevel: () => z.preprocess(unsetIfEmpty, z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log')),
};

/** The variables both apps share: Kafka, MongoDB, HTTP and logging. */
export const commonEnvSchema = {
  KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
  /** Prefix of every topic name; empty in production, per test run in the test suites. */
  KAFKA_TOPIC_PREFIX: z.preprocess(
    (v) => v ?? '',
    z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only'),
  ),
  KAFKA_TOPIC_PARTITIONS: env.int(3, 1, 1000),
  LOG_LEVEL: env.logLevel(),
  LOG_FORMAT: z.preprocess(unsetIfEmpty, z.enum(['json', 'text']).default('json')),
  /**
   * A consumer working on one chunk this long without moving its offsets answers /health/live with 503,
   * so an orchestrator restarts it (a restart clears what no retry does: a wedged client, a leak).
   */
  CONSUMER_STALL_MS: env.int(300000, 1000, 86400000),
};
