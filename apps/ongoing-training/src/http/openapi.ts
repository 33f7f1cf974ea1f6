import {
  contact,
  CURRENCIES,
  currencyCode,
  enrollmentRequestSchema,
  pauseRequestSchema,
  HTTP_ERROR_CODES,
  idString,
  money,
  sessionAutobookedSchema,
  timestamp,
} from '#contracts';
import { z } from 'zod';
import type { HistoryEntry, NoAutobookReason, PairView } from '../domain/index.js';

// The OpenAPI 3.1 document of the HTTP API (shared/spec/ongoing-training.md, "HTTP contract"), served at
// GET /openapi.json. Bodies are JSON Schema generated from zod: the contracts' schemas for what they cover,
// and below, schemas of the response shapes that the compiler holds to the domain's types.

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** Mutual assignability: a `true` of this type compiles only while the two types say the same. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const count = z.number().int();

const pairViewSchema = z.object({
  coachId: idString,
  enrolled: z.boolean(),
  autoRenewalOffered: z.boolean(),
  rate: money.nullable(),
  ratePackageId: idString.nullable(),
  sessionsOnDeck: count,
  pausedUntil: timestamp.nullable(),
  paymentPending: z.array(idString),
  updatedAt: timestamp.nullable(),
});
const PAIR_VIEW_MATCHES_DOMAIN: Same<z.output<typeof pairViewSchema>, PairView> = true;

const clientOngoingTrainingSchema = z.object({ clientId: idString, coaches: z.array(pairViewSchema) });

const enrollmentResponseSchema = pairViewSchema.extend({ autobooked: sessionAutobookedSchema.optional() });

const NO_AUTOBOOK_REASONS = ['not-enrolled', 'sessions-on-deck', 'auto-renewal-not-offered', 'paused', 'payment-pending', 'waiting-for-package'] as const;
const NO_AUTOBOOK_REASONS_MATCH_DOMAIN: Same<(typeof NO_AUTOBOOK_REASONS)[number], NoAutobookReason> = true;

const historyInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('package.booked'), eventId: idString, occurredAt: timestamp, packageId: idString }),
  z.object({ type: z.literal('session.completed'), eventId: idString, occurredAt: timestamp, sessionId: idString }),
  z.object({ type: z.literal('session.completion.reverted'), eventId: idString, occurredAt: timestamp, sessionId: idString }),
  z.object({ type: z.enum(['payment.failed', 'payment.succeeded']), eventId: idString, occurredAt: timestamp, autobookEventId: idString }),
  z.object({ type: z.literal('enrollment'), enrolled: z.boolean() }),
  z.object({ type: z.literal('pause'), until: timestamp }),
  z.object({ type: z.literal('resume'), cause: z.enum(['api', 'time']) }),
]);
const rateRefSchema = z.object({ packageId: idString, rate: money });
const fromTo = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value });
const pairChangesSchema = z.object({
  packageAdded: z
    .object({
      packageId: idString,
      eventId: idString,
      occurredAt: timestamp,
      sessionCount: count,
      price: money,
      rate: money,
      autoRenewal: z.boolean(),
      client: contact,
      coach: contact,
    })
    .optional(),
  sessionCompleted: idString.optional(),
  rate: z.object({ from: rateRefSchema.nullable(), to: rateRefSchema }).optional(),
  autoRenewalOffered: fromTo(z.boolean()).optional(),
  enrolled: fromTo(z.boolean()).optional(),
  enrolledChangedAt: timestamp.optional(),
  completionReverted: z.object({ sessionId: idString, pending: z.boolean() }).optional(),
  voided: z.object({ sequence: count.min(1), eventId: idString, autobookEventId: idString, rate: money }).optional(),
  payment: z
    .object({ autobookEventId: idString, sequence: count.min(1), status: z.enum(['failed', 'succeeded']), occurredAt: timestamp, eventId: idString })
    .optional(),
  pausedUntil: fromTo(timestamp.nullable()).optional(),
  headsUp: z.object({ sequence: count.min(1), eventId: idString }).optional(),
  checkoutSwitchIgnored: z.object({ requested: z.boolean(), enrolledChangedAt: timestamp }).optional(),
  sessionsOnDeck: fromTo(count),
});
const entryBase = { at: timestamp, input: historyInputSchema, changes: pairChangesSchema };
const autobookedEntrySchema = z.object({
  ...entryBase,
  outcome: z.literal('autobooked'),
  autobook: z.object({
    sequence: count.min(1),
    eventId: idString,
    rate: money,
    ratePackageId: idString,
    trigger: sessionAutobookedSchema.shape.trigger,
  }),
});
const noAutobookEntrySchema = z.object({ ...entryBase, outcome: z.literal('no-autobook'), reason: z.enum(NO_AUTOBOOK_REASONS) });
const historyEntrySchema = z.discriminatedUnion('outcome', [autobookedEntrySchema, noAutobookEntrySchema]);
const HISTORY_ENTRY_MATCHES_DOMAIN: Same<z.output<typeof historyEntrySchema>, HistoryEntry> = true;

