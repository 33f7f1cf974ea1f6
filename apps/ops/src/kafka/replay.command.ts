import { randomBytes } from 'node:crypto';
import { type Admin, type IHeaders, type Kafka, Partitioners } from 'kafkajs';
import { Command } from 'nest-commander';
import { CliError, UsageError } from '../cli/cli-errors.js';
import { assertTopicExists, brokerList, kafkaClient, kafkaError } from '../cli/kafka.js';
import { BROKERS_OPTION, OpsCommand } from '../cli/ops-command.js';
import { Progress } from '../cli/progress.js';

const HELP = `Usage: npm run ops -- replay <topic> --from <offset|time> [--to <offset|time>] [--partition <n>] --to-topic <topic>

Copies a range of <topic> onto --to-topic: keys, values and headers byte for byte, in offset order within
each partition; a key lands on the partition its key gives, as with the original producers. Each copy gets
one more header, ops-replayed-from: <topic>/<partition>/<offset>.
From a dead-letter topic (<topic>.dlq) the dlq-* headers are left off, and --to-topic defaults to the topic
the letters came from: once the cause is fixed, the dead letters go back to the service.

--from and --to take an offset (a whole number, applied to every partition read) or a time (ISO 8601 with
a zone, e.g. 2026-11-24T18:30:00Z, compared with the message timestamps). Both ends are included. The
range never goes past the end of the topic as it is when the replay starts, so replaying a topic onto
itself stops.

Why a replay is safe (R10, every effect exactly once): the ongoing-training service recognises every input
it has already applied (the same eventId, packageId or sessionId) and records it as "duplicate" without
changing anything; an autobook keeps its eventId, and the notifier's delivery ledger sends each email once
per (eventId, recipient). Replaying messages that were already applied books nothing and sends nothing;
only inputs the service never applied (dead letters, lost messages) take effect.

Options:
  --from <offset|time>   the first message to copy (required)
  --to <offset|time>     the last message to copy (default: the end of the topic)
  --partition <n>        only this partition (default: all)
  --to-topic <topic>     where to copy to (required unless <topic> is a .dlq topic)
  --keep-dlq-headers     keep the dlq-* headers when copying from a dead-letter topic
  --dry-run              say what would be copied; copy nothing
  --brokers <list>       host:port,... (default KAFKA_BROKERS, else 127.0.0.1:9092)

Examples:
  npm run ops -- replay package.booked.dlq --from 0                 # every dead letter back to package.booked
  npm run ops -- replay session.completed --from 2026-11-24T00:00:00Z --to-topic session.completed
`;

/** No message of the range for this long, after the consumer got going: the rest of the range is a gap. */
const IDLE_MS = 15000;
const DLQ_SUFFIX = '.dlq';

interface ReplayOptions {
  from?: string;
  to?: string;
  partition?: string;
  toTopic?: string;
  keepDlqHeaders?: boolean;
  dryRun?: boolean;
  brokers?: string;
}

type Bound = { offset: number; time?: undefined } | { time: number; offset?: undefined };

interface Range {
  start: number;
  end: number;
  next: number;
  copied: number;
}

interface CopyPlan {
  topic: string;
  target: string;
  ranges: Map<number, Range>;
  total: number;
  stripDlq: boolean;
  fromDlq: boolean;
  brokers: string[];
}

function parseBound(raw: string, flag: string): Bound {
  if (/^\d+$/.test(raw)) return { offset: Number(raw) };
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && /(Z|[+-]\d{2}:?\d{2})$/.test(raw) && !Number.isNaN(Date.parse(raw))) return { time: Date.parse(raw) };
  throw new UsageError(`${flag} must be an offset (a whole number) or a time in ISO 8601 with a zone (e.g. 2026-11-24T18:30:00Z), got "${raw}"`);
}

function describeBound(b: Bound): string {
  return b.offset !== undefined ? `offset ${b.offset}` : new Date(b.time).toISOString();
}

async function offsetsAt(admin: Admin, topic: string, time: number, high: Map<number, number>): Promise<Map<number, number>> {
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, time);
  // The first offset whose timestamp is at or after `time`; none (-1) means the end of the partition.
  return new Map(found.map(({ partition, offset }) => [partition, Number(offset) < 0 ? high.get(partition)! : Number(offset)]));
}

