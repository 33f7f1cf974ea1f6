import { schemas as asyncApiSchemas } from '@asyncapi/specs';
import { Ajv, ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import validator from 'validator';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { z } from 'zod';
import { ASYNCAPI_DOCUMENT_PATH, ASYNCAPI_REGENERATE_COMMAND, buildAsyncApiDocument } from './asyncapi.js';
import {
  packageBookedSchema,
  paymentFailedSchema,
  paymentSucceededSchema,
  sessionAutobookedSchema,
  sessionAutobookUpcomingSchema,
  sessionAutobookVoidedSchema,
  sessionCompletedSchema,
  sessionCompletionRevertedSchema,
} from './events.js';
import {
  aPackageBooked,
  aPaymentFailed,
  aPaymentSucceeded,
  aSessionAutobooked,
  aSessionAutobookUpcoming,
  aSessionAutobookVoided,
  aSessionCompleted,
  aSessionCompletionReverted,
} from './testing/builders.js';
import { DLQ_HEADERS, dlqTopic, TOPICS } from './topics.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

type Json = Record<string, any>;

/** The first place two JSON values differ, as a path; null when they are equal. */
function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${at}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as Json)[key], (b as Json)[key], `${at}.${key}`);
    if (found) return found;
  }
  return `${at}: differs`;
}

const built = buildAsyncApiDocument() as Json;

describe('docs/asyncapi.yaml', () => {
  it('is the document the contracts build (regenerate it when a contract changes)', () => {
    const file = path.join(ROOT, ASYNCAPI_DOCUMENT_PATH);
    if (!fs.existsSync(file)) throw new Error(`${ASYNCAPI_DOCUMENT_PATH} is missing: run ${ASYNCAPI_REGENERATE_COMMAND}`);
    const committed = YAML.parse(fs.readFileSync(file, 'utf8'));
    const difference = firstDifference(committed, built);
    if (difference) {
      throw new Error(
        `${ASYNCAPI_DOCUMENT_PATH} is out of date with libs/contracts (first difference, committed vs built: ${difference}). Run ${ASYNCAPI_REGENERATE_COMMAND} and commit the result.`,
      );
    }
  });

  // The bundled schema carries its own copy of the draft-07 meta-schema: Ajv must not add another.
  let validateAsyncApi: ValidateFunction;
  beforeAll(() => {
    const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
    ajvFormats.default(ajv);
    validateAsyncApi = ajv.compile(asyncApiSchemas['3.0.0']);
  });

  it('is a valid AsyncAPI 3.0.0 document (JSON schema of @asyncapi/specs)', () => {
    expect(validateAsyncApi(built) ? [] : validateAsyncApi.errors).toEqual([]);
  });

  it('the AsyncAPI schema check catches a broken document', () => {
    const broken = structuredClone(built);
    broken.operations.ongoingTrainingReceivesPackageBooked.action = 'consume';
    expect(validateAsyncApi(broken)).toBe(false);
  });

  it('has a channel for every topic and its dead letters, keyed by clientId', () => {
    const addresses = Object.values(built.channels)
      .map((c: any) => c.address)
      .sort();
    const topics = Object.values(TOPICS);
    expect(addresses).toEqual([...topics, ...topics.map(dlqTopic)].sort());
    for (const topic of topics) {
      const message = Object.values(built.components.messages).find((m: any) => m.name === topic) as Json;
      expect(message.bindings.kafka.key).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
      expect(message.bindings.kafka.key.description).toMatch(/clientId/);
    }
  });

  it('says which app receives and sends what', () => {
    const flows = Object.values(built.operations).map((o: any) => {
      const address = built.channels[o.channel.$ref.split('/').pop()].address;
      return `${o.tags[0].name} ${o.action} ${address}`;
    });
    expect(flows.sort()).toEqual(
      [
        'ongoing-training receive package.booked',
        'ongoing-training receive session.completed',
        'ongoing-training send session.autobooked',
        'ongoing-training send package.booked.dlq',
        'ongoing-training send session.completed.dlq',
        'notifier receive session.autobooked',
        'notifier send session.autobooked.dlq',
        'ongoing-training receive session.completion.reverted',
        'ongoing-training receive payment.failed',
        'ongoing-training receive payment.succeeded',
        'ongoing-training send session.autobook.upcoming',
        'ongoing-training send session.autobook.voided',
        'ongoing-training send session.completion.reverted.dlq',
        'ongoing-training send payment.failed.dlq',
        'ongoing-training send payment.succeeded.dlq',
        'notifier receive session.autobook.upcoming',
        'notifier receive session.autobook.voided',
        'notifier receive payment.failed',
        'notifier send session.autobook.upcoming.dlq',
        'notifier send session.autobook.voided.dlq',
        'notifier send payment.failed.dlq',
      ].sort(),
    );
  });

  it("names the consumer group of each receive, payment.failed in the notifier's second group", () => {
    const groups = Object.values(built.operations)
      .filter((o: any) => o.action === 'receive')
      .map((o: any) => `${o.tags[0].name} ${built.channels[o.channel.$ref.split('/').pop()].address} ${o.bindings.kafka.groupId.enum[0]}`);
    expect(groups).toContain('notifier session.autobooked notifier');
    expect(groups).toContain('notifier payment.failed notifier.payment-failed');
    expect(groups).toContain('ongoing-training payment.failed ongoing-training');
  });

  it('describes the dlq-* headers of a dead letter: five always, three more on a truncated one (R12)', () => {
    const headers = built.components.messages.DeadLetter.headers;
    expect(Object.keys(headers.properties).sort()).toEqual(Object.values(DLQ_HEADERS).sort());
    const onlyWhenCut: string[] = [DLQ_HEADERS.TRUNCATED, DLQ_HEADERS.ORIGINAL_BYTES, DLQ_HEADERS.ORIGINAL_SHA256];
    expect([...headers.required].sort()).toEqual(
      Object.values(DLQ_HEADERS)
        .filter((h) => !onlyWhenCut.includes(h))
        .sort(),
    );
  });

  it.each([
    ['PackageBooked', packageBookedSchema],
    ['SessionCompleted', sessionCompletedSchema],
    ['SessionAutobooked', sessionAutobookedSchema],
    ['SessionCompletionReverted', sessionCompletionRevertedSchema],
    ['PaymentFailed', paymentFailedSchema],
    ['PaymentSucceeded', paymentSucceededSchema],
    ['SessionAutobookUpcoming', sessionAutobookUpcomingSchema],
    ['SessionAutobookVoided', sessionAutobookVoidedSchema],
  ] as const)('documents every field of %s', (id, schema) => {
    const properties = built.components.schemas[id].properties as Json;
    expect(Object.keys(properties).sort()).toEqual(Object.keys(schema.shape).sort());
    for (const [name, property] of Object.entries(properties)) expect([name, typeof property.description]).toEqual([name, 'string']);
  });

  it.each([
    ['SessionAutobooked', 'trigger', sessionAutobookedSchema.shape.trigger],
    ['SessionAutobookVoided', 'reason', sessionAutobookVoidedSchema.shape.reason],
  ] as const)('documents every field of %s.%s', (id, field, schema) => {
    const properties = built.components.schemas[id].properties[field].properties as Json;
    expect(Object.keys(properties).sort()).toEqual(Object.keys(schema.shape).sort());
    for (const [name, property] of Object.entries(properties)) expect([name, typeof property.description]).toEqual([name, 'string']);
  });
});

