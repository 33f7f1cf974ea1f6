import { z } from 'zod';
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
import { contact, CURRENCIES, currencyCode, idString, money, timestamp } from './primitives.js';
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
import { DLQ_HEADERS, dlqTopic, Topic, TOPICS } from './topics.js';

// The AsyncAPI 3 document of the Kafka contracts, built from the zod schemas so that it cannot drift from
// them. `docs/asyncapi.yaml` is this document as YAML; libs/contracts/src/asyncapi.spec.ts fails when the
// two differ. Field descriptions are the JSDoc of events.ts and the tables of shared/spec/ongoing-training.md.

/** The command that rewrites `docs/asyncapi.yaml` from this module. */
export const ASYNCAPI_REGENERATE_COMMAND = 'npm run contracts:asyncapi';

/** Where the generated document is committed, from the repository root. */
export const ASYNCAPI_DOCUMENT_PATH = 'docs/asyncapi.yaml';

// Bump the minor for a compatible change of a contract (a new optional field), the major otherwise.
// 2.0.0: the topics of R13, R15 and R16, and trigger types `resume` and `payment.succeeded` in
// session.autobooked (a consumer that checks the type against the old list would refuse them).
const CONTRACTS_VERSION = '2.0.0';
const KAFKA_BINDING_VERSION = '0.5.0';

type JsonSchema = Record<string, unknown>;

/** One description per field of a payload: the compiler asks for one when a field is added. */
type FieldDocs<S extends z.ZodObject> = { [K in keyof z.input<S>]-?: string };

const PACKAGE_BOOKED_DOCS: FieldDocs<typeof packageBookedSchema> = {
  eventId: 'Unique per event.',
  occurredAt: 'When the checkout completed.',
  packageId: 'Unique per package; seen again means a duplicate (R10).',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  sessionCount: 'Sessions in the package.',
  price: 'Total price of the package.',
  autoRenewal: 'false: custom package, the coach checked "Do not offer auto-renewal on this package" (R6). Absent means true.',
  ongoingTraining: "The client's Ongoing Training switch chosen at checkout; absent leaves it as it is (R2).",
  client: 'The client, for the emails (R9).',
  coach: 'The coach, for the emails (R9).',
};

const SESSION_COMPLETED_DOCS: FieldDocs<typeof sessionCompletedSchema> = {
  eventId: 'Unique per event.',
  occurredAt: 'When the coach marked the session complete.',
  sessionId: 'Unique per session; completed again (any eventId) means a duplicate (R10).',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  packageId: 'The package or autobook the session came from (informational).',
};

const SESSION_AUTOBOOKED_DOCS: FieldDocs<typeof sessionAutobookedSchema> = {
  eventId: 'Stable: the same autobook always carries the same id, replays included. Consumers dedupe on it.',
  occurredAt: 'When the session was booked.',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  sequence: 'The n-th autobook of this pair.',
  sessionCount: 'Always one session (R5).',
  rate: 'The per-session rate charged: the price of the last package divided by its sessions (R3, R4).',
  ratePackageId: 'The package whose rate applies.',
  trigger: 'What brought on deck to 0.',
  client: 'The client, for the emails (R9).',
  coach: 'The coach, for the emails (R9).',
};

const TRIGGER_DOCS: FieldDocs<(typeof sessionAutobookedSchema)['shape']['trigger']> = {
  type: 'A completed session, a package that arrived, the client turning Ongoing Training on, a pause that ended (resume, R14), or the last pending payment that succeeded (payment.succeeded, R16).',
  eventId: 'The eventId of the input that triggered the autobook; absent for an enrollment or a resume.',
  sessionId: 'The completed session, when the type is session.completed.',
};

const SESSION_COMPLETION_REVERTED_DOCS: FieldDocs<typeof sessionCompletionRevertedSchema> = {
  eventId: 'Unique per event.',
  occurredAt: 'When the completion was undone.',
  sessionId: 'The session whose completion is undone: it counts as not completed (R15). Reverted again means a duplicate.',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  reason: 'Why, for the history and the emails.',
};

const PAYMENT_FAILED_DOCS: FieldDocs<typeof paymentFailedSchema> = {
  eventId: 'Unique per event.',
  occurredAt: 'When the payment attempt ended.',
  autobookEventId: 'The session.autobooked eventId the payment was for.',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  reason: 'What the payment provider said.',
};

