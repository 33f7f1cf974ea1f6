import { createRequire } from 'node:module';
import { Ajv, ValidateFunction } from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadNotifierConfig } from '../../apps/notifier/src/config.js';
import { loadOngoingTrainingConfig } from '../../apps/ongoing-training/src/config.js';

const require = createRequire(import.meta.url);

// docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so this suite holds them to
// what can be checked without one: the Compose Specification, the apps' own config loaders, and the
// wiring between the services.

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

// The Compose Specification's JSON schema (compose-spec/compose-spec, Apache-2.0), as the dclint package
// (MIT) ships it: schemas/compose.schema.json.
const COMPOSE_SCHEMA = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json'), 'utf8'));

type Json = Record<string, any>;

/** The variables a test run "exports" before `docker compose up`. */
const SHELL_ENV: Record<string, string> = { AUTH_JWT_SECRET: 'a'.repeat(64) };

/**
 * Compose interpolation, as far as this file uses it: `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}` and `$$` for a literal `$`.
 */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  if (typeof value !== 'string') return value;
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name, colon, op, arg, bare) => {
    if (match === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const set = colon ? Boolean(env[name]) : env[name] !== undefined;
    if (set) return env[name];
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === '-' ? arg : '';
  });
}

/** A service's `environment`, in either of its two forms, as a plain map. */
function environmentOf(service: Json): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry: string) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const raw = YAML.parse(fs.readFileSync(COMPOSE_FILE, 'utf8')) as Json;
const compose = interpolate(raw, SHELL_ENV) as Json;

const APPS = {
  'ongoing-training': { load: loadOngoingTrainingConfig, port: 3000 },
  notifier: { load: loadNotifierConfig, port: 3001 },
} as const;

describe('docker-compose.yml against the Compose Specification', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    // The schema names draft-07 by its https address; Ajv knows the meta-schema by the canonical http one.
    validate = new Ajv({ strict: false, allErrors: true }).compile({ ...COMPOSE_SCHEMA, $schema: 'http://json-schema.org/draft-07/schema#' });
  });

  it('is a valid Compose file', () => {
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('the schema check catches a broken file', () => {
    const broken = structuredClone(compose);
    broken.services.notifier.depends_on.kafka.condition = 'service_ready';
    expect(validate(broken)).toBe(false);
  });

  it('refuses to start without AUTH_JWT_SECRET (no default secret)', () => {
    expect(raw.services['ongoing-training'].environment.AUTH_JWT_SECRET).toMatch(/^\$\{AUTH_JWT_SECRET:\?[^}]+\}$/);
    expect(() => interpolate(raw, {})).toThrow(/AUTH_JWT_SECRET/);
  });
});

describe('docker-compose.yml against the apps', () => {
  it.each(Object.keys(APPS) as (keyof typeof APPS)[])('%s: its environment passes the app config loader', (app) => {
    const environment = environmentOf(compose.services[app]);
    // Throws a ConfigError naming the variable when a value is wrong.
    const config = APPS[app].load(environment);
    // The loader keeps exactly the variables it knows: anything else set here is a typo the app ignores.
    const unknown = Object.keys(environment).filter((name) => !(name in config));
    expect(unknown).toEqual([]);
    expect(config.HTTP_PORT).toBe(APPS[app].port);
  });

  it.each(Object.keys(APPS) as (keyof typeof APPS)[])('%s: talks to the services of this file', (app) => {
    const config = APPS[app].load(environmentOf(compose.services[app]));
    const hosts = [
      ...config.KAFKA_BROKERS.map((broker) => broker.split(':')[0]),
      new URL(config.MONGODB_URI).hostname,
      ...('SMTP_URL' in config ? [new URL(config.SMTP_URL).hostname] : []),
    ];
    for (const host of hosts) expect(Object.keys(compose.services)).toContain(host);
    expect(new URL(config.MONGODB_URI).searchParams.get('replicaSet')).toBe('rs0');
    for (const host of hosts) expect(Object.keys(compose.services[app].depends_on)).toContain(host);
  });

  it('gives each app its own database', () => {
    const databases = Object.keys(APPS).map((app) => new URL(environmentOf(compose.services[app]).MONGODB_URI).pathname);
    expect(new Set(databases).size).toBe(databases.length);
  });

  it("sends the notifier's email to Mailpit's SMTP port", () => {
    expect(environmentOf(compose.services.notifier).SMTP_URL).toBe('smtp://mailpit:1025');
    expect(compose.services.mailpit.ports).toEqual(expect.arrayContaining(['127.0.0.1:1025:1025', '127.0.0.1:8025:8025']));
  });

  it.each(Object.keys(APPS) as (keyof typeof APPS)[])('%s: built from the Dockerfile target of the same name, healthy when /health/ready answers', (app) => {
    const service = compose.services[app];
    expect(service.build).toEqual({ context: '.', target: app });
    expect(DOCKERFILE).toMatch(new RegExp(`^FROM \\S+ AS ${app}$`, 'm'));
    expect(DOCKERFILE).toContain(`"dist/apps/${app}/main.js"`);
    expect(service.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${APPS[app].port}/health/ready`);
  });

  it('publishes ports on 127.0.0.1 only (no service here has a password)', () => {
    for (const [name, service] of Object.entries(compose.services) as [string, Json][]) {
      for (const port of service.ports ?? []) expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)]);
    }
  });

  it('starts a service only once everything it depends on is healthy', () => {
    for (const [name, service] of Object.entries(compose.services) as [string, Json][]) {
      for (const [dependency, how] of Object.entries(service.depends_on ?? {}) as [string, Json][]) {
        expect([name, dependency, how.condition]).toEqual([name, dependency, 'service_healthy']);
        expect([dependency, compose.services[dependency].healthcheck?.test]).toEqual([dependency, expect.anything()]);
      }
    }
  });
});

describe('docker-compose.yml infrastructure', () => {
  it('pins every image to a version', () => {
    const images = Object.values(compose.services)
      .filter((s: any) => !s.build)
      .map((s: any) => s.image as string);
    expect(images).toEqual([
      expect.stringMatching(/^apache\/kafka:4\.\d+\.\d+$/),
      expect.stringMatching(/^mongo:8\.\d+\.\d+$/),
      expect.stringMatching(/^axllent\/mailpit:v\d+\.\d+\.\d+$/),
    ]);
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-\S*slim$/m);
  });

  it('runs Kafka as one KRaft node, internal topics with one replica, no auto-created topics', () => {
    const kafka = environmentOf(compose.services.kafka);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    for (const name of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR']) {
      expect([name, kafka[name]]).toEqual([name, '1']);
    }
    // The apps reach the broker by the listener it advertises to them.
    expect(kafka.KAFKA_ADVERTISED_LISTENERS.split(',')).toContain('INTERNAL://kafka:9092');
  });

  it('runs MongoDB as a one-member replica set that its healthcheck initiates', () => {
    const mongo = compose.services.mongo;
    expect(mongo.command.join(' ')).toContain('--replSet rs0');
    expect(mongo.healthcheck.test.join(' ')).toMatch(/rs\.initiate\(\{ _id: 'rs0', members: \[\{ _id: 0, host: 'mongo:27017' \}\] \}\)/);
  });
});