const historySchema = z.object({ clientId: idString, coachId: idString, entries: z.array(historyEntrySchema), next: z.string().nullable() });

const errorSchema = z.object({ code: z.enum(HTTP_ERROR_CODES), message: z.string() });

const livenessSchema = z.object({ status: z.enum(['live', 'not-live']), failing: z.array(z.string()).optional() });
const readinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.record(z.string(), z.enum(['up', 'down'])),
});

void [PAIR_VIEW_MATCHES_DOMAIN, NO_AUTOBOOK_REASONS_MATCH_DOMAIN, HISTORY_ENTRY_MATCHES_DOMAIN];

/** Components: the zod schema, what it is, and a description per field. */
const COMPONENTS: { id: string; schema: z.ZodType; description: string; fields?: Record<string, string> }[] = [
  { id: 'Id', schema: idString, description: 'An id: not empty, at most 200 characters.' },
  { id: 'Timestamp', schema: timestamp, description: 'ISO 8601 date and time with a zone (2026-11-24T18:30:00Z).' },
  { id: 'Currency', schema: currencyCode, description: 'An ISO 4217 currency a client pays in.' },
  {
    id: 'Money',
    schema: money,
    description: 'An amount in integer minor units of its currency: no floats anywhere in money.',
    fields: { amount: 'Integer minor units (cents for USD, yen for JPY).', currency: 'ISO 4217 code.' },
  },
  { id: 'Contact', schema: contact, description: 'Who an email goes to.' },
  {
    id: 'PairView',
    schema: pairViewSchema,
    description: "One coach's entry: the switch, the rate and what is on deck.",
    fields: {
      coachId: 'The coach of the pair.',
      enrolled: "The client's Ongoing Training switch for this coach.",
      autoRenewalOffered: 'false while the last package is a custom package without auto-renewal (R6).',
      rate: 'The per-session rate of the last package (R3, R4); null before any package.',
      ratePackageId: 'The package whose rate applies; null before any package.',
      sessionsOnDeck: 'Sessions booked and not yet completed; below 0 while completions wait for their package (R11).',
      updatedAt: 'When an input last changed the pair.',
    },
  },
  {
    id: 'ClientOngoingTraining',
    schema: clientOngoingTrainingSchema,
    description: "A client's Ongoing Training, per coach. A coach sees only their own entry.",
    fields: { clientId: 'The client.', coaches: 'One entry per coach the client has a known pair with.' },
  },
  {
    id: 'EnrollmentRequest',
    schema: enrollmentRequestSchema,
    description: 'Turns the switch on or off (R2). No other field is accepted.',
    fields: { enrolled: "The client's Ongoing Training switch for that coach." },
  },
  {
    id: 'PauseRequest',
    schema: pauseRequestSchema,
    description: 'Pauses auto-booking until a time (R14). No other field is accepted.',
    fields: { until: 'When auto-booking resumes by itself: an ISO 8601 time with a zone, after now, at most 180 days ahead.' },
  },
  { id: 'SessionAutobooked', schema: sessionAutobookedSchema, description: 'The session.autobooked payload (docs/asyncapi.yaml).' },
  {
    id: 'EnrollmentResponse',
    schema: enrollmentResponseSchema,
    description: "That coach's entry after the switch.",
    fields: { autobooked: 'Present when turning the switch on booked one session at once (R5: on deck was 0).' },
  },
  { id: 'HistoryInput', schema: historyInputSchema, description: 'The input an entry is about, reduced to the ids ops search by.' },
  { id: 'RateRef', schema: rateRefSchema, description: 'A rate and the package it comes from.' },
  {
    id: 'PairChanges',
    schema: pairChangesSchema,
    description: 'What an input changed. Only sessionsOnDeck is always there; it counts the autobook the input made.',
    fields: {
      packageAdded: 'The package the input added, with its rate (R3).',
      sessionCompleted: 'The session the input completed.',
      rate: 'The last package (R4) changed, and with it the rate of later autobooks (R7).',
      autoRenewalOffered: 'Whether auto-renewal is offered changed (R6).',
      enrolled: 'The switch changed.',
      enrolledChangedAt: 'The switch register moved: the time of the choice that now holds (R2, R8).',
      completionReverted: 'A completion was undone (R15); pending: it had not arrived yet, and is cancelled out when it does.',
      voided: 'The latest autobook was taken back because the completion that made it was undone (R15).',
      payment: 'How the charge of an autobook went, as now known (R16: the latest by occurredAt).',
      pausedUntil: 'Auto-booking paused until, or no longer (R14).',
      headsUp: 'A heads-up was published for the next autobook (R13).',
      checkoutSwitchIgnored: 'A checkout chose the switch, but a newer choice had already been made (R2, R8).',
      sessionsOnDeck: 'On deck before and after the input.',
    },
  },
  {
    id: 'AutobookedEntry',
    schema: autobookedEntrySchema,
    description: 'An input after which one session was booked (R5).',
    fields: { at: 'When the decision was made.', input: 'The input.', changes: 'What it changed.', outcome: 'autobooked.', autobook: 'The session booked.' },
  },
  {
    id: 'NoAutobookEntry',
    schema: noAutobookEntrySchema,
    description: 'An input after which nothing was booked, and why.',
    fields: { at: 'When the decision was made.', input: 'The input.', changes: 'What it changed.', outcome: 'no-autobook.', reason: 'Why nothing was booked.' },
  },
  { id: 'HistoryEntry', schema: historyEntrySchema, description: 'One decision: one entry per input applied (event or switch).' },
  {
    id: 'History',
    schema: historySchema,
    description: "The pair's decisions, newest first.",
    fields: {
      clientId: 'The client.',
      coachId: 'The coach.',
      entries: 'Newest first, at most `limit` of them.',
      next: 'The cursor of the next (older) page, to pass as `before`; null on the last page.',
    },
  },
  {
    id: 'Error',
    schema: errorSchema,
    description: 'Every error of the API.',
    fields: { code: 'What went wrong, for programs.', message: 'What went wrong, for people.' },
  },
  {
    id: 'Liveness',
    schema: livenessSchema,
    description: 'The process answers, and its consumer makes progress when it has work.',
    fields: {
      status: 'live, or not-live (then the status code is 503: restart the process).',
      failing: 'What is wrong: consumer-progress when a chunk made no progress for CONSUMER_STALL_MS.',
    },
  },
  {
    id: 'Readiness',
    schema: readinessSchema,
    description: 'Ready only when Kafka and MongoDB are reachable.',
    fields: { status: 'ready, or not-ready (then the status code is 503).', checks: 'Each dependency: up or down.' },
  },
];

