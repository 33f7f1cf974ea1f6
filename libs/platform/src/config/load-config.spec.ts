import { z } from 'zod';
import { ConfigError, env, loadConfig, printableValue } from './load-config.js';

describe('configuration errors name the variable and never print a secret', () => {
  const schema = z.object({
    AUTH_JWT_SECRET: z.string().min(32),
    MONGODB_URI: env.mongoUri('mongodb://127.0.0.1:27017/x'),
    SMTP_URL: env.url('smtps://127.0.0.1:1025').refine((v) => v.startsWith('smtps://'), { message: 'must be smtps' }),
    AUTH_JWT_MAX_TTL: env.durationSeconds('24h', 86400 * 366),
  });
  const problems = (environment: Record<string, string>) => {
    try {
      loadConfig(schema, environment);
      return 'loaded';
    } catch (error) {
      return (error as ConfigError).message;
    }
  };

  it('a short secret: its length, not its value', () => {
    const text = problems({ AUTH_JWT_SECRET: 'hunter2-is-secret' });
    expect(text).toMatch(/AUTH_JWT_SECRET: .*\(17 characters, not shown\)/);
    expect(text).not.toContain('hunter2');
  });

  it('a URL with credentials: the URL without them', () => {
    const text = problems({ AUTH_JWT_SECRET: 's'.repeat(32), MONGODB_URI: 'mongodb://admin:p4ssw0rd@db:27017', SMTP_URL: 'smtp://mailer:s3cret@mail:25' });
    expect(text).toContain('MONGODB_URI');
    expect(text).toContain('SMTP_URL');
    expect(text).toContain('mongodb://***@db:27017');
    expect(text).not.toMatch(/p4ssw0rd|s3cret|admin|mailer/);
  });

  it.each([
    ['SMTP_URL', 'smtp:/user:pw@host'],
    ['MONGODB_URI', 'mongodb://u:pw@h/db?password=pw'],
    ['OTHER', 'https://host/x?token=pw&a=1'],
  ])('%s=%s never shows pw', (name, value) => expect(printableValue(name, value)).not.toContain('pw'));

  it.each([
    ['24h', 86400],
    ['90s', 90],
    ['15m', 900],
    ['7d', 604800],
    ['3600', 3600],
  ])('reads the duration %s as %i s', (value, seconds) => {
    expect(loadConfig(schema, { AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWT_MAX_TTL: value }).AUTH_JWT_MAX_TTL).toBe(seconds);
  });

  it('refuses a duration it cannot read, naming the variable', () => {
    expect(problems({ AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWT_MAX_TTL: '100 years' })).toMatch(/AUTH_JWT_MAX_TTL: must be a duration/);
  });
});
