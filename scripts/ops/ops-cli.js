#!/usr/bin/env node
'use strict';
// Ops CLI of the Ongoing Training platform: `npm run ops -- <command> [options]`, `--help` on each.
// Plain Node (CommonJS): kafkajs and mongoose directly, and the project's compiled code from dist/ where
// the rules live there (contract schemas, the domain's pair view, the notifier's sending code).
// See scripts/ops/README.md.

const path = require('node:path');
const { parseArgs } = require('node:util');
const { CliError, UsageError } = require('./lib/errors');

const HELP = `Usage: npm run ops -- <command> [options]      (or: node scripts/ops/ops-cli.js <command> ...)

Commands:
  produce <topic> <file>            produce a file of JSON events (JSON Lines or a JSON array) to a topic,
                                    keyed by clientId, checked against the contract first
  replay <topic> --from <o|t> ...   copy a range of a topic onto a topic (e.g. a dead-letter topic back
                                    to its source), byte for byte
  pair <clientId> <coachId>         a pair's state and decisions, from the API (or --mongodb-uri)
  deliveries                        the notifier's delivery ledger (default: the failed emails)
  resend <eventId> <coach|client>   send again an email the notifier gave up on

Run "npm run ops -- <command> --help" for a command's options.
Kafka: --brokers or KAFKA_BROKERS (default 127.0.0.1:9092). Exit codes: 0 done, 1 failed, 2 bad usage or input.
`;

const brokersOption = { brokers: { type: 'string' } };

const COMMANDS = {
  produce: {
    help: `Usage: npm run ops -- produce <topic> <file.jsonl|file.json> [options]

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
`,
    options: { 'key-field': { type: 'string', default: 'clientId' }, contract: { type: 'string' }, 'allow-invalid': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, ...brokersOption },
    positionals: ['topic', 'file'],
    run: (o, a) => require('./commands/produce').produce(o, a),
  },
  replay: {
    help: `Usage: npm run ops -- replay <topic> --from <offset|time> [--to <offset|time>] [--partition <n>] --to-topic <topic>

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
`,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      partition: { type: 'string' },
      'to-topic': { type: 'string' },
      'keep-dlq-headers': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      ...brokersOption,
    },
    positionals: ['topic'],
    run: (o, a) => require('./commands/replay').replay(o, a),
  },
  pair: {
    help: `Usage: npm run ops -- pair <clientId> <coachId> [--url <url> | --mongodb-uri <uri>] [--limit <n>] [--json]

Shows a client-coach pair: its switch, rate, sessions on deck, and every decision the service made for it,
oldest first (what came in, what it changed, whether a session was booked and why not).

By default through the ongoing-training HTTP API, with an ops token signed with AUTH_JWT_SECRET from the
environment (the service's secret). With --mongodb-uri it reads the service's database instead, for when
the API is down.

Options:
  --url <url>           the service (default ONGOING_TRAINING_URL, else http://127.0.0.1:3000)
  --token <jwt>         use this bearer token instead of signing one with AUTH_JWT_SECRET
  --mongodb-uri <uri>   read the database instead: mongodb://host:port/<the service's database>
  --limit <n>           only the last n decisions (default 1000)
  --json                print the state and the decisions as JSON
`,
    options: { url: { type: 'string' }, token: { type: 'string' }, 'mongodb-uri': { type: 'string' }, limit: { type: 'string', default: '1000' }, json: { type: 'boolean' } },
    positionals: ['clientId', 'coachId'],
    run: (o, a) => require('./commands/pair').pair(o, a),
  },
  deliveries: {
    help: `Usage: npm run ops -- deliveries [--status failed|sending|sent|all] [--event <eventId>] [--limit <n>] [--mongodb-uri <uri>] [--json]

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
`,
    options: { status: { type: 'string', default: 'failed' }, event: { type: 'string' }, limit: { type: 'string', default: '50' }, 'mongodb-uri': { type: 'string' }, json: { type: 'boolean' } },
    positionals: [],
    run: (o, a) => require('./commands/resend').deliveries(o, a),
  },
  resend: {
    help: `Usage: npm run ops -- resend <eventId> <coach|client> [--kind <kind>] [--mongodb-uri <uri>] [--smtp-url <url>] [--dry-run]

Sends again an email the notifier gave up on (status "failed" in its delivery ledger), from the event the
ledger keeps: the same templates, the same Message-ID and the same address as the first try.

It runs the notifier's own sending code from the build (dist/): the failed ledger entry is reopened,
claimed the way the notifier claims it, sent over SMTP and marked sent. The claim makes it safe with the
notifier running: an email is sent by one sender only, and an email already sent is never sent again.
Give it the notifier's configuration, from the environment as for the notifier (MONGODB_URI, SMTP_URL,
MAIL_FROM, PREFERENCES_URL, PAYMENT_METHOD_URL) or with the options below.

Options:
  --kind <kind>         which email of that id: autobooked (default), autobook-upcoming,
                        autobook-voided, or payment-failed (its id is the autobook's eventId)
  --mongodb-uri <uri>   the notifier's database (default MONGODB_URI, else
                        mongodb://127.0.0.1:27017/ongoing-training-notifier)
  --smtp-url <url>      the SMTP server (default SMTP_URL, else smtp://127.0.0.1:1025)
  --dry-run             show the ledger entry and what would be sent; send nothing
`,
    options: { kind: { type: 'string', default: 'autobooked' }, 'mongodb-uri': { type: 'string' }, 'smtp-url': { type: 'string' }, 'dry-run': { type: 'boolean' } },
    positionals: ['eventId', 'recipient'],
    run: (o, a) => require('./commands/resend').resend(o, a),
  },
};

async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && COMMANDS[topic]) process.stdout.write(COMMANDS[topic].help);
    else process.stdout.write(HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')} (npm run ops -- --help)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${error.message.replace(/\. To specify a positional argument.*$/s, '')} (npm run ops -- ${name} --help)`);
  }
  const wanted = command.positionals;
  if (parsed.positionals.length < wanted.length) {
    const missing = wanted.slice(parsed.positionals.length).map((p) => `<${p}>`).join(' ');
    throw new UsageError(`${name}: missing ${missing} (npm run ops -- ${name} --help)`);
  }
  if (parsed.positionals.length > wanted.length) {
    throw new UsageError(`${name}: unexpected argument "${parsed.positionals[wanted.length]}" (npm run ops -- ${name} --help)`);
  }
  return (await command.run(parsed.values, parsed.positionals)) ?? 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof CliError) {
        process.stderr.write(`ops: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      process.stderr.write(`ops: unexpected failure: ${error && error.stack ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main, COMMANDS, ROOT: path.resolve(__dirname, '..', '..') };
