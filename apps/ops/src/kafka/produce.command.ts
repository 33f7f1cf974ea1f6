import { parseEvent, TOPICS, type Topic } from '#contracts';
import { Partitioners } from 'kafkajs';
import { Command } from 'nest-commander';
import { CliError, UsageError } from '../cli/cli-errors.js';
import { readEvents } from '../cli/json-file.js';
import { assertTopicExists, brokerList, kafkaClient, kafkaError } from '../cli/kafka.js';
import { BROKERS_OPTION, OpsCommand } from '../cli/ops-command.js';
import { Progress } from '../cli/progress.js';

const HELP = `Usage: npm run ops -- produce <topic> <file.jsonl|file.json> [options]

Produces a file of JSON events to a Kafka topic, each message keyed by its clientId, as the contracts say
producers do. <file> holds JSON Lines (one event per line) or a JSON array; a lone JSON object is one event.

When <topic> is a contract topic (its name ends with package.booked, session.completed or
session.autobooked, whatever the prefix), every event is checked first exactly as the services check it
(the contract's schema, and the key must be the clientId). One bad event refuses the whole file: the
problems are listed by line number and nothing is produced.

Options:
  --key-field <name>   the field each message is keyed by (default clientId)
  --contract <name>    check against this contract instead of the one the topic name gives
                       (package.booked, session.completed, session.autobooked), or "none" for no check
  --allow-invalid      produce invalid events as well, as they are (bad JSON as its raw text, without a key
                       when it has none): to exercise the dead-letter topics (R12)
  --dry-run            check the file and say what would be produced; produce nothing
  --brokers <list>     host:port,... (default KAFKA_BROKERS, else 127.0.0.1:9092)

Examples:
  npm run ops -- produce package.booked packages.jsonl
  npm run ops -- produce demo-1.session.completed broken.jsonl --allow-invalid
`;

// The contract topics, longest first: `session.autobooked` must not be taken for a suffix of another.
const CONTRACTS: Topic[] = [
  TOPICS.SESSION_COMPLETION_REVERTED,
  TOPICS.SESSION_AUTOBOOK_UPCOMING,
  TOPICS.SESSION_AUTOBOOK_VOIDED,
  TOPICS.SESSION_AUTOBOOKED,
  TOPICS.SESSION_COMPLETED,
  TOPICS.PACKAGE_BOOKED,
  TOPICS.PAYMENT_SUCCEEDED,
  TOPICS.PAYMENT_FAILED,
];
const BATCH = 500;
const MAX_LISTED = 50;

interface ProduceOptions {
  keyField: string;
  contract?: string;
  allowInvalid?: boolean;
  dryRun?: boolean;
  brokers?: string;
}

/** The contract a topic name stands for, whatever its prefix: `demo-1.package.booked` -> package.booked. */
function contractOf(topic: string): Topic | null {
  return CONTRACTS.find((c) => topic === c || topic.endsWith(c)) ?? null;
}

function keyOf(value: unknown, field: string): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const key = (value as Record<string, unknown>)[field];
  if (typeof key === 'string' && key !== '') return key;
  if (typeof key === 'number') return String(key);
  return undefined;
}

/** ops produce <topic> <file>: a file of JSON events onto a topic, keyed by clientId, checked first. */
@Command({ name: 'produce' })
export class ProduceCommand extends OpsCommand<ProduceOptions> {
  readonly help = HELP;
  protected override readonly options = [
    { flags: '--key-field <name>', default: 'clientId' },
    '--contract <name>',
    '--allow-invalid',
    '--dry-run',
    BROKERS_OPTION,
  ];
  protected override readonly positionals = ['topic', 'file'];

  protected async execute([topic, file]: string[], options: ProduceOptions): Promise<void> {
    const brokers = brokerList(options.brokers);
    let contract = contractOf(topic);
    if (options.contract !== undefined) {
      if (options.contract === 'none') contract = null;
      else if ((CONTRACTS as string[]).includes(options.contract)) contract = options.contract as Topic;
      else throw new UsageError(`--contract must be one of ${CONTRACTS.join(', ')} or none, got "${options.contract}"`);
    }
    const keyField = options.keyField;
    const { format, items } = readEvents(file);

    // Check everything before producing anything.
    const problems: { line: number; reason: string }[] = [];
    const messages = items.map((item) => {
      if (item.error !== undefined) {
        problems.push({ line: item.line, reason: item.error });
        return { key: null, value: item.text, line: item.line };
      }
      const key = keyOf(item.value, keyField);
      if (contract) {
        const checked = parseEvent(contract, key ?? null, item.text);
        if (!checked.ok) problems.push({ line: item.line, reason: checked.reason });
      } else if (key === undefined) {
        problems.push({ line: item.line, reason: `no "${keyField}" to key the message by (a non-empty string; --key-field names another field)` });
      }
      return { key: key ?? null, value: item.text, line: item.line };
    });

    const what = `${items.length} event${items.length === 1 ? '' : 's'} from ${file} (${format})`;
    const checkedAgainst = contract ? `the ${contract} contract` : `no contract (key field ${keyField})`;
    if (problems.length && !options.allowInvalid) {
      const listed = problems.slice(0, MAX_LISTED).map((p) => `  line ${p.line}: ${p.reason}`);
      if (problems.length > MAX_LISTED) listed.push(`  ... and ${problems.length - MAX_LISTED} more`);
      throw new CliError(
        `refused ${file}: ${problems.length} of ${items.length} events break ${checkedAgainst}; nothing was produced ` +
          `(--allow-invalid produces them anyway):\n${listed.join('\n')}`,
        2,
      );
    }
    if (problems.length) {
      process.stderr.write(
        `ops: producing ${problems.length} invalid event(s) as they are (--allow-invalid): lines ${problems.map((p) => p.line).join(', ')}\n`,
      );
    }
    if (options.dryRun) {
      process.stdout.write(`dry run: ${what} checked against ${checkedAgainst}; would produce ${messages.length} message(s) to ${topic}\n`);
      return;
    }

    const kafka = kafkaClient(brokers);
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const partitionsUsed = new Set<number>();
    try {
      try {
        await admin.connect();
        await assertTopicExists(admin, topic, brokers);
        await producer.connect();
      } catch (error) {
        throw kafkaError(error, brokers, `connecting to produce to ${topic}`);
      }
      const progress = new Progress(`producing to ${topic}`, messages.length);
      for (let i = 0; i < messages.length; i += BATCH) {
        const batch = messages.slice(i, i + BATCH);
        let metadata;
        try {
          metadata = await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ key: m.key, value: m.value })) });
        } catch (error) {
          throw kafkaError(
            error,
            brokers,
            `producing lines ${batch[0].line}..${batch[batch.length - 1].line} to ${topic} (${i} of ${messages.length} produced before)`,
          );
        }
        for (const m of metadata) partitionsUsed.add(m.partition);
        progress.tick(batch.length);
      }
      const partitions = [...partitionsUsed].sort((a, b) => a - b).join(', ');
      progress.finish();
      process.stdout.write(
        `produced ${messages.length} message${messages.length === 1 ? '' : 's'} to ${topic} (partitions ${partitions}), ${what}, checked against ${checkedAgainst}\n`,
      );
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}
