import { ConfigError } from '#platform';
import { loadNotifierConfig, type NotifierConfig } from '#notifier/config';
import type { Delivery } from '#notifier/delivery/delivery.schema';
import { CliError } from '../cli/cli-errors.js';
import { assertUri } from '../cli/database.js';
import { time } from '../cli/timeline.js';

export interface LedgerOptions {
  mongodbUri?: string;
  smtpUrl?: string;
}

/** The notifier's configuration (its own schema and defaults) from the environment and the options. */
export function notifierConfig(options: LedgerOptions): NotifierConfig {
  const environment = { ...process.env };
  if (options.mongodbUri) environment.MONGODB_URI = options.mongodbUri;
  if (options.smtpUrl) environment.SMTP_URL = options.smtpUrl;
  let config: NotifierConfig;
  try {
    config = loadNotifierConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`the notifier configuration is not usable: ${error.message}`, 2);
    throw error;
  }
  assertUri(config.MONGODB_URI, options.mongodbUri ? '--mongodb-uri' : 'MONGODB_URI');
  return config;
}

/** One ledger entry on one line: kind, recipient, status, attempts, and what went wrong. */
export function describe(d: Delivery): string {
  const parts = [`${d.kind && d.kind !== 'autobooked' ? `${d.kind} ` : ''}${d.recipient} <${d.address}>: ${d.status}`, `attempts ${d.attempts}`];
  if (d.sentAt) parts.push(`sent ${time(d.sentAt)}`);
  if (d.lastError) parts.push(`last error: ${d.lastError}`);
  if (d.status === 'sending' && d.claimedBy) parts.push(`claimed by ${d.claimedBy} until ${time(d.claimedUntil!)}`);
  return parts.join(', ');
}