/** ops replay <topic> --from ... [--to ...] [--partition N] --to-topic <topic>: copies a range of a topic. */
@Command({ name: 'replay' })
export class ReplayCommand extends OpsCommand<ReplayOptions> {
  readonly help = HELP;
  protected override readonly options = [
    '--from <offset|time>',
    '--to <offset|time>',
    '--partition <n>',
    '--to-topic <topic>',
    '--keep-dlq-headers',
    '--dry-run',
    BROKERS_OPTION,
  ];
  protected override readonly positionals = ['topic'];

  protected async execute([topic]: string[], options: ReplayOptions): Promise<void> {
    const brokers = brokerList(options.brokers);
    if (options.from === undefined) throw new UsageError('replay: --from <offset|time> is required (npm run ops -- replay --help)');
    const from = parseBound(options.from, '--from');
    const to = options.to === undefined ? null : parseBound(options.to, '--to');
    const fromDlq = topic.endsWith(DLQ_SUFFIX);
    const target = options.toTopic ?? (fromDlq ? topic.slice(0, -DLQ_SUFFIX.length) : undefined);
    if (!target) throw new UsageError('replay: --to-topic <topic> is required (it may be the same topic); only a .dlq topic has a default, its source');
    let only: number | null = null;
    if (options.partition !== undefined) {
      if (!/^\d+$/.test(options.partition)) throw new UsageError(`--partition must be a partition number, got "${options.partition}"`);
      only = Number(options.partition);
    }
    const stripDlq = fromDlq && !options.keepDlqHeaders;

    const kafka = kafkaClient(brokers);
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (error) {
      throw kafkaError(error, brokers, 'connecting');
    }
    try {
      const ranges = new Map<number, Range>();
      try {
        await assertTopicExists(admin, topic, brokers);
        await assertTopicExists(admin, target, brokers, 'target topic (--to-topic)');
        const watermarks = await admin.fetchTopicOffsets(topic);
        const low = new Map(watermarks.map((w) => [w.partition, Number(w.low)]));
        const high = new Map(watermarks.map((w) => [w.partition, Number(w.high)]));
        const partitions = [...high.keys()].sort((a, b) => a - b);
        if (only !== null && !high.has(only)) throw new CliError(`${topic} has no partition ${only}: its partitions are ${partitions.join(', ')}`, 2);
        const starts = from.time !== undefined ? await offsetsAt(admin, topic, from.time, high) : null;
        // `--to <time>` includes messages at that very millisecond: the range ends before the first later one.
        const ends = to && to.time !== undefined ? await offsetsAt(admin, topic, to.time + 1, high) : null;
        for (const p of partitions) {
          if (only !== null && p !== only) continue;
          const start = Math.max(low.get(p)!, starts ? starts.get(p)! : from.offset!);
          const last = high.get(p)! - 1;
          const end = Math.min(last, to === null ? last : ends ? ends.get(p)! - 1 : to.offset!);
          if (start <= end) ranges.set(p, { start, end, next: start, copied: 0 });
        }
      } catch (error) {
        throw kafkaError(error, brokers, `reading the offsets of ${topic}`);
      }

      const span = `${describeBound(from)}${to ? ` to ${describeBound(to)}` : ' to the end'}${only !== null ? `, partition ${only}` : ''}`;
      const total = [...ranges.values()].reduce((n, r) => n + r.end - r.start + 1, 0);
      if (total === 0) {
        process.stdout.write(`nothing to replay: ${topic} has no messages from ${span}\n`);
        return;
      }
      const plan = [...ranges].map(([p, r]) => `partition ${p}: offsets ${r.start}..${r.end}`).join('; ');
      if (options.dryRun) {
        process.stdout.write(
          `dry run: would copy up to ${total} message(s) of ${topic} (${plan}) to ${target}${stripDlq ? ', without the dlq-* headers' : ''}\n`,
        );
        return;
      }
      process.stderr.write(`ops: copying ${topic} (${plan}) to ${target}${stripDlq ? ', without the dlq-* headers' : ''}\n`);
      const { copied, letters, gaps, truncated } = await copy(kafka, { topic, target, ranges, total, stripDlq, fromDlq, brokers });
      // A truncated letter holds only the start of its value: the original is read from its source offset.
      for (const t of truncated) {
        process.stderr.write(
          `ops: ${topic}/${t.partition}/${t.offset} not copied: its value was cut to fit the DLQ (dlq-truncated); the original is at ${t.source}\n`,
        );
      }
      for (const letter of letters.slice(0, 20)) {
        process.stdout.write(`  ${topic}/${letter.partition}/${letter.offset} key ${letter.key ?? '(none)'}: was dead-lettered because ${letter.reason}\n`);
      }
      if (letters.length > 20) process.stdout.write(`  ... and ${letters.length - 20} more\n`);
      for (const gap of gaps)
        process.stderr.write(
          `ops: partition ${gap.partition}: no message after offset ${gap.next - 1} up to ${gap.end} (compacted away or transaction markers)\n`,
        );
      process.stdout.write(`replayed ${copied} message${copied === 1 ? '' : 's'} from ${topic} (${plan}) to ${target}\n`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

async function copy(kafka: Kafka, { topic, target, ranges, total, stripDlq, fromDlq, brokers }: CopyPlan) {
  const groupId = `ops-replay-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, sessionTimeout: 30000 });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const progress = new Progress(`replaying to ${target}`, total);
  const letters: { partition: number; offset: string; key: string | undefined; reason: string }[] = [];
  const truncated: { partition: number; offset: string; source: string }[] = [];
  let copied = 0;
  let lastProgress = Date.now();
  let joined = false;
  let failure: CliError | null = null;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const pending = () => [...ranges].filter(([, r]) => r.next <= r.end);
  try {
    try {
      await Promise.all([consumer.connect(), producer.connect()]);
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
    } catch (error) {
      throw kafkaError(error, brokers, `starting to read ${topic}`);
    }
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
      lastProgress = Date.now();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      failure = kafkaError(event.payload.error, brokers, `reading ${topic}`);
      finish();
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const range = ranges.get(batch.partition);
        if (!range) return;
        // Only offsets not copied yet: a seek that lands after the first fetch must not copy twice.
        const messages = batch.messages.filter((m) => Number(m.offset) >= range.next && Number(m.offset) <= range.end);
        if (messages.length === 0) return;
        const whole = messages.filter((m) => {
          if (!fromDlq || m.headers?.['dlq-truncated']?.toString() !== 'true') return true;
          const h = (name: string) => m.headers?.[name]?.toString() ?? '?';
          truncated.push({
            partition: batch.partition,
            offset: m.offset,
            source: `${h('dlq-source-topic')}/${h('dlq-source-partition')}/${h('dlq-source-offset')}`,
          });
          return false;
        });
        const out = whole.map((m) => {
          const headers: IHeaders = {};
          for (const [name, value] of Object.entries(m.headers ?? {})) {
            if (stripDlq && name.startsWith('dlq-')) continue;
            headers[name] = value;
          }
          headers['ops-replayed-from'] = `${topic}/${batch.partition}/${m.offset}`;
          if (fromDlq)
            letters.push({
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString(),
              reason: m.headers?.['dlq-reason']?.toString() ?? '(no dlq-reason header)',
            });
          return { key: m.key, value: m.value, headers };
        });
        try {
          if (out.length > 0) await producer.send({ topic: target, acks: -1, messages: out });
        } catch (error) {
          failure = kafkaError(error, brokers, `producing to ${target} (${copied} copied before)`);
          finish();
          throw error;
        }
        range.next = Number(messages[messages.length - 1].offset) + 1;
        range.copied += out.length;
        copied += out.length;
        lastProgress = Date.now();
        progress.tick(messages.length);
        await heartbeat();
        if (pending().length === 0) finish();
      },
    });
    for (const [partition, range] of ranges) consumer.seek({ topic, partition, offset: String(range.start) });
    const idle = setInterval(() => {
      if (joined && Date.now() - lastProgress > IDLE_MS) finish();
    }, 500);
    await finished;
    clearInterval(idle);
    if (failure) throw failure;
    progress.finish();
    const gaps = pending().map(([partition, r]) => ({ partition, next: r.next, end: r.end }));
    return { copied, letters, gaps, truncated };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}