const { reason: _providerSaid, ...paymentSucceededDocs } = PAYMENT_FAILED_DOCS;
const PAYMENT_SUCCEEDED_DOCS: FieldDocs<typeof paymentSucceededSchema> = paymentSucceededDocs;

const SESSION_AUTOBOOK_UPCOMING_DOCS: FieldDocs<typeof sessionAutobookUpcomingSchema> = {
  eventId: 'Stable: the same pair and sequence always carry the same id. Consumers dedupe on it.',
  occurredAt: 'When it was decided.',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  sequence: 'The sequence the next autobook will have.',
  rate: 'The rate it will be booked at today (R3, R4).',
  ratePackageId: 'The package whose rate applies today.',
  client: 'The client, for the email (R13).',
  coach: 'The coach, for the email (R13).',
};

const SESSION_AUTOBOOK_VOIDED_DOCS: FieldDocs<typeof sessionAutobookVoidedSchema> = {
  eventId: 'Stable: one per voided autobook. Consumers dedupe on it.',
  occurredAt: 'When it was voided.',
  clientId: 'The client of the pair. Also the message key.',
  coachId: 'The coach of the pair.',
  autobookEventId: 'The session.autobooked eventId of the autobook voided.',
  sequence: 'The sequence of the autobook voided; it is not reused.',
  rate: 'What it had been booked at (to refund).',
  reason: 'Why it was voided.',
  client: 'The client, for the emails (R15).',
  coach: 'The coach, for the emails (R15).',
};

const VOID_REASON_DOCS: FieldDocs<(typeof sessionAutobookVoidedSchema)['shape']['reason']> = {
  type: 'completion-reverted: the completion that triggered the autobook was undone.',
  sessionId: 'The session whose completion was undone.',
  eventId: 'The eventId of the session.completion.reverted.',
};

const MONEY_DOCS: FieldDocs<typeof money> = {
  amount: 'Integer minor units of the currency (cents for USD, yen for JPY): no floats anywhere in money.',
  currency: 'ISO 4217 code.',
};

const CONTACT_DOCS: FieldDocs<typeof contact> = {
  name: 'Name as shown in the emails.',
  email: 'Email address, at most 254 characters.',
};

const SHARED_SCHEMAS: { id: string; schema: z.ZodType; description: string; docs?: Record<string, string> }[] = [
  { id: 'Id', schema: idString, description: 'Every string of the contracts: not empty, at most 200 characters.' },
  { id: 'Timestamp', schema: timestamp, description: 'ISO 8601 date and time with an explicit zone (2026-11-24T18:30:00Z).' },
  { id: 'Currency', schema: currencyCode, description: 'An ISO 4217 currency a client pays in.' },
  { id: 'Money', schema: money, description: 'An amount in integer minor units of its currency.', docs: MONEY_DOCS },
  { id: 'Contact', schema: contact, description: 'Who an email goes to.', docs: CONTACT_DOCS },
];

interface EventDoc {
  topic: Topic;
  id: string;
  schema: z.ZodObject;
  title: string;
  summary: string;
  docs: Record<string, string>;
  /** Descriptions of the fields of an object field (`trigger`, `reason`). */
  nestedDocs?: Record<string, Record<string, string>>;
  example: { name: string; summary: string; payload: object };
}

