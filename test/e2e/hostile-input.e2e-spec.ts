import { DLQ_HEADERS, MAX_REASON_LENGTH, PackageBooked, TOPICS } from '#contracts';
import kafkajs, { Admin } from 'kafkajs';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { OngoingTrainingHarness, aPair } from '../support/ongoing-training.js';
import { runId, waitFor } from '#testing';
import { SeenMessage } from '../support/kafka.js';

// R12 against hostile input, on the real broker and database: every kind of message below gets the
// outcome the contract gives it (a dead letter with its reason, or applied), none stops consumption,
// and after all of them a valid message on every input partition is still applied.

type Topic = typeof TOPICS.PACKAGE_BOOKED | typeof TOPICS.SESSION_COMPLETED;

interface HostileKind {
  name: string;
  topic: Topic;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
  /** A dead letter whose reason matches, or applied (checked through the API). */
  expected: { reason: RegExp; truncated?: boolean; check?: (letter: SeenMessage) => void } | { applied: (ot: OngoingTrainingHarness) => Promise<unknown> };
}

const PARTITIONS = 3;

/** DEBUG_HOSTILE=<file> keeps the service's whole log there (started at debug level) to see where it stood. */
function keepLog(ot: OngoingTrainingHarness | undefined): void {
  if (process.env.DEBUG_HOSTILE && ot)
    fs.writeFileSync(process.env.DEBUG_HOSTILE, `running=${ot.app.running} exit=${ot.app.exitCode ?? ot.app.exitSignal}\n${ot.app.logs}`);
}
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