type JsonSchema = Record<string, unknown>;

function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const { id, schema } of COMPONENTS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    // Input: objects stay open to new fields (a client must not break on one), except strict request bodies.
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    override: (ctx) => {
      // The refine of the currency code has no JSON Schema form: spell the ISO 4217 list out.
      if (ctx.zodSchema === currencyCode) ctx.jsonSchema.enum = [...CURRENCIES].sort();
    },
  });
  return Object.fromEntries(
    COMPONENTS.map(({ id, description, fields }) => {
      const { $schema: _schema, $id: _id, ...schema } = schemas[id] as JsonSchema;
      const properties = schema.properties as Record<string, JsonSchema> | undefined;
      if (fields && properties) {
        for (const [name, text] of Object.entries(fields)) properties[name] = { description: text, ...properties[name] };
      }
      return [id, { description, ...schema }];
    }),
  );
}

const ERROR_MESSAGES: Record<HttpErrorCode, string> = {
  UNAUTHORIZED: 'a Bearer token is required',
  INVALID_TOKEN: 'the token is malformed or badly signed',
  TOKEN_EXPIRED: 'the token has expired',
  FORBIDDEN: 'this pair is not yours to see',
  INVALID_BODY: 'expected { "enrolled": boolean }',
  INVALID_PARAMETER: 'clientId must be 1 to 200 characters',
  NOT_FOUND: 'nothing is known about this pair',
  PACKAGE_REQUIRED: 'client c1 has no package with coach k1 yet: book one before turning Ongoing Training on',
  AUTO_RENEWAL_NOT_OFFERED: 'the last package p7 of client c1 with coach k1 does not offer auto-renewal',
  NOT_ENROLLED: 'client c1 does not have Ongoing Training on with coach k1: there is nothing to pause',
  UNAVAILABLE: 'the service could not complete the request; try again',
  INTERNAL: 'the service failed to complete the request',
  RATE_LIMITED: 'too many requests: at most 30 a minute; try again in 42 s',
};

