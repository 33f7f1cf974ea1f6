import { DeliveryRepository } from '#notifier/delivery/delivery.repository';
import { NotificationService } from '#notifier/delivery/notification.service';
import type { NotificationKind, Recipient } from '#notifier/mail/notification';
import { Logger } from '@nestjs/common';
import { Command } from 'nest-commander';
import { CliError, UsageError } from '../cli/cli-errors.js';
import { redact, withContext } from '../cli/database.js';
import { OpsCommand } from '../cli/ops-command.js';
import { time } from '../cli/timeline.js';
import { ResendModule } from './ledger.module.js';
import { describe, type LedgerOptions, notifierConfig } from './notifier-ledger.js';

const HELP = `Usage: npm run ops -- resend <eventId> <coach|client> [--kind <kind>] [--mongodb-uri <uri>] [--smtp-url <url>] [--dry-run]

Sends again an email the notifier gave up on (status "failed" in its delivery ledger), from the event the
ledger keeps: the same templates, the same Message-ID and the same address as the first try.

It runs the notifier's own sending code (its NotificationService, with its renderer, mailer and ledger):
the failed ledger entry is reopened, claimed the way the notifier claims it, sent over SMTP and marked
sent. The claim makes it safe with the notifier running: an email is sent by one sender only, and an email
already sent is never sent again.
Give it the notifier's configuration, from the environment as for the notifier (MONGODB_URI, SMTP_URL,
MAIL_FROM, PREFERENCES_URL, PAYMENT_METHOD_URL) or with the options below.

Options:
  --kind <kind>         which email of that id: autobooked (default), autobook-upcoming,
                        autobook-voided, or payment-failed (its id is the autobook's eventId)
  --mongodb-uri <uri>   the notifier's database (default MONGODB_URI, else
                        mongodb://127.0.0.1:27017/ongoing-training-notifier)
  --smtp-url <url>      the SMTP server (default SMTP_URL, else smtp://127.0.0.1:1025)
  --dry-run             show the ledger entry and what would be sent; send nothing
`;

const RECIPIENTS: Recipient[] = ['coach', 'client'];
const KINDS: NotificationKind[] = ['autobooked', 'autobook-upcoming', 'autobook-voided', 'payment-failed'];

interface ResendOptions extends LedgerOptions {
  kind: string;
  dryRun?: boolean;
}

/**
 * ops resend <eventId> <coach|client>: the notifier's own NotificationService.resend(), built by Nest
 * with its collaborators. It reopens the failed ledger entry, claims it like the notifier does, renders
 * the email from the event the ledger keeps, sends it with the same Message-ID and records it sent.
 * Nothing goes back on a topic, so other consumers of session.autobooked (booking, billing) see nothing,
 * and no running notifier is needed.
 */
@Command({ name: 'resend' })
export class ResendCommand extends OpsCommand<ResendOptions> {
  readonly help = HELP;
  protected override readonly options = [{ flags: '--kind <kind>', default: 'autobooked' }, '--mongodb-uri <uri>', '--smtp-url <url>', '--dry-run'];
  protected override readonly positionals = ['eventId', 'recipient'];

  protected async execute([eventId, to]: string[], options: ResendOptions): Promise<void> {
    const recipient = to as Recipient;
    if (!RECIPIENTS.includes(recipient)) throw new UsageError(`the recipient must be coach or client, got "${to}"`);
    const kind = options.kind as NotificationKind;
    if (!KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got "${options.kind}"`);
    const config = notifierConfig(options);
    const smtp = redact(config.SMTP_URL);
    await withContext(ResendModule.forRoot(config), config.MONGODB_URI, async (context) => {
      const ledger = context.get(DeliveryRepository);
      const delivery = await ledger.find(eventId, recipient, kind);
      if (!delivery) {
        const others = await ledger.list({ eventId }, 10);
        throw new CliError(
          others.length
            ? `the ledger has no ${kind} ${recipient} email of event ${eventId}; it has: ${others.map(describe).join('; ')}`
            : `the ledger in ${redact(config.MONGODB_URI)} has no email of event ${eventId} (see npm run ops -- deliveries)`,
        );
      }
      process.stdout.write(`ledger: event ${eventId}, ${describe(delivery)}\n`);
      if (delivery.status === 'sent') {
        process.stdout.write('nothing to do: this email was sent already (it is never sent twice)\n');
        return;
      }
      if (delivery.status === 'sending') {
        throw new CliError(
          `not touched: the email is being sent right now by ${delivery.claimedBy ?? 'a notifier'} (claim until ${time(delivery.claimedUntil!)}); check again later`,
        );
      }
      if (options.dryRun) {
        process.stdout.write(`dry run: would send the ${recipient} email of event ${eventId} to ${delivery.address} over ${smtp}\n`);
        return;
      }
      // The notifier's errors (a refused email) go to stderr; its routine logs do not.
      Logger.overrideLogger(['error']);
      let outcome;
      try {
        outcome = await context.get(NotificationService).resend(eventId, recipient, kind);
      } catch (error) {
        throw new CliError(`could not send it: ${(error as Error).message}`);
      }
      const after = await ledger.find(eventId, recipient, kind);
      if (outcome === 'sent') {
        process.stdout.write(
          `sent: the ${recipient} email of event ${eventId} went to ${delivery.address} over ${smtp} (Message-ID ${after?.messageId}); ledger: ${after?.status}\n`,
        );
        return;
      }
      if (outcome === 'already-sent') {
        process.stdout.write('nothing sent: another sender sent it in the meantime\n');
        return;
      }
      throw new CliError(`failed again: ${outcome.failed}; the ledger entry is "${after?.status}" (resend once the cause is fixed)`);
    });
  }
}