describe('hostile input on Kafka: nothing stops consumption (R12)', () => {
  let ot: OngoingTrainingHarness;
  let limit: number;

  beforeAll(async () => {
    ot = await OngoingTrainingHarness.create('hostile-kafka', { partitions: PARTITIONS });
    await ot.startApp(process.env.DEBUG_HOSTILE ? { LOG_LEVEL: 'debug' } : {});
    limit = await maxMessageBytes(ot, ot.topic(`${TOPICS.PACKAGE_BOOKED}.dlq`));
  });

  afterAll(async () => {
    keepLog(ot);
    await ot?.close();
  });

  /** A fresh pair and a package of it, as JSON text, with fields replaced. */
  const packageText = (label: string, patch: Record<string, unknown> = {}) => {
    const pair = aPair(label);
    const event = { ...pair.packageBooked({ sessionCount: 2 }), ...patch } as PackageBooked;
    return { pair, event, text: JSON.stringify(event) };
  };
  const badPackage = (label: string, patch: Record<string, unknown>, reason: RegExp): HostileKind => {
    const { event, text } = packageText(label, patch);
    return { name: label, topic: TOPICS.PACKAGE_BOOKED, key: event.clientId, value: text, expected: { reason } };
  };
  /** A package that must be applied: its pair shows the sessions on deck. */
  const appliedPackage = (name: string, event: PackageBooked, text = JSON.stringify(event), extra: Partial<HostileKind> = {}): HostileKind => ({
    name,
    topic: TOPICS.PACKAGE_BOOKED,
    key: event.clientId,
    value: text,
    expected: { applied: (h) => h.waitForPair(event.clientId, event.coachId, `${name} applied`, (p) => p.sessionsOnDeck === event.sessionCount, 60000) },
    ...extra,
  });
  const withPatch = (label: string, patch: Record<string, unknown>) => {
    const { event } = packageText(label);
    return { ...event, ...patch } as PackageBooked;
  };
  /** Raw JSON text of a package with one literal spliced in place of a field's value. */
  const withLiteral = (label: string, field: 'amount' | 'sessionCount', literal: string) => {
    const { event, text } = packageText(label);
    const pattern = field === 'amount' ? /"amount":\d+/ : /"sessionCount":\d+/;
    return { event, text: text.replace(pattern, `"${field}":${literal}`) };
  };

  function kinds(): HostileKind[] {
    const list: HostileKind[] = [];
    const add = (...k: HostileKind[]) => list.push(...k);

    // Sizes at and over the broker's limit: the dead letter is bigger than the message by its headers.
    {
      const { text } = packageText('big-key');
      const key = 'k'.repeat(200 * 1024);
      add({
        name: 'a 200 KB key that is not its clientId',
        topic: TOPICS.PACKAGE_BOOKED,
        key,
        value: text,
        expected: { reason: /^wrong key/, check: (l) => expect(l.headers[DLQ_HEADERS.REASON]).not.toContain('k'.repeat(100)) },
      });
    }
    add({
      name: 'a value just under the broker limit (not JSON)',
      topic: TOPICS.PACKAGE_BOOKED,
      key: 'someone',
      value: Buffer.alloc(limit - 150, 'v'),
      expected: { reason: /not valid UTF-8 JSON/, truncated: true },
    });
    add({
      name: 'a value just under the broker limit on session.completed',
      topic: TOPICS.SESSION_COMPLETED,
      key: 'someone',
      value: Buffer.alloc(limit - 150, '{'),
      expected: { reason: /not valid UTF-8 JSON/, truncated: true },
    });
    {
      const { text } = packageText('huge-key');
      add({
        name: 'a key near the broker limit, not its clientId',
        topic: TOPICS.PACKAGE_BOOKED,
        key: 'q'.repeat(limit - text.length - 150),
        value: text,
        expected: { reason: /^wrong key/, truncated: true },
      });
    }
    {
      const event = withPatch('padded', {});
      const padded = JSON.stringify({ ...event, padding: 'p'.repeat(limit - 3000) });
      add(appliedPackage('a valid event padded near the broker limit with an unknown field', event, padded));
    }

    // Bytes that are not a JSON object.
    const raw = (name: string, topic: Topic, value: string | Buffer | null, reason: RegExp): HostileKind => ({
      name,
      topic,
      key: 'client-raw',
      value,
      expected: { reason },
    });
    add(
      raw('not JSON', TOPICS.PACKAGE_BOOKED, 'hello, world', /not valid UTF-8 JSON/),
      raw('bad UTF-8', TOPICS.PACKAGE_BOOKED, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), /not UTF-8/),
      raw('a tombstone (no value)', TOPICS.PACKAGE_BOOKED, null, /tombstone/),
      raw('an empty value', TOPICS.PACKAGE_BOOKED, '', /not valid UTF-8 JSON/),
      raw('JSON null', TOPICS.PACKAGE_BOOKED, 'null', /contract/),
      raw('a JSON array', TOPICS.PACKAGE_BOOKED, '[1,2,3]', /contract/),
      raw('a JSON string', TOPICS.PACKAGE_BOOKED, '"package"', /contract/),
      raw('not JSON on session.completed', TOPICS.SESSION_COMPLETED, '<xml/>', /not valid UTF-8 JSON/),
      raw('a tombstone on session.completed', TOPICS.SESSION_COMPLETED, null, /tombstone/),
    );

    // Times.
    add(
      badPackage('1,000 fraction digits', { occurredAt: `2026-11-24T18:30:00.${'1'.repeat(1000)}Z` }, /occurredAt/),
      badPackage('300,000 fraction digits', { occurredAt: `2026-11-24T18:30:00.${'1'.repeat(300000)}Z` }, /occurredAt/),
      badPackage('41 characters of time', { occurredAt: '2026-11-24T18:30:00.1234567890123456+01:00' }, /occurredAt/),
      badPackage('year 9999', { occurredAt: '9999-12-31T23:59:59Z' }, /occurredAt: is more than 24 hours after/),
      badPackage('25 hours ahead', { occurredAt: iso(NOW + 25 * 3600 * 1000) }, /occurredAt: is more than 24 hours after/),
      badPackage('before 2000', { occurredAt: '1999-12-31T23:59:59Z' }, /occurredAt: is before 2000-01-01/),
      badPackage('a time without a zone', { occurredAt: '2026-11-24T18:30:00' }, /occurredAt/),
    );
    add(appliedPackage('2000-01-01T00:00:00Z exactly', withPatch('y2k', { occurredAt: '2000-01-01T00:00:00Z' })));
    add(appliedPackage('23 hours ahead', withPatch('ahead', { occurredAt: iso(NOW + 23 * 3600 * 1000) })));
    {
      const pair = aPair('sc-9999');
      add({
        name: 'a completion in year 9999',
        topic: TOPICS.SESSION_COMPLETED,
        key: pair.clientId,
        value: JSON.stringify(pair.sessionCompleted({ occurredAt: '9999-01-01T00:00:00Z' })),
        expected: { reason: /occurredAt/ },
      });
      add({
        name: 'a 201-character sessionId',
        topic: TOPICS.SESSION_COMPLETED,
        key: pair.clientId,
        value: JSON.stringify(pair.sessionCompleted({ sessionId: 's'.repeat(201) })),
        expected: { reason: /sessionId/ },
      });
    }

    // Amounts and counts: integer literals within bounds.
    for (const [literal, reason] of [
      ['1.0000000000000001', /price\.amount: must be an integer literal/],
      ['1e3', /price\.amount: must be an integer literal/],
      ['100.0', /price\.amount: must be an integer literal/],
      ['1000000000001', /price\.amount/],
      ['-1', /price\.amount/],
      ['"100"', /price\.amount/],
    ] as const) {
      const { event, text } = withLiteral(`amount-${literal}`, 'amount', literal);
      add({ name: `amount ${literal}`, topic: TOPICS.PACKAGE_BOOKED, key: event.clientId, value: text, expected: { reason } });
    }
    {
      const { event, text } = withLiteral('count-2.0', 'sessionCount', '2.0');
      add({
        name: 'sessionCount 2.0',
        topic: TOPICS.PACKAGE_BOOKED,
        key: event.clientId,
        value: text,
        expected: { reason: /sessionCount: must be an integer literal/ },
      });
    }
    add(
      badPackage('sessionCount 1001', { sessionCount: 1001 }, /sessionCount/),
      badPackage('currency in lower case', { price: { amount: 100, currency: 'usd' } }, /price\.currency/),
      badPackage('currency XXX (no money)', { price: { amount: 100, currency: 'XXX' } }, /price\.currency/),
    );
    add(appliedPackage('amount 10^12', withPatch('amount-max', { price: { amount: 1_000_000_000_000, currency: 'USD' } })));
    add(appliedPackage('amount 0', withPatch('amount-zero', { price: { amount: 0, currency: 'USD' } })));
    add(appliedPackage('sessionCount 1000', withPatch('count-max', { sessionCount: 1000 })));

    // Strings and emails.
    add(
      badPackage('an empty eventId', { eventId: '' }, /eventId/),
      badPackage('a 201-character packageId', { packageId: 'p'.repeat(201) }, /packageId/),
      badPackage('a 201-character client name', { client: { name: 'n'.repeat(201), email: 'a@example.com' } }, /client\.name/),
      badPackage(
        'an email over 254 characters',
        { coach: { name: 'C', email: `${'a'.repeat(60)}@${['b', 'c', 'd'].map((c) => c.repeat(63)).join('.')}.com` } },
        /coach\.email/,
      ),
      badPackage('an email without a dot in its domain', { client: { name: 'C', email: 'a@localhost' } }, /client\.email/),
      badPackage('a lone surrogate in an id', { packageId: 'p\ud800x' }, /packageId: must be well-formed Unicode/),
    );
    for (const email of ['josé@example.com', 'user@bücher.example', '"john doe"@example.com']) {
      add(appliedPackage(`the address ${email}`, withPatch(`email-${email.length}`, { client: { name: 'Unusual', email } })));
    }
    {
      const id = (c: string) => `${c}${runId('')}`.slice(0, 200).padEnd(200, 'x');
      const pair = aPair('long-ids');
      add(
        appliedPackage('200-character ids', pair.packageBooked({ clientId: id('c'), coachId: id('k'), packageId: id('p'), eventId: id('e'), sessionCount: 2 })),
      );
    }

    // Keys.
    {
      const { text } = packageText('no-key');
      add({ name: 'no key', topic: TOPICS.PACKAGE_BOOKED, key: null, value: text, expected: { reason: /wrong key: .* got no key/ } });
      const nfc = withPatch('nfc', { clientId: `jos\u00e9-${runId('k')}` });
      add({
        name: 'a key that is the clientId in another Unicode normalization',
        topic: TOPICS.PACKAGE_BOOKED,
        key: nfc.clientId.normalize('NFD'),
        value: JSON.stringify(nfc),
        expected: { reason: /wrong key/ },
      });
      const upper = withPatch('case', {});
      add({
        name: 'a key that is the clientId in another case',
        topic: TOPICS.PACKAGE_BOOKED,
        key: upper.clientId.toUpperCase(),
        value: JSON.stringify(upper),
        expected: { reason: /wrong key/ },
      });
      // JSON.parse keeps the last of two equal keys: the key matches the first one only.
      const twice = withPatch('twice', {});
      add({
        name: 'clientId twice in the JSON',
        topic: TOPICS.PACKAGE_BOOKED,
        key: twice.clientId,
        value: JSON.stringify(twice).replace(/}$/, ',"clientId":"someone-else"}'),
        expected: { reason: /wrong key/ },
      });
    }

    // Forged dead-letter headers: ours are never taken from the message.
    {
      const forged = {
        [DLQ_HEADERS.REASON]: 'nothing wrong',
        [DLQ_HEADERS.SOURCE_TOPIC]: 'elsewhere',
        [DLQ_HEADERS.TRUNCATED]: 'true',
        [DLQ_HEADERS.ORIGINAL_SHA256]: '0'.repeat(64),
      };
      const { event, text } = packageText('forged-bad', { sessionCount: 0 });
      add({
        name: 'forged dlq-* headers on a bad message',
        topic: TOPICS.PACKAGE_BOOKED,
        key: event.clientId,
        value: text,
        headers: forged,
        expected: {
          reason: /sessionCount/,
          check: (l) => {
            expect(l.headers[DLQ_HEADERS.SOURCE_TOPIC]).toBe(ot.topic(TOPICS.PACKAGE_BOOKED));
            expect(l.headers[DLQ_HEADERS.TRUNCATED]).toBeUndefined();
            expect(l.headers[DLQ_HEADERS.ORIGINAL_SHA256]).toBeUndefined();
            expect(l.headers['incoming-dlq-reason']).toBe('nothing wrong');
            expect(l.headers['incoming-dlq-source-topic']).toBe('elsewhere');
          },
        },
      });
      add(appliedPackage('forged dlq-* headers on a valid message', withPatch('forged-ok', {}), undefined, { headers: forged }));
    }

    // Odd but valid JSON.
    {
      const event = withPatch('proto', {});
      add(appliedPackage('a __proto__ field', event, JSON.stringify(event).replace(/}$/, ',"__proto__":{"sessionCount":999,"polluted":true}}')));
      const bom = withPatch('bom', {});
      add(appliedPackage('a UTF-8 byte order mark', bom, `\ufeff${JSON.stringify(bom)}`));
      const deep = withPatch('deep', {});
      add(appliedPackage('an unknown field nested 10,000 deep', deep, JSON.stringify(deep).replace(/}$/, `,"deep":${'['.repeat(10000)}${']'.repeat(10000)}}`)));
      const fractions = withPatch('unknown-float', {});
      add(appliedPackage('a fraction in an unknown field', fractions, JSON.stringify({ ...fractions, ratio: 0.5, nested: { x: 1.25 } })));
    }

    // Ids that differ only by separators, Unicode normalization or case are different pairs.
    const base = runId('twin');
    const twins = [
      [`${base}-a`, `${base}_a`, `${base}.a`],
      [`${base}-jos\u00e9`, `${base}-jose\u0301`],
      [`${base}-Ana`, `${base}-ana`],
    ];
    for (const group of twins) {
      group.forEach((clientId, i) => {
        const event = withPatch(`twin-${i}`, { clientId, coachId: `coach-${base}`, sessionCount: i + 1 });
        add(
          appliedPackage(
            `the id ${JSON.stringify(clientId)}, one of ${group.length} that differ only by ${group === twins[0] ? 'separators' : group === twins[1] ? 'Unicode normalization' : 'case'}`,
            event,
          ),
        );
      });
    }
    return list;
  }

  it('gives every hostile message its outcome, and a valid message on every partition is applied after them all', async () => {
    const list = kinds();
    expect(list.length).toBeGreaterThanOrEqual(40);
    // One send per message, on every partition in turn: a record batch of one near-limit message only.
    for (const [i, kind] of list.entries()) {
      await ot.probe.produce(ot.topic(kind.topic), [
        { key: kind.key, value: kind.value, headers: { ...kind.headers, 'test-kind': String(i) }, partition: i % PARTITIONS },
      ]);
    }

    // After all of them: a valid package and its completion on every partition of both topics.
    const finals = Array.from({ length: PARTITIONS }, (_, p) => ({ p, pair: aPair(`final-${p}`) }));
    for (const { p, pair } of finals) {
      await ot.probe.produce(ot.topic(TOPICS.PACKAGE_BOOKED), [
        { key: pair.clientId, value: pair.packageBooked({ sessionCount: 1, ongoingTraining: true }), partition: p },
      ]);
    }
    for (const { p, pair } of finals) {
      await ot.probe.produce(ot.topic(TOPICS.SESSION_COMPLETED), [{ key: pair.clientId, value: pair.sessionCompleted(), partition: p }]);
    }
    await waitFor(
      'an autobook for the valid inputs of every partition',
      () => finals.every(({ pair }) => ot.distinctAutobooks(pair.clientId).length === 1),
      120000,
      250,
    );

    const letters = (i: number) =>
      [...ot.deadLetters(TOPICS.PACKAGE_BOOKED), ...ot.deadLetters(TOPICS.SESSION_COMPLETED)].filter((l) => l.headers['test-kind'] === String(i));
    const expectedLetters = list.filter((k) => 'reason' in k.expected).length;
    await waitFor(`${expectedLetters} dead letters`, () => list.every((k, i) => !('reason' in k.expected) || letters(i).length > 0), 60000, 250);

    const outcomes: string[] = [];
    for (const [i, kind] of list.entries()) {
      const got = letters(i);
      if ('reason' in kind.expected) {
        expect([kind.name, got.length]).toEqual([kind.name, 1]);
        const [letter] = got;
        const reason = letter.headers[DLQ_HEADERS.REASON];
        expect([kind.name, reason]).toEqual([kind.name, expect.stringMatching(kind.expected.reason)]);
        expect(reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
        expect(letter.headers[DLQ_HEADERS.SOURCE_TOPIC]).toBe(ot.topic(kind.topic));
        expect(letter.headers[DLQ_HEADERS.SOURCE_PARTITION]).toBe(String(i % PARTITIONS));
        const original = kind.value === null ? null : Buffer.from(kind.value);
        if (kind.expected.truncated) {
          expect([kind.name, letter.headers[DLQ_HEADERS.TRUNCATED]]).toEqual([kind.name, 'true']);
          expect(letter.headers[DLQ_HEADERS.ORIGINAL_BYTES]).toBe(String(original!.length));
          expect(letter.headers[DLQ_HEADERS.ORIGINAL_SHA256]).toBe(createHash('sha256').update(original!).digest('hex'));
          expect(original!.subarray(0, letter.value!.length).equals(letter.value!)).toBe(true);
        } else {
          // Unchanged, byte for byte.
          expect([kind.name, letter.headers[DLQ_HEADERS.TRUNCATED]]).toEqual([kind.name, undefined]);
          expect([kind.name, letter.value === null ? null : letter.value.equals(original!)]).toEqual([kind.name, original === null ? null : true]);
          const key = kind.key === null ? null : Buffer.from(kind.key);
          expect([kind.name, letter.rawKey === null ? null : letter.rawKey.equals(key!)]).toEqual([kind.name, key === null ? null : true]);
        }
        kind.expected.check?.(letter);
        outcomes.push(`${kind.topic} | ${kind.name} | dead letter${kind.expected.truncated ? ', truncated' : ''}: ${reason.slice(0, 90)}`);
      } else {
        await kind.expected.applied(ot);
        expect([kind.name, got.length]).toEqual([kind.name, 0]);
        outcomes.push(`${kind.topic} | ${kind.name} | applied`);
      }
    }
    process.stderr.write(`hostile Kafka kinds (${list.length}):\n${outcomes.map((o) => `  ${o}`).join('\n')}\n`);

    // Ids that differ only by separators, normalization or case stayed apart.
    expect((await fetch(`${ot.app.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${ot.app.url}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${ot.app.metricsUrl}/metrics`)).text();
    expect(Number(/ongoing_training_dead_letters_truncated_total\{topic="package.booked"\} (\d+)/.exec(metrics)?.[1])).toBe(2);
    expect(Number(/ongoing_training_dead_letters_truncated_total\{topic="session.completed"\} (\d+)/.exec(metrics)?.[1])).toBe(1);
  });
});