const EVENTS: EventDoc[] = [
  {
    topic: TOPICS.PACKAGE_BOOKED,
    id: 'PackageBooked',
    schema: packageBookedSchema,
    title: 'Package booked',
    summary: 'A client checked out a package of sessions with a coach.',
    docs: PACKAGE_BOOKED_DOCS,
    example: { name: 'three-sessions', summary: 'Three sessions for USD 250.00: the rate is USD 83.33.', payload: aPackageBooked() },
  },
  {
    topic: TOPICS.SESSION_COMPLETED,
    id: 'SessionCompleted',
    schema: sessionCompletedSchema,
    title: 'Session completed',
    summary: 'The coach marked a session complete.',
    docs: SESSION_COMPLETED_DOCS,
    example: { name: 'from-a-package', summary: 'A session of package p1 completed.', payload: aSessionCompleted({ packageId: 'p1' }) },
  },
  {
    topic: TOPICS.SESSION_AUTOBOOKED,
    id: 'SessionAutobooked',
    schema: sessionAutobookedSchema,
    title: 'Session autobooked',
    summary: 'One more session was booked for a pair, at the rate of its last package (R5).',
    docs: SESSION_AUTOBOOKED_DOCS,
    nestedDocs: { trigger: TRIGGER_DOCS },
    example: { name: 'after-a-completion', summary: 'The last session on deck was completed.', payload: aSessionAutobooked() },
  },
  {
    topic: TOPICS.SESSION_COMPLETION_REVERTED,
    id: 'SessionCompletionReverted',
    schema: sessionCompletionRevertedSchema,
    title: 'Session completion reverted',
    summary: 'A session was marked complete by mistake: it counts as not completed again (R15).',
    docs: SESSION_COMPLETION_REVERTED_DOCS,
    example: { name: 'by-mistake', summary: 'The coach undid the completion of s1.', payload: aSessionCompletionReverted() },
  },
  {
    topic: TOPICS.PAYMENT_FAILED,
    id: 'PaymentFailed',
    schema: paymentFailedSchema,
    title: 'Payment failed',
    summary: 'The payment for an autobook did not go through: the pair is on hold until it succeeds (R16).',
    docs: PAYMENT_FAILED_DOCS,
    example: { name: 'card-declined', summary: 'The card was declined for autobook-1.', payload: aPaymentFailed() },
  },
  {
    topic: TOPICS.PAYMENT_SUCCEEDED,
    id: 'PaymentSucceeded',
    schema: paymentSucceededSchema,
    title: 'Payment succeeded',
    summary: 'The payment for an autobook went through; the last one ends the hold (R16).',
    docs: PAYMENT_SUCCEEDED_DOCS,
    example: { name: 'after-a-retry', summary: 'autobook-1 was paid.', payload: aPaymentSucceeded() },
  },
  {
    topic: TOPICS.SESSION_AUTOBOOK_UPCOMING,
    id: 'SessionAutobookUpcoming',
    schema: sessionAutobookUpcomingSchema,
    title: 'Session autobook upcoming',
    summary: 'The next completed session of a pair will book the first session after its last package (R13).',
    docs: SESSION_AUTOBOOK_UPCOMING_DOCS,
    example: { name: 'one-left', summary: 'One session of the package is left on deck.', payload: aSessionAutobookUpcoming() },
  },
  {
    topic: TOPICS.SESSION_AUTOBOOK_VOIDED,
    id: 'SessionAutobookVoided',
    schema: sessionAutobookVoidedSchema,
    title: 'Session autobook voided',
    summary: 'An autobook was taken back because the completion that triggered it was undone; cancel and refund it (R15).',
    docs: SESSION_AUTOBOOK_VOIDED_DOCS,
    nestedDocs: { reason: VOID_REASON_DOCS },
    example: { name: 'completion-reverted', summary: 'The completion of s1 was undone.', payload: aSessionAutobookVoided() },
  },
];

/** The payload schemas, as JSON Schema (draft 07, the base of AsyncAPI Schema), with shared parts as $refs. */
function payloadSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const shared of SHARED_SCHEMAS) registry.add(shared.schema, { id: shared.id });
  for (const event of EVENTS) registry.add(event.schema, { id: event.id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-07',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      // The refine of the currency code has no JSON Schema form: spell the ISO 4217 list out.
      if (ctx.zodSchema === currencyCode) ctx.jsonSchema.enum = [...CURRENCIES].sort();
    },
  });
  const out: Record<string, JsonSchema> = {};
  for (const { id, description, docs } of SHARED_SCHEMAS) out[id] = documented(schemas[id], description, docs);
  for (const event of EVENTS) {
    const schema = documented(schemas[event.id], event.summary, event.docs);
    const properties = schema.properties as Record<string, JsonSchema>;
    for (const [field, docs] of Object.entries(event.nestedDocs ?? {})) {
      properties[field] = documented(properties[field], event.docs[field], docs);
    }
    out[event.id] = schema;
  }
  return out;
}

function documented(generated: JsonSchema, description: string, fieldDocs?: Record<string, string>): JsonSchema {
  const { $schema: _schema, $id: _id, ...schema } = generated;
  const result: JsonSchema = { description, ...schema };
  if (fieldDocs) {
    const properties = schema.properties as Record<string, JsonSchema>;
    result.properties = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, { description: fieldDocs[name], ...property }]));
  }
  return result;
}

/** `package.booked` -> `packageBooked`; `package.booked.dlq` -> `packageBookedDlq`. */
function channelId(address: string): string {
  return address.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase());
}

