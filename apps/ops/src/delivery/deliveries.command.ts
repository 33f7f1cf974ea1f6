import { DeliveryRepository } from '#notifier/delivery/delivery.repository';
import type { DeliveryStatus } from '#notifier/delivery/delivery.schema';
import { Command } from 'nest-commander';
import { UsageError } from '../cli/cli-errors.js';
import { redact, withContext } from '../cli/database.js';
import { OpsCommand } from '../cli/ops-command.js';
import { time } from '../cli/timeline.js';
import { LedgerModule } from './ledger.module.js';
import { describe, type LedgerOptions, notifierConfig } from './notifier-ledger.js';

const HELP = `Usage: npm run ops -- deliveries [--status failed|sending|sent|all] [--event <eventId>] [--limit <n>] [--mongodb-uri <uri>] [--json]

Lists the notifier's delivery ledger (its claims in deliveries, with their outcomes in
delivery_outcomes), newest first: one entry per email (kind, eventId, recipient), with its status,
attempts and last error. Default: the failed ones, which "resend" can send again.

Options:
  --status <status>     failed (default), sending, sent, or all
  --event <eventId>     only the emails of this event (a failed payment's: its autobook's eventId)
  --limit <n>           at most n entries (default 50)
  --mongodb-uri <uri>   the notifier's database (default MONGODB_URI, else
                        mongodb://127.0.0.1:27017/ongoing-training-notifier)
  --json                print the entries as JSON
`;

const STATUSES = ['failed', 'sending', 'sent', 'all'];

interface DeliveriesOptions extends LedgerOptions {
  status: string;
  event?: string;
  limit: string;
  json?: boolean;
}

/** ops deliveries: the notifier's delivery ledger, newest first. */
@Command({ name: 'deliveries' })
export class DeliveriesCommand extends OpsCommand<DeliveriesOptions> {
  readonly help = HELP;
  protected override readonly options = [
    { flags: '--status <status>', default: 'failed' },
    '--event <eventId>',
    { flags: '--limit <n>', default: '50' },
    '--mongodb-uri <uri>',
    '--json',
  ];

  protected async execute(_: string[], options: DeliveriesOptions): Promise<void> {
    if (!STATUSES.includes(options.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got "${options.status}"`);
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new UsageError(`--limit must be a whole number from 1 to 10000, got "${options.limit}"`);
    const config = notifierConfig(options);
    const found = await withContext(LedgerModule.forRoot(config), config.MONGODB_URI, (context) =>
      context
        .get(DeliveryRepository)
        .list({ status: options.status === 'all' ? undefined : (options.status as DeliveryStatus), eventId: options.event }, limit),
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      return;
    }
    const where = redact(config.MONGODB_URI);
    const what = `${options.status === 'all' ? '' : `${options.status} `}deliveries${options.event ? ` of event ${options.event}` : ''}`;
    if (found.length === 0) {
      process.stdout.write(`no ${what} in ${where}\n`);
      return;
    }
    const lines = [`${found.length} ${what} in ${where}, newest first:`];
    for (const d of found) {
      const sequence = ('sequence' in d.event ? d.event.sequence : undefined) ?? d.autobook?.sequence;
      lines.push(`  ${time(d.createdAt)}  event ${d.eventId} (client ${d.event?.clientId}, coach ${d.event?.coachId}, #${sequence})`);
      lines.push(`      ${describe(d)}`);
    }
    if (options.status === 'failed') lines.push('', 'send one again with: npm run ops -- resend <eventId> <coach|client>');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