describe('a dead letter that cannot be written for a while (R12)', () => {
  let ot: OngoingTrainingHarness;
  afterAll(async () => {
    keepLog(ot);
    await ot?.close();
  });

  it('is retried with backoff, reported by readiness, a metric and then liveness, and written once the broker takes it', async () => {
    ot = await OngoingTrainingHarness.create('dlq-outage', { partitions: 1 });
    await ot.startApp({ CONSUMER_STALL_MS: '3000' });
    const dlq = ot.topic(`${TOPICS.PACKAGE_BOOKED}.dlq`);
    // The DLQ topic gone (the broker creates no topic by itself): every write of a letter fails until it
    // is back, a failure that passes, as when the DLQ's brokers are away.
    await admin(ot, (a) => a.deleteTopics({ topics: [dlq], timeout: 30000 }));
    await waitFor(`${dlq} to be gone`, async () => !(await admin(ot, (a) => a.listTopics())).includes(dlq), 30000, 200);
    const pair = aPair('outage');
    await ot.probe.produce(ot.topic(TOPICS.PACKAGE_BOOKED), [{ key: pair.clientId, value: 'not json' }]);
    await ot.book(pair.packageBooked({ sessionCount: 1 }));

    await waitFor('/health/ready to answer 503', async () => (await fetch(`${ot.app.url}/health/ready`)).status === 503, 60000, 200);
    await waitFor(
      'the failures to be counted',
      async () => {
        const metrics = await (await fetch(`${ot.app.metricsUrl}/metrics`)).text();
        return Number(/ongoing_training_dead_letter_failures_total\{topic="package.booked"\} (\d+)/.exec(metrics)?.[1] ?? 0) > 0;
      },
      60000,
      200,
    );
    const live = await waitFor(
      '/health/live to report the stalled consumer',
      async () => {
        const response = await fetch(`${ot.app.url}/health/live`);
        return response.status === 503 && (await response.json());
      },
      60000,
      200,
    );
    expect(live).toEqual({ status: 'not-live', failing: ['consumer-progress'] });
    const letters = () => ot.deadLetters(TOPICS.PACKAGE_BOOKED);
    expect(letters()).toHaveLength(0);

    await admin(ot, (a) => a.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 1 }] }));
    const [letter] = await waitFor('the dead letter', () => letters().length > 0 && letters(), 60000);
    expect(letter.value!.toString()).toBe('not json');
    await ot.waitForPair(pair.clientId, pair.coachId, 'the package after it applied', (p) => p.sessionsOnDeck === 1, 60000);
    await waitFor('/health/live to answer 200 again', async () => (await fetch(`${ot.app.url}/health/live`)).status === 200, 30000, 200);
    await waitFor('/health/ready to answer 200 again', async () => (await fetch(`${ot.app.url}/health/ready`)).status === 200, 30000, 200);
    expect(letters()).toHaveLength(1);
  });
});

async function maxMessageBytes(ot: OngoingTrainingHarness, topic: string): Promise<number> {
  const admin = ot.probe.kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    return Number(resources[0].configEntries[0].configValue);
  } finally {
    await admin.disconnect();
  }
}

async function admin<T>(ot: OngoingTrainingHarness, run: (admin: Admin) => Promise<T>): Promise<T> {
  const client = ot.probe.kafka.admin();
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.disconnect();
  }
}
