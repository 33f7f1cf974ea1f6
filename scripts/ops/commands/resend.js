'use strict';
// ops resend <eventId> <coach|client> and ops deliveries: the notifier's delivery ledger.
//
// resend runs the notifier's own NotificationService.resend() from the build, with its collaborators
// made by hand instead of by Nest's injector (they are plain classes): it reopens the failed ledger entry,
// claims it like the notifier does, renders the email from the event the ledger keeps, sends it with the
// same Message-ID and records it sent. The ledger's entries are read through the notifier's own
// DeliveryRepository, which puts each claim together with its outcome. Nothing goes back on a topic, so other consumers of
// session.autobooked (booking, billing) see nothing, and no running notifier is needed.

const { CliError, UsageError } = require('../lib/errors');
const { load } = require('../lib/dist');
const mongo = require('../lib/mongo');
const { time } = require('../lib/timeline');

const RECIPIENTS = ['coach', 'client'];
const KINDS = ['autobooked', 'autobook-upcoming', 'autobook-voided', 'payment-failed'];
const STATUSES = ['failed', 'sending', 'sent', 'all'];

/** The notifier's configuration (its own schema and defaults) from the environment and the options. */
function notifierConfig(options) {
  const { loadNotifierConfig } = load('notifierConfig');
  const environment = { ...process.env };
  if (options['mongodb-uri']) environment.MONGODB_URI = options['mongodb-uri'];
  if (options['smtp-url']) environment.SMTP_URL = options['smtp-url'];
  try {
    return loadNotifierConfig(environment);
  } catch (error) {
    if (error.name === 'ConfigError') throw new CliError(`the notifier configuration is not usable: ${error.message}`, 2);
    throw error;
  }
}

function describe(d) {
  const parts = [`${d.kind && d.kind !== 'autobooked' ? `${d.kind} ` : ''}${d.recipient} <${d.address}>: ${d.status}`, `attempts ${d.attempts}`];
  if (d.sentAt) parts.push(`sent ${time(d.sentAt)}`);
  if (d.lastError) parts.push(`last error: ${d.lastError}`);
  if (d.status === 'sending' && d.claimedBy) parts.push(`claimed by ${d.claimedBy} until ${time(d.claimedUntil)}`);
  return parts.join(', ');
}

async function withLedger(options, fn) {
  const config = notifierConfig(options);
  mongo.assertUri(config.MONGODB_URI, options['mongodb-uri'] ? '--mongodb-uri' : 'MONGODB_URI');
  require('reflect-metadata');
  const { DeliveryRepository } = load('deliveryRepository');
  const { DELIVERIES_COLLECTION } = load('deliverySchema');
  const connection = await mongo.connect(config.MONGODB_URI);
  try {
    const names = new Set((await connection.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    if (!names.has(DELIVERIES_COLLECTION)) {
      throw new CliError(`database ${mongo.redact(config.MONGODB_URI)} has no "${DELIVERIES_COLLECTION}" collection: is it the notifier's database (--mongodb-uri or MONGODB_URI)?`);
    }
    return await fn({ config, connection, ledger: new DeliveryRepository(connection) });
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function deliveries(options) {
  if (!STATUSES.includes(options.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got "${options.status}"`);
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError(`--limit must be a whole number from 1 to 10000, got "${options.limit}"`);
  return withLedger(options, async ({ config, ledger }) => {
    const filter = {};
    if (options.status !== 'all') filter.status = options.status;
    if (options.event) filter.eventId = options.event;
    const found = await ledger.list(filter, limit);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      return 0;
    }
    const what = `${options.status === 'all' ? '' : `${options.status} `}deliveries${options.event ? ` of event ${options.event}` : ''}`;
    if (found.length === 0) {
      process.stdout.write(`no ${what} in ${mongo.redact(config.MONGODB_URI)}\n`);
      return 0;
    }
    const lines = [`${found.length} ${what} in ${mongo.redact(config.MONGODB_URI)}, newest first:`];
    for (const d of found) {
      lines.push(`  ${time(d.createdAt)}  event ${d.eventId} (client ${d.event?.clientId}, coach ${d.event?.coachId}, #${d.event?.sequence ?? d.autobook?.sequence})`);
      lines.push(`      ${describe(d)}`);
    }
    if (options.status === 'failed') lines.push('', 'send one again with: npm run ops -- resend <eventId> <coach|client>');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

async function resend(options, [eventId, recipient]) {
  if (!RECIPIENTS.includes(recipient)) throw new UsageError(`the recipient must be coach or client, got "${recipient}"`);
  const kind = options.kind;
  if (!KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got "${kind}"`);
  return withLedger(options, async ({ config, ledger }) => {
    const delivery = await ledger.find(eventId, recipient, kind);
    if (!delivery) {
      const others = await ledger.list({ eventId }, 10);
      throw new CliError(
        others.length
          ? `the ledger has no ${kind} ${recipient} email of event ${eventId}; it has: ${others.map(describe).join('; ')}`
          : `the ledger in ${mongo.redact(config.MONGODB_URI)} has no email of event ${eventId} (see npm run ops -- deliveries)`,
      );
    }
    process.stdout.write(`ledger: event ${eventId}, ${describe(delivery)}\n`);
    if (delivery.status === 'sent') {
      process.stdout.write('nothing to do: this email was sent already (it is never sent twice)\n');
      return 0;
    }
    if (delivery.status === 'sending') {
      throw new CliError(`not touched: the email is being sent right now by ${delivery.claimedBy ?? 'a notifier'} (claim until ${time(delivery.claimedUntil)}); check again later`);
    }
    if (options['dry-run']) {
      process.stdout.write(`dry run: would send the ${recipient} email of event ${eventId} to ${delivery.address} over ${redactUrl(config.SMTP_URL)}\n`);
      return 0;
    }
    const { Logger } = require('@nestjs/common');
    Logger.overrideLogger(['error']);
    const { NotificationService } = load('notificationService');
    const { EmailRenderer } = load('emailRenderer');
    const { Mailer } = load('mailer');
    const { NotifierMetrics } = load('notifierMetrics');
    const mailer = new Mailer(config);
    try {
      const service = new NotificationService(config, new EmailRenderer(), mailer, ledger, new NotifierMetrics());
      let outcome;
      try {
        outcome = await service.resend(eventId, recipient, kind);
      } catch (error) {
        throw new CliError(`could not send it: ${error.message}`);
      }
      const after = await ledger.find(eventId, recipient, kind);
      if (outcome === 'sent') {
        process.stdout.write(`sent: the ${recipient} email of event ${eventId} went to ${delivery.address} over ${redactUrl(config.SMTP_URL)} (Message-ID ${after?.messageId}); ledger: ${after?.status}\n`);
        return 0;
      }
      if (outcome === 'already-sent') {
        process.stdout.write('nothing sent: another sender sent it in the meantime\n');
        return 0;
      }
      const reason = typeof outcome === 'object' ? outcome.failed : `${outcome} (${after?.lastError ?? 'no error recorded'})`;
      throw new CliError(`failed again: ${reason}; the ledger entry is "${after?.status}" (resend once the cause is fixed)`);
    } finally {
      mailer.onApplicationShutdown();
    }
  });
}

function redactUrl(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

module.exports = { resend, deliveries };