describe('payload schemas of docs/asyncapi.yaml', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajvFormats.default(ajv);
  // ajv-formats has no idn-email (RFC 6531): a consumer of the document brings its own checker.
  ajv.addFormat('idn-email', (value: string) => validator.isEmail(value, { allow_utf8_local_part: true }));
  ajv.addSchema({ $id: 'asyncapi.json', components: built.components });
  const validatorOf = (id: string): ValidateFunction => ajv.getSchema(`asyncapi.json#/components/schemas/${id}`)!;

  // Each case is checked against the JSON schema of the document and against the zod schema the apps use:
  // the document must accept and refuse what the services accept and refuse.
  const cases: [string, string, boolean, z.ZodType, unknown][] = [
    ['PackageBooked', 'a valid package', true, packageBookedSchema, aPackageBooked()],
    ['PackageBooked', 'autoRenewal absent (defaults to true)', true, packageBookedSchema, { ...aPackageBooked(), autoRenewal: undefined }],
    ['PackageBooked', 'an unknown extra field', true, packageBookedSchema, { ...aPackageBooked(), coupon: 'X' }],
    ['PackageBooked', 'no sessions', false, packageBookedSchema, aPackageBooked({ sessionCount: 0 })],
    ['PackageBooked', 'a float amount (R3)', false, packageBookedSchema, aPackageBooked({ price: { amount: 250.5, currency: 'USD' } })],
    ['PackageBooked', 'a lower-case currency', false, packageBookedSchema, aPackageBooked({ price: { amount: 25000, currency: 'usd' } })],
    ['PackageBooked', 'gold as a currency', false, packageBookedSchema, aPackageBooked({ price: { amount: 25000, currency: 'XAU' } })],
    ['PackageBooked', 'a bad coach email', false, packageBookedSchema, aPackageBooked({ coach: { name: 'C', email: 'not-an-email' } })],
    ['PackageBooked', 'no client', false, packageBookedSchema, { ...aPackageBooked(), client: undefined }],
    ['SessionCompleted', 'a valid completion', true, sessionCompletedSchema, aSessionCompleted({ packageId: 'p1' })],
    ['SessionCompleted', 'an empty sessionId', false, sessionCompletedSchema, aSessionCompleted({ sessionId: '' })],
    ['SessionCompleted', 'a 201-character clientId', false, sessionCompletedSchema, aSessionCompleted({ clientId: 'c'.repeat(201) })],
    ['SessionCompleted', 'a time without a zone', false, sessionCompletedSchema, aSessionCompleted({ occurredAt: '2026-11-02T10:00:00' })],
    ['SessionAutobooked', 'a valid autobook', true, sessionAutobookedSchema, aSessionAutobooked()],
    ['SessionAutobooked', 'an enrollment trigger', true, sessionAutobookedSchema, aSessionAutobooked({ trigger: { type: 'enrollment' } })],
    ['SessionAutobooked', 'two sessions (R5)', false, sessionAutobookedSchema, { ...aSessionAutobooked(), sessionCount: 2 }],
    ['SessionAutobooked', 'sequence 0', false, sessionAutobookedSchema, aSessionAutobooked({ sequence: 0 })],
    ['SessionAutobooked', 'an unknown trigger', false, sessionAutobookedSchema, { ...aSessionAutobooked(), trigger: { type: 'manual' } }],
    ['SessionAutobooked', 'a resume trigger (R14)', true, sessionAutobookedSchema, aSessionAutobooked({ trigger: { type: 'resume' } })],
    [
      'SessionAutobooked',
      'a payment.succeeded trigger (R16)',
      true,
      sessionAutobookedSchema,
      aSessionAutobooked({ trigger: { type: 'payment.succeeded', eventId: 'paid-1' } }),
    ],
    ['SessionCompletionReverted', 'a valid revert', true, sessionCompletionRevertedSchema, aSessionCompletionReverted()],
    ['SessionCompletionReverted', 'a revert without a reason', true, sessionCompletionRevertedSchema, aSessionCompletionReverted({ reason: undefined })],
    ['SessionCompletionReverted', 'no sessionId', false, sessionCompletionRevertedSchema, { ...aSessionCompletionReverted(), sessionId: undefined }],
    ['SessionCompletionReverted', 'an empty reason', false, sessionCompletionRevertedSchema, aSessionCompletionReverted({ reason: '' })],
    ['PaymentFailed', 'a valid failure', true, paymentFailedSchema, aPaymentFailed()],
    ['PaymentFailed', 'a failure without a reason', true, paymentFailedSchema, aPaymentFailed({ reason: undefined })],
    ['PaymentFailed', 'no autobookEventId', false, paymentFailedSchema, { ...aPaymentFailed(), autobookEventId: undefined }],
    ['PaymentFailed', 'a 201-character reason', false, paymentFailedSchema, aPaymentFailed({ reason: 'r'.repeat(201) })],
    ['PaymentSucceeded', 'a valid success', true, paymentSucceededSchema, aPaymentSucceeded()],
    ['PaymentSucceeded', 'a time without a zone', false, paymentSucceededSchema, aPaymentSucceeded({ occurredAt: '2026-11-03T09:00:00' })],
    ['SessionAutobookUpcoming', 'a valid heads-up', true, sessionAutobookUpcomingSchema, aSessionAutobookUpcoming()],
    ['SessionAutobookUpcoming', 'sequence 0', false, sessionAutobookUpcomingSchema, aSessionAutobookUpcoming({ sequence: 0 })],
    ['SessionAutobookUpcoming', 'no client', false, sessionAutobookUpcomingSchema, { ...aSessionAutobookUpcoming(), client: undefined }],
    [
      'SessionAutobookUpcoming',
      'a float rate (R3)',
      false,
      sessionAutobookUpcomingSchema,
      aSessionAutobookUpcoming({ rate: { amount: 80.5, currency: 'USD' } }),
    ],
    ['SessionAutobookVoided', 'a valid void', true, sessionAutobookVoidedSchema, aSessionAutobookVoided()],
    [
      'SessionAutobookVoided',
      'an unknown reason type',
      false,
      sessionAutobookVoidedSchema,
      { ...aSessionAutobookVoided(), reason: { type: 'mistake', sessionId: 's1', eventId: 'e1' } },
    ],
    [
      'SessionAutobookVoided',
      'a reason without its session',
      false,
      sessionAutobookVoidedSchema,
      { ...aSessionAutobookVoided(), reason: { type: 'completion-reverted', eventId: 'e1' } },
    ],
    [
      'SessionAutobookVoided',
      'a bad client email',
      false,
      sessionAutobookVoidedSchema,
      aSessionAutobookVoided({ client: { name: 'C', email: 'not-an-email' } }),
    ],
  ];

  it.each(cases)('%s: %s -> valid: %s', (id, _what, valid, schema, payload) => {
    const json = JSON.parse(JSON.stringify(payload));
    const validate = validatorOf(id);
    expect({ document: validate(json), errors: validate(json) === valid ? null : validate.errors }).toEqual({ document: valid, errors: null });
    expect(schema.safeParse(json).success).toBe(valid);
  });

  it('accepts the examples of its messages', () => {
    for (const message of Object.values(built.components.messages) as Json[]) {
      for (const example of message.examples ?? []) {
        const id = message.payload.$ref.split('/').pop();
        expect([id, example.name, validatorOf(id)(example.payload)]).toEqual([id, example.name, true]);
      }
    }
  });
});