const STATUS_TEXT: Record<number, string> = {
  400: 'A path parameter or the body is not valid.',
  401: 'The Bearer token is missing, malformed, badly signed or expired, has no exp, lives longer than AUTH_JWT_MAX_TTL, or has another iss or aud than AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE (when set); 30 s of clock tolerance.',
  403: 'A client asking about another client, a coach asking about a pair that is not theirs, or a coach writing.',
  404: 'Nothing is known about this pair.',
  409: 'A rule of Ongoing Training refuses the change.',
  413: 'The body is larger than the API reads (100 KB).',
  429: "This subject (the token's sub, or the address without a valid token) sent more than its share: RATE_LIMIT_READS_PER_MINUTE reads (GET, default 600) or RATE_LIMIT_WRITES_PER_MINUTE writes (default 30) a minute. Retry-After says when to try again.",
  500: 'The service failed; the body says nothing more (the failure is logged).',
  503: 'A dependency (MongoDB, Kafka) is away or another writer came first; try again.',
};

/** An error response whose `code` is one of `codes`, with an example of each. */
function errorResponse(status: number, codes: HttpErrorCode[], details: Partial<Record<HttpErrorCode, string>> = {}): object {
  return {
    description: [STATUS_TEXT[status], ...codes.filter((c) => details[c]).map((c) => `${c}: ${details[c]}`)].join(' '),
    content: {
      'application/json': {
        schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { code: { enum: codes } } }] },
        examples: Object.fromEntries(codes.map((code) => [code, { value: { code, message: ERROR_MESSAGES[code] } }])),
      },
    },
  };
}

const AUTH_ERRORS = {
  401: errorResponse(401, ['UNAUTHORIZED', 'INVALID_TOKEN', 'TOKEN_EXPIRED'], {
    UNAUTHORIZED: 'no Bearer token.',
    INVALID_TOKEN: 'malformed, badly signed, without the claims sub, role and exp, living too long, or for another issuer or audience.',
    TOKEN_EXPIRED: 'the token has expired.',
  }),
  403: errorResponse(403, ['FORBIDDEN']),
};
const SERVER_ERRORS = { 500: errorResponse(500, ['INTERNAL']), 503: errorResponse(503, ['UNAVAILABLE']) };
const RATE_LIMITED = {
  429: {
    ...errorResponse(429, ['RATE_LIMITED']),
    headers: { 'Retry-After': { description: 'Seconds until this subject may send again.', schema: { type: 'integer', minimum: 1 } } },
  },
};