function pascal(address: string): string {
  const id = channelId(address);
  return id[0].toUpperCase() + id.slice(1);
}

const DLQ_HEADER_SCHEMAS: Record<(typeof DLQ_HEADERS)[keyof typeof DLQ_HEADERS], JsonSchema> = {
  [DLQ_HEADERS.REASON]: {
    type: 'string',
    minLength: 1,
    maxLength: 1000,
    description:
      "Why the message was moved, human-readable (which field breaks the contract, not JSON, wrong key); at most 1,000 characters, never a whole key or value. A message's own dlq-* headers are renamed incoming-dlq-* so none passes for ours.",
  },
  [DLQ_HEADERS.SOURCE_TOPIC]: {
    type: 'string',
    minLength: 1,
    description: 'The topic the message was read from (its real name, KAFKA_TOPIC_PREFIX included).',
  },
  [DLQ_HEADERS.SOURCE_PARTITION]: { type: 'string', pattern: '^[0-9]+$', description: 'Its partition there, in decimal.' },
  [DLQ_HEADERS.SOURCE_OFFSET]: { type: 'string', pattern: '^[0-9]+$', description: 'Its offset there, in decimal.' },
  [DLQ_HEADERS.FAILED_AT]: { type: 'string', format: 'date-time', description: 'When it was moved (ISO 8601, UTC).' },
  [DLQ_HEADERS.TRUNCATED]: {
    type: 'string',
    const: 'true',
    description:
      'Only on a letter too big for the DLQ topic: its value was cut to fit (original headers over 16 KB left off, a key over half the limit cut). The original stays at its source offset while the topic retains it.',
  },
  [DLQ_HEADERS.ORIGINAL_BYTES]: { type: 'string', pattern: '^[0-9]+$', description: 'With dlq-truncated: the size in bytes of the original value.' },
  [DLQ_HEADERS.ORIGINAL_SHA256]: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'With dlq-truncated: the SHA-256 (hex) of the original value.' },
};

const APPS = {
  ONGOING_TRAINING: { tag: 'ongoing-training', groupId: 'ongoing-training' },
  NOTIFIER: { tag: 'notifier', groupId: 'notifier' },
} as const;

type App = (typeof APPS)[keyof typeof APPS];

interface OperationSpec {
  app: App;
  action: 'send' | 'receive';
  address: string;
  summary: string;
  description: string;
  /** The consumer group, when not the app's own (KAFKA_GROUP_ID). */
  group?: { id: string; description: string };
}

