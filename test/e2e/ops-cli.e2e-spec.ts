import { DLQ_HEADERS, SessionAutobooked, TOPICS } from '#contracts';
import { aPaymentFailed, aSessionAutobooked } from '#contracts/testing/builders';
import { Partitioners } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppProcess } from '../support/apps.js';
import { TEST_JWT_SECRET } from '../support/jwt.js';
import { KafkaProbe } from '../support/kafka.js';
import { mongoUriFor } from '../support/mongo.js';
import { OngoingTrainingHarness, aPair } from '../support/ongoing-training.js';
import { SmtpSink, runId, waitFor } from '#testing';

const CLI = path.resolve(import.meta.dirname, '..', '..', 'dist', 'apps', 'ops', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as ops would, with only the environment given (plus PATH and the test run's brokers). */
function ops(args: string[], env: Record<string, string> = {}, timeoutMs = 90000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// The ops CLI (dist/apps/ops/main.js) against the real Kafka and FerretDB of the test run, a running
// ongoing-training service and a notifier with its SMTP server: each command as ops would use it.
describe('ops CLI: produce, replay, pair, deliveries and resend', () => {
  let ot: OngoingTrainingHarness;
  let dir: string;

  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const endOffsets = async (topic: string) => {
    const admin = ot.probe.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic))
        .map((p) => `${p.partition}:${p.high}`)
        .sort()
        .join(',');
    } finally {
      await admin.disconnect();
    }
  };
  const applied = (pair: { clientId: string; coachId: string }, count: number) =>
    waitFor(`${count} decisions for ${pair.clientId}\n${ot.app.logs.slice(-2000)}`, async () => {
      const entries = await ot.history(pair.clientId, pair.coachId).catch(() => undefined);
      return entries && entries.length >= count ? entries : undefined;
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-cli-'));
    ot = await OngoingTrainingHarness.create('ops-cli');
    await ot.startApp();
  });

  afterAll(async () => {
    await ot?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('explains itself: the commands, and --help on each', async () => {
    const help = await ops(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['produce', 'replay', 'pair', 'deliveries', 'resend']) {
      expect(help.stdout).toContain(command);
      const own = await ops([command, '--help']);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: npm run ops -- ${command}`));
    }
    expect((await ops(['replay', '--help'])).stdout).toContain('R10');
    const unknown = await ops(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  describe('produce', () => {
    const pair = aPair('produce');
    let since: string;

    it('produces a JSON Lines file and a JSON array, keyed by clientId, and the service applies them', async () => {
      since = new Date().toISOString();
      const pkg = pair.packageBooked({ sessionCount: 1, price: { amount: 7000, currency: 'USD' }, ongoingTraining: true });
      const packages = write('packages.jsonl', `${JSON.stringify(pkg)}\n\n`);
      const sessions = write('sessions.json', JSON.stringify([pair.sessionCompleted()], null, 2));

      const first = await ops(['produce', ot.topic(TOPICS.PACKAGE_BOOKED), packages]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`produced 1 message to ${ot.topic(TOPICS.PACKAGE_BOOKED)}`);
      expect(first.stdout).toContain('checked against the package.booked contract');
      const second = await ops(['produce', ot.topic(TOPICS.SESSION_COMPLETED), sessions]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('(json-array)');

      // Keyed right (else the service would dead-letter them) and applied: the completion books one.
      const entries = await applied(pair, 2);
      expect(entries[0]).toMatchObject({ outcome: 'autobooked', input: { type: 'session.completed' } });
      await waitFor('the autobook', () => ot.distinctAutobooks(pair.clientId).length === 1);
      expect(ot.deadLetters(TOPICS.PACKAGE_BOOKED).filter((m) => m.key === pair.clientId)).toHaveLength(0);
    });

    it('refuses a whole file with bad JSON or a broken contract, naming the lines, and produces nothing', async () => {
      const other = aPair('refused');
      const good = JSON.stringify(other.packageBooked());
      const broken = JSON.stringify({ ...other.packageBooked(), sessionCount: 0 });
      const file = write('refused.jsonl', [good, '{"eventId": "x",', broken, good].join('\n'));
      const topic = ot.topic(TOPICS.PACKAGE_BOOKED);
      const before = await endOffsets(topic);

      const run = await ops(['produce', topic, file]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('2 of 4 events break the package.booked contract; nothing was produced');
      expect(run.stderr).toMatch(/line 2: bad JSON/);
      expect(run.stderr).toMatch(/line 3: breaks the package\.booked contract: sessionCount/);
      expect(run.stderr).not.toMatch(/line [14]:/);
      expect(await endOffsets(topic)).toBe(before);

      const array = write('refused.json', `[\n  ${good},\n  ${JSON.stringify({ ...other.packageBooked(), clientId: '' })}\n]\n`);
      const inArray = await ops(['produce', topic, array]);
      expect(inArray.code).toBe(2);
      expect(inArray.stderr).toMatch(/line 3: breaks the package\.booked contract: clientId/);
      expect(await endOffsets(topic)).toBe(before);
    });

    it('produces invalid events as they are with --allow-invalid, and the service dead-letters them with the reason (R12)', async () => {
      const other = aPair('invalid');
      const file = write('invalid.jsonl', JSON.stringify({ ...other.packageBooked(), sessionCount: 0 }));
      const run = await ops(['produce', ot.topic(TOPICS.PACKAGE_BOOKED), file, '--allow-invalid']);
      expect(run.code).toBe(0);
      const letter = await waitFor('the dead letter', () => ot.deadLetters(TOPICS.PACKAGE_BOOKED).find((m) => m.key === other.clientId));
      expect(ot.probe.deadLetterReason(letter)).toMatch(/breaks the package\.booked contract: sessionCount/);
    });

    it('says what is wrong: a missing file, an unknown topic, an unreachable broker', async () => {
      const missing = await ops(['produce', ot.topic(TOPICS.PACKAGE_BOOKED), path.join(dir, 'nope.jsonl')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('file not found');

      const file = write('one.jsonl', JSON.stringify(aPair('x').packageBooked()));
      const unknown = await ops(['produce', `${ot.prefix}package.bokked`, file]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(`unknown topic "${ot.prefix}package.bokked"`);
      expect(unknown.stderr).toContain(ot.topic(TOPICS.PACKAGE_BOOKED));

      const unreachable = await ops(['produce', ot.topic(TOPICS.PACKAGE_BOOKED), file, '--brokers', '127.0.0.1:1']);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toContain('cannot reach the Kafka broker(s) 127.0.0.1:1');
    });

    it('replays a topic onto itself without any extra effect (R10)', async () => {
      for (const topic of [TOPICS.PACKAGE_BOOKED, TOPICS.SESSION_COMPLETED]) {
        const run = await ops(['replay', ot.topic(topic), '--from', since, '--to-topic', ot.topic(topic)]);
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/replayed \d+ messages? from/);
      }
      // A new input on each topic after the replayed ones: once both are applied, so is the replay. The
      // package goes first, so that the completion leaves one session on deck.
      await ot.book(pair.packageBooked({ sessionCount: 1 }));
      await applied(pair, 3);
      await ot.complete(pair.sessionCompleted());
      const entries = await applied(pair, 4);
      // The replay stored nothing: the history holds the two first inputs and the two new ones only.
      expect(entries).toHaveLength(4);
      expect(ot.distinctAutobooks(pair.clientId)).toHaveLength(1);
    });
  });

  describe('replay', () => {
    it('puts a dead letter back on its source topic: key and value byte for byte, without the dlq-* headers', async () => {
      const pair = aPair('replay');
      const source = ot.topic(TOPICS.PACKAGE_BOOKED);
      const dlq = `${source}.dlq`;
      // A letter dead-lettered by an earlier fault, whose cause is fixed now: pretty-printed bytes that a
      // re-serialisation would not give back.
      const value = Buffer.from(JSON.stringify(pair.packageBooked({ sessionCount: 2 }), null, 2), 'utf8');
      const watcher = new KafkaProbe();
      await watcher.watch([source]);
      const producer = watcher.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const [letter] = await producer.send({
        topic: dlq,
        acks: -1,
        messages: [
          {
            key: pair.clientId,
            value,
            headers: {
              'x-trace': 'abc',
              [DLQ_HEADERS.REASON]: 'UNAVAILABLE: a fault that is fixed now',
              [DLQ_HEADERS.SOURCE_TOPIC]: source,
              [DLQ_HEADERS.SOURCE_PARTITION]: '0',
              [DLQ_HEADERS.SOURCE_OFFSET]: '0',
              [DLQ_HEADERS.FAILED_AT]: new Date().toISOString(),
            },
          },
        ],
      });
      await producer.disconnect();
      try {
        // Just that letter: its partition, from its offset to its offset.
        const range = ['--partition', String(letter.partition), '--from', letter.baseOffset!, '--to', letter.baseOffset!];
        const dry = await ops(['replay', dlq, ...range, '--dry-run']);
        expect(dry.code).toBe(0);
        expect(dry.stdout).toContain(
          `would copy up to 1 message(s) of ${dlq} (partition ${letter.partition}: offsets ${letter.baseOffset}..${letter.baseOffset}) to ${source}`,
        );

        const run = await ops(['replay', dlq, ...range]);
        expect(run.code).toBe(0);
        expect(run.stdout).toContain(`key ${pair.clientId}: was dead-lettered because UNAVAILABLE: a fault that is fixed now`);
        expect(run.stdout).toMatch(new RegExp(`replayed 1 message from ${dlq.replace(/\./g, '\\.')} .* to ${source.replace(/\./g, '\\.')}`));

        const copy = await waitFor('the copy on the source topic', () => watcher.messages(source).find((m) => m.key === pair.clientId));
        expect(Buffer.compare(copy.value!, value)).toBe(0);
        expect(copy.headers['x-trace']).toBe('abc');
        expect(copy.headers['ops-replayed-from']).toMatch(new RegExp(`^${dlq.replace(/\./g, '\\.')}/\\d+/\\d+$`));
        expect(Object.keys(copy.headers).filter((h) => h.startsWith('dlq-'))).toEqual([]);
        const [entry] = await applied(pair, 1);
        expect(entry).toMatchObject({ input: { type: 'package.booked' }, outcome: 'no-autobook', reason: 'not-enrolled' });
      } finally {
        await watcher.close();
      }
    });

    it('refuses what makes no sense: a bad --from, no --to-topic, an unknown partition', async () => {
      const topic = ot.topic(TOPICS.SESSION_COMPLETED);
      const badFrom = await ops(['replay', topic, '--from', 'yesterday', '--to-topic', topic]);
      expect(badFrom.code).toBe(2);
      expect(badFrom.stderr).toContain('--from must be an offset');
      const noTarget = await ops(['replay', topic, '--from', '0']);
      expect(noTarget.code).toBe(2);
      expect(noTarget.stderr).toContain('--to-topic <topic> is required');
      const partition = await ops(['replay', topic, '--from', '0', '--partition', '99', '--to-topic', topic]);
      expect(partition.code).toBe(2);
      expect(partition.stderr).toMatch(/has no partition 99: its partitions are 0, 1, 2/);
    });
  });

  describe('pair', () => {
    const pair = aPair('pair');

    beforeAll(async () => {
      await ot.book(pair.packageBooked({ sessionCount: 1, price: { amount: 25000, currency: 'USD' }, ongoingTraining: true }));
      await ot.complete(pair.sessionCompleted());
      await applied(pair, 2);
    });

    it('shows the state and the decisions, oldest first, through the API', async () => {
      const run = await ops(['pair', pair.clientId, pair.coachId, '--url', ot.app.url], { AUTH_JWT_SECRET: TEST_JWT_SECRET });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`client ${pair.clientId} with coach ${pair.coachId}  (from ${ot.app.url})`);
      expect(run.stdout).toMatch(/switch \(enrolled\): +on/);
      expect(run.stdout).toMatch(/sessions on deck: +1/);
      expect(run.stdout).toMatch(/rate: +USD 250\.00/);
      const booked = run.stdout.indexOf('package.booked');
      const autobooked = run.stdout.indexOf('autobooked: session #1 booked at USD 250.00');
      expect(booked).toBeGreaterThan(0);
      expect(autobooked).toBeGreaterThan(booked);

      const json = await ops(['pair', pair.clientId, pair.coachId, '--url', ot.app.url, '--json'], { AUTH_JWT_SECRET: TEST_JWT_SECRET });
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.stdout);
      expect(parsed.entries).toEqual([...(await ot.history(pair.clientId, pair.coachId))].reverse());
      expect(parsed.pair).toEqual(await ot.pair(pair.clientId, pair.coachId));
    });

    it('reads the same from MongoDB with --mongodb-uri', async () => {
      const api = JSON.parse((await ops(['pair', pair.clientId, pair.coachId, '--url', ot.app.url, '--json'], { AUTH_JWT_SECRET: TEST_JWT_SECRET })).stdout);
      const run = await ops(['pair', pair.clientId, pair.coachId, '--mongodb-uri', mongoUriFor(ot.database), '--json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(api);
    });

    it('says what is wrong: no secret, a wrong secret, an unknown pair, no service', async () => {
      const noSecret = await ops(['pair', pair.clientId, pair.coachId, '--url', ot.app.url]);
      expect(noSecret.code).toBe(2);
      expect(noSecret.stderr).toContain('AUTH_JWT_SECRET is not set');
      const wrong = await ops(['pair', pair.clientId, pair.coachId, '--url', ot.app.url], { AUTH_JWT_SECRET: 'x'.repeat(40) });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('the service refused the token (401 INVALID_TOKEN');
      const unknown = await ops(['pair', 'nobody', pair.coachId, '--url', ot.app.url], { AUTH_JWT_SECRET: TEST_JWT_SECRET });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(`nothing is known about client nobody with coach ${pair.coachId}`);
      const down = await ops(['pair', pair.clientId, pair.coachId, '--url', 'http://127.0.0.1:1'], { AUTH_JWT_SECRET: TEST_JWT_SECRET });
      expect(down.code).toBe(1);
      expect(down.stderr).toContain('cannot reach ongoing-training at http://127.0.0.1:1');
    });
  });

  describe('deliveries and resend', () => {
    const REFUSED = 'refused.client@example.com';
    const prefix = `${runId('ops-notifier')}.`;
    const database = runId('ops-notifier').slice(0, 60);
    let refusing = true;
    let sink: SmtpSink;
    let notifier: AppProcess;
    let ledger: Connection;
    const event: SessionAutobooked = aSessionAutobooked({ eventId: runId('autobook'), clientId: runId('client') });
    event.client = { name: 'Rae Refused', email: REFUSED };
    const env = () => ({
      MONGODB_URI: mongoUriFor(database),
      SMTP_URL: sink.url,
      PREFERENCES_URL: 'https://www.coachup.test/ongoing-training',
      MAIL_FROM: 'CoachUp <no-reply@coachup.test>',
    });
    // The ledger entry of one email: its claim, with the status and error of its outcome once it has one.
    const entry = async (recipient: string, kind = 'autobooked') => {
      const [claim, outcome] = await Promise.all([
        ledger.collection<{ messageId: string; lastError: string | null }>('deliveries').findOne({ eventId: event.eventId, recipient, kind }),
        ledger.collection<{ status: string; reason: string | null }>('delivery_outcomes').findOne({ eventId: event.eventId, recipient, kind }),
      ]);
      return claim && { ...claim, status: outcome?.status ?? 'sending', lastError: outcome ? outcome.reason : claim.lastError };
    };

    beforeAll(async () => {
      sink = await SmtpSink.start({ refuse: (address) => refusing && address === REFUSED });
      notifier = await AppProcess.start('notifier', {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_GROUP_ID: `${prefix}notifier`,
        ...env(),
        SMTP_MAX_ATTEMPTS: '2',
        SMTP_RETRY_MAX_MS: '50',
      });
      ledger = await mongoose.createConnection(mongoUriFor(database)).asPromise();
      const probe = new KafkaProbe();
      await probe.produceEvents(`${prefix}${TOPICS.SESSION_AUTOBOOKED}`, [event]);
      await probe.close();
      await waitFor(`the client email marked failed\n${notifier.logs.slice(-2000)}`, async () => (await entry('client'))?.status === 'failed');
      // The two emails go out side by side: the coach's may be accepted after the client's refusal.
      await waitFor(`the coach email\n${notifier.logs.slice(-2000)}`, () => sink.to(event.coach.email).length === 1);
    });

    afterAll(async () => {
      await notifier?.stop();
      await ledger?.close();
      await sink?.close();
    });

    it('lists the failed emails of the ledger', async () => {
      const run = await ops(['deliveries'], env());
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`event ${event.eventId}`);
      expect(run.stdout).toMatch(new RegExp(`client <${REFUSED}>: failed, attempts \\d+, last error: refused: 550 mailbox ${REFUSED} unavailable`));
      const all = await ops(['deliveries', '--status', 'all', '--event', event.eventId, '--json'], env());
      expect(
        JSON.parse(all.stdout)
          .map((d: { recipient: string; status: string }) => `${d.recipient}:${d.status}`)
          .sort(),
      ).toEqual(['client:failed', 'coach:sent']);
    });

    it('sends a failed email again, once, and records it as sent', async () => {
      refusing = false;
      const dry = await ops(['resend', event.eventId, 'client', '--dry-run'], env());
      expect(dry.code).toBe(0);
      expect(sink.to(REFUSED)).toHaveLength(0);

      const run = await ops(['resend', event.eventId, 'client'], env());
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`sent: the client email of event ${event.eventId} went to ${REFUSED}`);
      await waitFor('the email at the SMTP server', () => sink.to(REFUSED).length === 1);
      const [email] = sink.to(REFUSED);
      expect(email.subject).toContain('1 more session booked');
      // The notifier's own deterministic Message-ID: a server that saw a first copy can tell.
      expect(email.messageId).toBe((await entry('client'))!.messageId);
      expect(await entry('client')).toMatchObject({ status: 'sent', lastError: null });

      // Sent means sent: again, or the coach's email, sends nothing more.
      const again = await ops(['resend', event.eventId, 'client'], env());
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('nothing to do: this email was sent already');
      const coach = await ops(['resend', event.eventId, 'coach'], env());
      expect(coach.code).toBe(0);
      expect(sink.to(REFUSED)).toHaveLength(1);
      expect(sink.to(event.coach.email)).toHaveLength(1);
    });

    it("sends a failed email of a failed payment again with --kind payment-failed (its id is the autobook's)", async () => {
      refusing = true;
      const probe = new KafkaProbe();
      await probe.produceEvents(`${prefix}${TOPICS.PAYMENT_FAILED}`, [
        aPaymentFailed({ eventId: runId('failed'), autobookEventId: event.eventId, clientId: event.clientId, coachId: event.coachId }),
      ]);
      await probe.close();
      await waitFor(
        `the client's failed-payment email marked failed\n${notifier.logs.slice(-2000)}`,
        async () => (await entry('client', 'payment-failed'))?.status === 'failed',
      );
      refusing = false;
      const listed = await ops(['deliveries'], env());
      expect(listed.stdout).toContain(`payment-failed client <${REFUSED}>: failed`);

      const bogus = await ops(['resend', event.eventId, 'client', '--kind', 'bogus'], env());
      expect(bogus.code).toBe(2);
      expect(bogus.stderr).toContain('--kind must be one of');
      const run = await ops(['resend', event.eventId, 'client', '--kind', 'payment-failed'], env());
      expect(run.code).toBe(0);
      await waitFor('the failed-payment email at the SMTP server', () => sink.to(REFUSED).length === 2);
      const resent = sink.to(REFUSED)[1];
      expect(resent.subject).toContain('did not go through');
      expect(resent.messageId).toBe((await entry('client', 'payment-failed'))!.messageId);
      expect(await entry('client', 'payment-failed')).toMatchObject({ status: 'sent', lastError: null });
      // The autobook's email of the same id stays as it was: sent once.
      expect(await entry('client')).toMatchObject({ status: 'sent' });
    });

    it('says what is wrong: an unknown event, a bad recipient, a database that is not the ledger', async () => {
      const unknown = await ops(['resend', 'no-such-event', 'client'], env());
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('has no email of event no-such-event');
      const recipient = await ops(['resend', event.eventId, 'boss'], env());
      expect(recipient.code).toBe(2);
      expect(recipient.stderr).toContain('the recipient must be coach or client');
      const wrongDb = await ops(['resend', event.eventId, 'client'], { ...env(), MONGODB_URI: mongoUriFor(ot.database) });
      expect(wrongDb.code).toBe(1);
      expect(wrongDb.stderr).toContain('has no "deliveries" collection');
    });
  });
});