const json = (schema: string, extra: object = {}) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schema}` }, ...extra } });

const pathParameter = (name: 'clientId' | 'coachId', description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { $ref: '#/components/schemas/Id' },
});
const CLIENT_ID = pathParameter('clientId', 'The client.');
const COACH_ID = pathParameter('coachId', 'The coach.');

/** The OpenAPI 3.1 document of the ongoing-training HTTP API. Pure JSON. */
export function buildOpenApiDocument(): object {
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Ongoing Training API',
      version: '1.0.0',
      description: [
        "A client's Ongoing Training switch per coach, and the decisions made for each client-coach pair",
        '(shared/spec/ongoing-training.md). Every /v1 route needs `Authorization: Bearer <JWT>`; errors are',
        '`{ "code", "message" }`.',
      ].join('\n'),
    },
    tags: [
      { name: 'ongoing-training', description: 'The switch and the decisions of a pair.' },
      { name: 'operations', description: 'Health and this document: no token.' },
    ],
    security: [{ bearerAuth: [] }],
    paths: {
      '/v1/clients/{clientId}/ongoing-training': {
        get: {
          operationId: 'listOngoingTraining',
          tags: ['ongoing-training'],
          summary: "The client's Ongoing Training, per coach",
          description: 'A client reads their own; a coach reads only their own entry; ops read any.',
          parameters: [CLIENT_ID],
          responses: {
            200: { description: 'One entry per coach (none when nothing is known).', content: json('ClientOngoingTraining') },
            400: errorResponse(400, ['INVALID_PARAMETER'], { INVALID_PARAMETER: 'clientId is empty or longer than 200 characters.' }),
            ...AUTH_ERRORS,
            ...RATE_LIMITED,
            ...SERVER_ERRORS,
          },
        },
      },
      '/v1/clients/{clientId}/ongoing-training/{coachId}': {
        put: {
          operationId: 'setOngoingTraining',
          tags: ['ongoing-training'],
          summary: 'Turns Ongoing Training on or off for one coach',
          description: [
            'The client themself or ops; never a coach. Turning it on while nothing is on deck books one session',
            'at once (R5) and the answer carries it as `autobooked`. Once turned off has answered 200, no further',
            'session is booked for the pair until it is turned on again (R8).',
          ].join(' '),
          parameters: [CLIENT_ID, COACH_ID],
          requestBody: { required: true, content: json('EnrollmentRequest') },
          responses: {
            200: { description: "That coach's entry, and the session booked at once if any.", content: json('EnrollmentResponse') },
            400: errorResponse(400, ['INVALID_BODY', 'INVALID_PARAMETER'], {
              INVALID_BODY: 'the body is not JSON or not exactly { "enrolled": boolean }.',
              INVALID_PARAMETER: 'clientId or coachId is empty or longer than 200 characters.',
            }),
            ...AUTH_ERRORS,
            ...RATE_LIMITED,
            413: errorResponse(413, ['INVALID_BODY'], { INVALID_BODY: 'the body is larger than 100 KB.' }),
            409: errorResponse(409, ['PACKAGE_REQUIRED', 'AUTO_RENEWAL_NOT_OFFERED'], {
              PACKAGE_REQUIRED: 'turning it on or off before any package with that coach is known (R1).',
              AUTO_RENEWAL_NOT_OFFERED: 'turning it on while the last package does not offer auto-renewal (R6).',
            }),
            ...SERVER_ERRORS,
          },
        },
      },
      '/v1/clients/{clientId}/ongoing-training/{coachId}/pause': {
        put: {
          operationId: 'pauseOngoingTraining',
          tags: ['ongoing-training'],
          summary: 'Pauses auto-booking with one coach until a time (R14)',
          description: [
            'The client themself or ops. Until then nothing is booked automatically (reason `paused`) and the switch stays on;',
            'a new pause replaces the time; turning the switch off ends it. At `until` (within 60 s) the pair is evaluated',
            'again, and a session is booked then if none is on deck (trigger `resume`).',
          ].join(' '),
          parameters: [CLIENT_ID, COACH_ID],
          requestBody: { required: true, content: json('PauseRequest') },
          responses: {
            200: { description: "That coach's entry, with `pausedUntil`.", content: json('EnrollmentResponse') },
            400: errorResponse(400, ['INVALID_BODY', 'INVALID_PARAMETER'], {
              INVALID_BODY: 'the body is not exactly { "until": time }, or until is not after now and at most 180 days ahead.',
              INVALID_PARAMETER: 'clientId or coachId is empty or longer than 200 characters.',
            }),
            ...AUTH_ERRORS,
            409: errorResponse(409, ['NOT_ENROLLED'], { NOT_ENROLLED: 'Ongoing Training is not on for this pair.' }),
            ...RATE_LIMITED,
            413: errorResponse(413, ['INVALID_BODY'], { INVALID_BODY: 'the body is larger than 100 KB.' }),
            ...SERVER_ERRORS,
          },
        },
        delete: {
          operationId: 'resumeOngoingTraining',
          tags: ['ongoing-training'],
          summary: 'Ends the pause now (R14)',
          description:
            'The client themself or ops. The pair is evaluated again at once: with nothing on deck, a session is booked (trigger `resume`) and the answer carries it as `autobooked`. Ending a pair that is not paused changes nothing.',
          parameters: [CLIENT_ID, COACH_ID],
          responses: {
            200: { description: "That coach's entry, and the session booked at once if any.", content: json('EnrollmentResponse') },
            400: errorResponse(400, ['INVALID_PARAMETER'], { INVALID_PARAMETER: 'clientId or coachId is empty or longer than 200 characters.' }),
            ...AUTH_ERRORS,
            409: errorResponse(409, ['NOT_ENROLLED'], { NOT_ENROLLED: 'no package is known for this pair: it has no switch to pause.' }),
            ...RATE_LIMITED,
            ...SERVER_ERRORS,
          },
        },
      },
      '/v1/clients/{clientId}/ongoing-training/{coachId}/history': {
        get: {
          operationId: 'getOngoingTrainingHistory',
          tags: ['ongoing-training'],
          summary: "The pair's decisions, newest first",
          description:
            'One entry per input applied (event or switch), with what it changed and its outcome: autobooked, or no-autobook with the reason. Duplicates and writes that changed nothing are not entries (R10). Paged: pass `next` as `before` for older entries.',
          parameters: [
            CLIENT_ID,
            COACH_ID,
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'How many entries, newest first; values outside 1..1000 are brought back into it.',
              schema: { type: 'integer', default: 100, minimum: 1, maximum: 1000 },
            },
            {
              name: 'before',
              in: 'query',
              required: false,
              description: 'The `next` cursor of an earlier page: entries older than the last one it showed.',
              schema: { type: 'string', maxLength: 40 },
            },
          ],
          responses: {
            200: { description: 'The decisions.', content: json('History') },
            400: errorResponse(400, ['INVALID_PARAMETER'], {
              INVALID_PARAMETER: 'clientId or coachId is empty or longer than 200 characters, limit is not 1..1000, or before is not a cursor.',
            }),
            ...AUTH_ERRORS,
            ...RATE_LIMITED,
            404: errorResponse(404, ['NOT_FOUND'], { NOT_FOUND: 'no input of this pair was ever applied.' }),
            ...SERVER_ERRORS,
          },
        },
      },
      '/health/live': {
        get: {
          operationId: 'live',
          tags: ['operations'],
          summary: 'Liveness',
          security: [],
          responses: {
            200: { description: 'The process answers.', content: json('Liveness') },
            503: { description: 'Not live: its consumer made no progress on work in hand for CONSUMER_STALL_MS; restart it.', content: json('Liveness') },
          },
        },
      },
      '/health/ready': {
        get: {
          operationId: 'ready',
          tags: ['operations'],
          summary: 'Readiness: Kafka and MongoDB reachable',
          security: [],
          responses: {
            200: { description: 'Ready.', content: json('Readiness') },
            503: { description: 'Not ready: a dependency is down.', content: json('Readiness') },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          tags: ['operations'],
          summary: 'This document',
          security: [],
          responses: { 200: { description: 'The OpenAPI 3.1 document of this API.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT signed with HS256 and the secret AUTH_JWT_SECRET, with the claims `sub` (the user id) and `role` (client, coach or ops). Ops may read and write everything.',
        },
      },
      schemas: componentSchemas(),
    },
  };
  return JSON.parse(JSON.stringify(document));
}