const OPERATIONS: OperationSpec[] = [
  {
    app: APPS.ONGOING_TRAINING,
    action: 'receive',
    address: TOPICS.PACKAGE_BOOKED,
    summary: 'Applies a package: adds its sessions, may set a new rate and the switch, may autobook one session.',
    description: 'Duplicates (same eventId or packageId) change nothing (R10). A message that breaks the contract is moved to package.booked.dlq (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'receive',
    address: TOPICS.SESSION_COMPLETED,
    summary: 'Applies a completed session: one fewer on deck, may autobook one session.',
    description: 'Duplicates (same eventId or sessionId) change nothing (R10). A message that breaks the contract is moved to session.completed.dlq (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: TOPICS.SESSION_AUTOBOOKED,
    summary: 'Publishes each autobook once it is stored (outbox), at least once; consumers dedupe on eventId.',
    description: 'An enrolled pair whose on deck reaches exactly 0 gets exactly one session at the rate of its last package (R5).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: dlqTopic(TOPICS.PACKAGE_BOOKED),
    summary: 'Moves a package.booked that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: dlqTopic(TOPICS.SESSION_COMPLETED),
    summary: 'Moves a session.completed that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'receive',
    address: TOPICS.SESSION_COMPLETION_REVERTED,
    summary: 'Applies an undone completion: one more on deck; voids the latest autobook when that completion triggered it (R15).',
    description:
      'Reverting the same session twice changes nothing; a revert before its completion waits for it (R11). A message that breaks the contract is moved to session.completion.reverted.dlq (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'receive',
    address: TOPICS.PAYMENT_FAILED,
    summary: 'Puts the pair on hold: nothing is autobooked while one of its autobooks has a failed payment not followed by a success (R16).',
    description: 'A message that breaks the contract is moved to payment.failed.dlq (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'receive',
    address: TOPICS.PAYMENT_SUCCEEDED,
    summary: 'Ends the hold of an autobook; when it was the last one, the pair is evaluated again (trigger payment.succeeded, R16).',
    description: 'A message that breaks the contract is moved to payment.succeeded.dlq (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: TOPICS.SESSION_AUTOBOOK_UPCOMING,
    summary: 'Publishes a heads-up once per pair and sequence before the first autobook after a package (R13).',
    description: 'At least once, with a stable eventId; consumers dedupe on it.',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: TOPICS.SESSION_AUTOBOOK_VOIDED,
    summary: 'Publishes the void of an autobook whose triggering completion was undone; booking and billing cancel and refund it (R15).',
    description: 'At least once, one stable eventId per voided autobook; consumers dedupe on it.',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: dlqTopic(TOPICS.SESSION_COMPLETION_REVERTED),
    summary: 'Moves a session.completion.reverted that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: dlqTopic(TOPICS.PAYMENT_FAILED),
    summary: 'Moves a payment.failed that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it (R12).',
  },
  {
    app: APPS.ONGOING_TRAINING,
    action: 'send',
    address: dlqTopic(TOPICS.PAYMENT_SUCCEEDED),
    summary: 'Moves a payment.succeeded that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it (R12).',
  },
  {
    app: APPS.NOTIFIER,
    action: 'receive',
    address: TOPICS.SESSION_AUTOBOOKED,
    summary: 'Emails the coach and the client about each autobook, once per eventId (R9, R10).',
    description: 'A message that breaks the contract is moved to session.autobooked.dlq.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'send',
    address: dlqTopic(TOPICS.SESSION_AUTOBOOKED),
    summary: 'Moves a session.autobooked that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'receive',
    address: TOPICS.SESSION_AUTOBOOK_UPCOMING,
    summary: 'Emails the client the heads-up before the first autobook after a package, once per eventId (R13).',
    description: 'A message that breaks the contract is moved to session.autobook.upcoming.dlq.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'receive',
    address: TOPICS.SESSION_AUTOBOOK_VOIDED,
    summary: 'Emails the coach and the client that the autobook was cancelled and why, once per eventId (R15).',
    description: 'A message that breaks the contract is moved to session.autobook.voided.dlq.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'receive',
    address: TOPICS.PAYMENT_FAILED,
    group: {
      id: `${APPS.NOTIFIER.groupId}.payment-failed`,
      description:
        'KAFKA_GROUP_ID + ".payment-failed" (this is its default): a group of its own, so that a failure waiting for its autobook never holds back session.autobooked.',
    },
    summary: 'Emails the client (the session, the amount, where to update the payment method) and the coach, once per failed autobook (R16).',
    description:
      'Names, addresses and amount come from the session.autobooked the notifier recorded under autobookEventId. A failure for an autobook it has not seen is retried for a while (PAYMENT_FAILED_AUTOBOOK_WAIT_MS), then moved to payment.failed.dlq; so is one whose pair differs from its autobook.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'send',
    address: dlqTopic(TOPICS.SESSION_AUTOBOOK_UPCOMING),
    summary: 'Moves a session.autobook.upcoming that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'send',
    address: dlqTopic(TOPICS.SESSION_AUTOBOOK_VOIDED),
    summary: 'Moves a session.autobook.voided that is not valid JSON or breaks its contract here, unchanged.',
    description: 'Consumption goes on after it.',
  },
  {
    app: APPS.NOTIFIER,
    action: 'send',
    address: dlqTopic(TOPICS.PAYMENT_FAILED),
    summary: 'Moves a payment.failed that breaks its contract, or whose autobook stays unknown or belongs to another pair, here, unchanged.',
    description:
      'Consumption goes on after it. Both apps consume payment.failed, each in its own group: a message that breaks the contract is dead-lettered by each.',
  },
];

function operationId(operation: OperationSpec): string {
  const verb = operation.action === 'send' ? 'Sends' : 'Receives';
  const thing = operation.address.endsWith('.dlq') ? `${pascal(operation.address.slice(0, -4))}DeadLetter` : pascal(operation.address);
  return `${channelId(operation.app.tag)}${verb}${thing}`;
}

/** The AsyncAPI 3.0.0 document of the Kafka contracts of both apps. Pure JSON: it is written out as YAML. */
export function buildAsyncApiDocument(): object {
  const channels: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  const messageRefOf: Record<string, string> = {};

  for (const event of EVENTS) {
    const channel = channelId(event.topic);
    const message = channelId(event.topic);
    messages[event.id] = {
      name: event.topic,
      title: event.title,
      summary: event.summary,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${event.id}` },
      bindings: {
        kafka: {
          key: {
            type: 'string',
            minLength: 1,
            maxLength: 200,
            description: 'The clientId of the payload: every message of a pair lands on one partition, in order.',
          },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
      examples: [event.example],
    };
    channels[channel] = {
      address: event.topic,
      title: event.title,
      description: `${event.summary} JSON in UTF-8, keyed by clientId. Unknown extra fields are ignored. Topic names get KAFKA_TOPIC_PREFIX in front (empty in production).`,
      messages: { [message]: { $ref: `#/components/messages/${event.id}` } },
    };
    messageRefOf[event.topic] = `#/channels/${channel}/messages/${message}`;

    const dlq = dlqTopic(event.topic);
    channels[channelId(dlq)] = {
      address: dlq,
      title: `${event.title}: dead letters`,
      description: `Messages of ${event.topic} that are not valid JSON or break its contract, moved here unchanged with why and where they came from (R12).`,
      messages: { deadLetter: { $ref: '#/components/messages/DeadLetter' } },
    };
    messageRefOf[dlq] = `#/channels/${channelId(dlq)}/messages/deadLetter`;
  }

  messages.DeadLetter = {
    name: 'dead-letter',
    title: 'Dead letter',
    summary: 'A message that could not be applied: the original key and value, byte for byte, and headers saying why.',
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      description: 'Why the message was moved and where it came from. The original headers are kept beside these.',
      // The truncation headers appear only on a letter that was cut.
      required: Object.keys(DLQ_HEADER_SCHEMAS).filter(
        (name) => ![DLQ_HEADERS.TRUNCATED, DLQ_HEADERS.ORIGINAL_BYTES, DLQ_HEADERS.ORIGINAL_SHA256].includes(name as never),
      ),
      properties: DLQ_HEADER_SCHEMAS,
    },
    payload: { description: 'The original value, byte for byte: anything, not necessarily JSON nor UTF-8.' },
    bindings: {
      kafka: {
        key: { description: 'The original key, byte for byte (normally the clientId; a missing or wrong key is one reason to be here).' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };

  const operations: Record<string, JsonSchema> = {};
  for (const operation of OPERATIONS) {
    operations[operationId(operation)] = {
      action: operation.action,
      channel: { $ref: `#/channels/${channelId(operation.address)}` },
      summary: operation.summary,
      description: operation.description,
      tags: [{ name: operation.app.tag }],
      messages: [{ $ref: messageRefOf[operation.address] }],
      ...(operation.action === 'receive'
        ? {
            bindings: {
              kafka: {
                groupId: operation.group
                  ? { type: 'string', enum: [operation.group.id], description: operation.group.description }
                  : { type: 'string', enum: [operation.app.groupId], description: 'KAFKA_GROUP_ID (this is its default).' },
                bindingVersion: KAFKA_BINDING_VERSION,
              },
            },
          }
        : {}),
    };
  }

  const document = {
    asyncapi: '3.0.0',
    info: {
      title: 'Ongoing Training events',
      version: CONTRACTS_VERSION,
      description: [
        'The Kafka contracts of Ongoing Training (shared/spec/ongoing-training.md): the inputs ongoing-training',
        'reads, the autobooks, heads-ups and voids it publishes for the notifier and the booking and billing',
        'services, and the dead letters of both apps. Operations are tagged with the app that performs them.',
        '',
        `Generated from libs/contracts by \`${ASYNCAPI_REGENERATE_COMMAND}\`: do not edit by hand.`,
      ].join('\n'),
      tags: [
        { name: APPS.ONGOING_TRAINING.tag, description: 'Keeps one session on deck for every enrolled client-coach pair.' },
        { name: APPS.NOTIFIER.tag, description: 'Emails the coach and the client about every autobook, heads-up, void and failed payment.' },
      ],
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'The default of KAFKA_BROKERS (a comma-separated list of host:port).',
      },
    },
    channels,
    operations,
    components: { schemas: payloadSchemas(), messages },
  };
  // Plain JSON, so that the committed YAML and this object compare equal.
  return JSON.parse(JSON.stringify(document));
}
