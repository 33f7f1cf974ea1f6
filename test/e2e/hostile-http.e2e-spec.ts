import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET } from '../support/jwt.js';
import { OngoingTrainingHarness, aPair } from '../support/ongoing-training.js';
import { runId, waitFor } from '#testing';

// The HTTP contract against hostile requests, on the built service with the real broker and database:
// forged and odd tokens, every role against every route, path and body tricks, bursts. Each request
// gets the answer the contract gives it, with the security headers.

const ISSUER = 'https://auth.coachup.example';
const AUDIENCE = 'ongoing-training';
const READS_PER_MINUTE = 100;
const WRITES_PER_MINUTE = 30;
const now = () => Math.floor(Date.now() / 1000);

/** A token of this deployment: HS256, its issuer and audience, ten minutes. */
// A claim given as undefined is left out of the token.
const token = (role: string, sub: string, claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET) => {
  const payload = Object.fromEntries(
    Object.entries({ sub, role, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600, ...claims }).filter(([, v]) => v !== undefined),
  );
  return jwt.sign(payload, secret, { algorithm: 'HS256', noTimestamp: true, ...options });
};
const unsigned = (header: object, payload: object, signature = '') =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

interface HttpKind {
  name: string;
  method?: string;
  path: string | (() => string);
  authorization?: string | null;
  body?: string;
  contentType?: string;
  status: number;
  code?: string;
  check?: (answer: Answer) => void;
}

describe('hostile HTTP requests: the API holds its ground', () => {
  let ot: OngoingTrainingHarness;
  const pair = aPair('http');
  const other = aPair('http-other');
  const ops = () => `Bearer ${token('ops', 'ops-hostile')}`;

  beforeAll(async () => {
    ot = await OngoingTrainingHarness.create('hostile-http');
    await ot.startApp({
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      RATE_LIMIT_READS_PER_MINUTE: String(READS_PER_MINUTE),
      RATE_LIMIT_WRITES_PER_MINUTE: String(WRITES_PER_MINUTE),
    });
    await ot.book(pair.packageBooked({ sessionCount: 2 }), other.packageBooked({ sessionCount: 2 }));
    await waitFor(
      'both packages applied',
      async () => {
        const [a, b] = await Promise.all([
          send({ path: `/v1/clients/${pair.clientId}/ongoing-training`, authorization: ops() }),
          send({ path: `/v1/clients/${other.clientId}/ongoing-training`, authorization: ops() }),
        ]);
        return a.body?.coaches?.length === 1 && b.body?.coaches?.length === 1;
      },
      60000,
      500,
    );
  });

  afterAll(async () => {
    await ot?.close();
  });

  async function send(kind: Pick<HttpKind, 'method' | 'path' | 'authorization' | 'body' | 'contentType'>): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (kind.authorization) headers.authorization = kind.authorization;
    if (kind.body !== undefined) headers['content-type'] = kind.contentType ?? 'application/json';
    const path = typeof kind.path === 'function' ? kind.path() : kind.path;
    const response = await fetch(`${ot.app.url}${path}`, { method: kind.method ?? 'GET', headers, body: kind.body });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the assertion to show
    }
    return { status: response.status, headers: response.headers, body };
  }

  const list = (clientId = pair.clientId) => `/v1/clients/${encodeURIComponent(clientId)}/ongoing-training`;
  const entry = (clientId = pair.clientId, coachId = pair.coachId) => `${list(clientId)}/${encodeURIComponent(coachId)}`;
  const history = (clientId = pair.clientId, coachId = pair.coachId) => `${entry(clientId, coachId)}/history`;
  const valid = () => token('client', pair.clientId);
  const mine = (claims: Record<string, unknown>, options: jwt.SignOptions = {}, secret?: string) =>
    `Bearer ${token('client', pair.clientId, claims, options, secret)}`;

  const tokenKinds: HttpKind[] = [
    { name: 'no Authorization header', path: list(), authorization: null, status: 401, code: 'UNAUTHORIZED' },
    { name: 'a Basic scheme', path: list(), authorization: 'Basic dXNlcjpwYXNz', status: 401, code: 'UNAUTHORIZED' },
    { name: 'the scheme in lower case', path: list(), authorization: `bearer ${valid()}`, status: 200 },
    { name: 'the scheme in capitals', path: list(), authorization: `BEARER ${valid()}`, status: 200 },
    { name: 'a token that is not a JWS', path: list(), authorization: 'Bearer a.b', status: 401, code: 'UNAUTHORIZED' },
    { name: 'a token without exp', path: list(), authorization: mine({ exp: undefined }), status: 401, code: 'INVALID_TOKEN' },
    { name: 'a token living 100 years', path: list(), authorization: mine({ exp: now() + 100 * 365 * 86400 }), status: 401, code: 'INVALID_TOKEN' },
    { name: 'a token living 25 hours', path: list(), authorization: mine({ exp: now() + 25 * 3600 }), status: 401, code: 'INVALID_TOKEN' },
    {
      name: 'an iat in the future stretching the lifetime',
      path: list(),
      authorization: mine({ iat: now() + 86000, exp: now() + 90000 }),
      status: 401,
      code: 'INVALID_TOKEN',
    },
    { name: 'a token expired a minute ago', path: list(), authorization: mine({ iat: now() - 600, exp: now() - 60 }), status: 401, code: 'TOKEN_EXPIRED' },
    { name: 'a token expired 10 s ago (30 s tolerance)', path: list(), authorization: mine({ iat: now() - 600, exp: now() - 10 }), status: 200 },
    {
      name: 'a token signed with another secret',
      path: list(),
      authorization: mine({}, {}, 'another-secret-of-thirty-two-characters!!'),
      status: 401,
      code: 'INVALID_TOKEN',
    },
    {
      name: 'alg none',
      path: list(),
      authorization: `Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, { sub: pair.clientId, role: 'ops', iss: ISSUER, aud: AUDIENCE, exp: now() + 60 })}`,
      status: 401,
      code: 'INVALID_TOKEN',
    },
    { name: 'HS512 with the right secret', path: list(), authorization: mine({}, { algorithm: 'HS512' }), status: 401, code: 'INVALID_TOKEN' },
    { name: 'a token of another issuer', path: list(), authorization: mine({ iss: 'https://evil.example' }), status: 401, code: 'INVALID_TOKEN' },
    { name: 'a token for another service (aud)', path: list(), authorization: mine({ aud: 'billing' }), status: 401, code: 'INVALID_TOKEN' },
    { name: 'a token without iss and aud', path: list(), authorization: mine({ iss: undefined, aud: undefined }), status: 401, code: 'INVALID_TOKEN' },
    { name: 'an unknown role', path: list(), authorization: `Bearer ${token('admin', pair.clientId)}`, status: 401, code: 'INVALID_TOKEN' },
    { name: 'no sub', path: list(), authorization: `Bearer ${token('ops', '', { sub: undefined })}`, status: 401, code: 'INVALID_TOKEN' },
    { name: 'an 8 KB token', path: list(), authorization: mine({ padding: 'x'.repeat(6000) }), status: 200 },
    {
      name: 'a token with a tampered payload',
      path: list(),
      authorization: (() => {
        const [h, , s] = valid().split('.');
        return `Bearer ${h}.${Buffer.from(JSON.stringify({ sub: pair.clientId, role: 'ops', iss: ISSUER, aud: AUDIENCE, exp: now() + 60 })).toString('base64url')}.${s}`;
      })(),
      status: 401,
      code: 'INVALID_TOKEN',
    },
  ];

  // Every role against every route: the client themself, another client, the pair's coach, another coach, ops.
  const roles = {
    'the client': () => `Bearer ${token('client', pair.clientId)}`,
    'another client': () => `Bearer ${token('client', other.clientId)}`,
    'the coach': () => `Bearer ${token('coach', pair.coachId)}`,
    'another coach': () => `Bearer ${token('coach', other.coachId)}`,
    ops: () => `Bearer ${token('ops', 'ops-roles')}`,
  };
  const expected: Record<string, Record<keyof typeof roles, number>> = {
    list: { 'the client': 200, 'another client': 403, 'the coach': 200, 'another coach': 200, ops: 200 },
    history: { 'the client': 200, 'another client': 403, 'the coach': 200, 'another coach': 403, ops: 200 },
    put: { 'the client': 200, 'another client': 403, 'the coach': 403, 'another coach': 403, ops: 200 },
  };
  const roleKinds: HttpKind[] = (Object.keys(roles) as (keyof typeof roles)[]).flatMap((role) => [
    {
      name: `${role}: GET the client's list`,
      path: list(),
      authorization: roles[role](),
      status: expected.list[role],
      code: expected.list[role] === 403 ? 'FORBIDDEN' : undefined,
      // A coach sees only their own pairs of the client.
      check: (a: Answer) =>
        void (a.status === 200 && expect(a.body.coaches.map((c: { coachId: string }) => c.coachId)).toEqual(role === 'another coach' ? [] : [pair.coachId])),
    },
    {
      name: `${role}: GET the pair's history`,
      path: history(),
      authorization: roles[role](),
      status: expected.history[role],
      code: expected.history[role] === 403 ? 'FORBIDDEN' : undefined,
    },
    {
      name: `${role}: PUT the pair's switch`,
      method: 'PUT',
      path: entry(),
      authorization: roles[role](),
      body: '{"enrolled":false}',
      status: expected.put[role],
      code: expected.put[role] === 403 ? 'FORBIDDEN' : undefined,
    },
  ]);

  const pathKinds: HttpKind[] = [
    { name: '%FF in a path id', path: `/v1/clients/%FF/ongoing-training`, authorization: ops(), status: 400, code: 'INVALID_PARAMETER' },
    {
      name: 'a broken escape %E0%A4 in a path id',
      path: `/v1/clients/ab%E0%A4/ongoing-training`,
      authorization: ops(),
      status: 400,
      code: 'INVALID_PARAMETER',
    },
    { name: 'a 201-character path id', path: list('c'.repeat(201)), authorization: ops(), status: 400, code: 'INVALID_PARAMETER' },
    {
      name: 'an encoded slash and dots in a path id are an id',
      path: list('../admin'),
      authorization: ops(),
      status: 200,
      check: (a) => expect(a.body).toEqual({ clientId: '../admin', coaches: [] }),
    },
    { name: 'a NUL in a path id is an id', path: list('a\u0000b'), authorization: ops(), status: 200, check: (a) => expect(a.body.coaches).toEqual([]) },
    {
      name: 'a client reaching another client with a dot-segment path',
      path: `/v1/clients/${pair.clientId}/../${other.clientId}/ongoing-training`,
      authorization: `Bearer ${valid()}`,
      status: 403,
      code: 'FORBIDDEN',
    },
    { name: 'an unknown route under /v1', path: '/v1/admin', authorization: ops(), status: 404, code: 'NOT_FOUND' },
    { name: 'history with limit=0', path: `${history()}?limit=0`, authorization: ops(), status: 400, code: 'INVALID_PARAMETER' },
    { name: 'history with limit=abc', path: `${history()}?limit=abc`, authorization: ops(), status: 400, code: 'INVALID_PARAMETER' },
    { name: 'history with the limit given twice', path: `${history()}?limit=1&limit=2`, authorization: ops(), status: 400, code: 'INVALID_PARAMETER' },
    { name: 'history of a pair nobody knows', path: history(pair.clientId, 'nobody'), authorization: ops(), status: 404, code: 'NOT_FOUND' },
    { name: '/metrics on the API port', path: '/metrics', authorization: null, status: 404 },
  ];

  const put = (body: string, contentType?: string): Omit<HttpKind, 'name' | 'status' | 'code'> => ({
    method: 'PUT',
    path: entry(),
    authorization: ops(),
    body,
    contentType,
  });
  const bodyKinds: HttpKind[] = [
    { name: 'a body that is not JSON', ...put('{"enrolled": tru'), status: 400, code: 'INVALID_BODY' },
    { name: 'enrolled as a string', ...put('{"enrolled":"true"}'), status: 400, code: 'INVALID_BODY' },
    { name: 'an extra field', ...put('{"enrolled":true,"rate":{"amount":1,"currency":"USD"}}'), status: 400, code: 'INVALID_BODY' },
    { name: 'a __proto__ field', ...put('{"enrolled":true,"__proto__":{"admin":true}}'), status: 400, code: 'INVALID_BODY' },
    { name: 'a JSON array', ...put('[true]'), status: 400, code: 'INVALID_BODY' },
    { name: 'JSON null', ...put('null'), status: 400, code: 'INVALID_BODY' },
    { name: 'an empty body', ...put(''), status: 400, code: 'INVALID_BODY' },
    { name: 'a text/plain body', ...put('{"enrolled":true}', 'text/plain'), status: 400, code: 'INVALID_BODY' },
    { name: 'a 200 KB body', ...put(JSON.stringify({ enrolled: true, pad: 'x'.repeat(200 * 1024) })), status: 413, code: 'INVALID_BODY' },
  ];

  const all = [...tokenKinds, ...roleKinds, ...pathKinds, ...bodyKinds];

  it('has at least 30 kinds of hostile request', () => {
    expect(all.length).toBeGreaterThanOrEqual(30);
  });

  it.each(all.map((k) => [k.name, k] as const))('%s', async (_, kind) => {
    const answer = await send(kind);
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: kind.status, code: kind.code ?? answer.body?.code });
    if (answer.status >= 400) expect(answer.body).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-powered-by')).toBeNull();
    const path = typeof kind.path === 'function' ? kind.path() : kind.path;
    if (path.startsWith('/v1')) expect(answer.headers.get('cache-control')).toBe('no-store');
    kind.check?.(answer);
  });

  it("answers 429 RATE_LIMITED with Retry-After past a subject's writes, and other subjects go on", async () => {
    const writer = aPair('burst');
    const auth = `Bearer ${token('client', writer.clientId)}`;
    const answers = [];
    for (let i = 0; i < WRITES_PER_MINUTE + 10; i++)
      answers.push(await send({ method: 'PUT', path: entry(writer.clientId, writer.coachId), authorization: auth, body: `{"enrolled":${i % 2 === 0}}` }));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.slice(0, WRITES_PER_MINUTE).filter((a) => a.status === 429)).toHaveLength(0);
    expect(limited).toHaveLength(10);
    expect(limited[0].body).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited[0].headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited[0].headers.get('cache-control')).toBe('no-store');
    // Per subject: its reads, and everyone else's writes, go on.
    expect((await send({ path: list(writer.clientId), authorization: auth })).status).toBe(200);
    expect((await send({ method: 'PUT', path: entry(), authorization: ops(), body: '{"enrolled":false}' })).status).toBe(200);
  });

  it('answers 429 to a burst of unauthenticated calls from one address, and a valid token still gets through', async () => {
    const answers = [];
    for (let i = 0; i < 150; i++) answers.push(await send({ path: list(`burst-${runId('x')}`), authorization: i % 2 ? null : 'Bearer forged.token.here' }));
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).toEqual([401, 429]);
    const first429 = answers.findIndex((a) => a.status === 429);
    expect(first429).toBeLessThanOrEqual(READS_PER_MINUTE);
    expect(answers.slice(first429).every((a) => a.status === 429)).toBe(true);
    expect(answers[first429].headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await send({ path: list(), authorization: `Bearer ${valid()}` })).status).toBe(200);
  });

  it('serves /metrics on METRICS_PORT, and health without a token', async () => {
    expect((await fetch(`${ot.app.metricsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${ot.app.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${ot.app.url}/health/ready`)).status).toBe(200);
  });

  it('refuses to switch off a pair with no package: 409 PACKAGE_REQUIRED, and stores nothing (R1)', async () => {
    const empty = aPair('no-package');
    const answer = await send({ method: 'PUT', path: entry(empty.clientId, empty.coachId), authorization: ops(), body: '{"enrolled":false}' });
    expect(answer).toMatchObject({ status: 409, body: { code: 'PACKAGE_REQUIRED' } });
    expect(await send({ path: history(empty.clientId, empty.coachId), authorization: ops() })).toMatchObject({ status: 404 });
  });

  it('stores nothing for a write that changes nothing (R10)', async () => {
    const before = await send({ path: history(other.clientId, other.coachId), authorization: ops() });
    const answer = await send({ method: 'PUT', path: entry(other.clientId, other.coachId), authorization: ops(), body: '{"enrolled":false}' });
    expect(answer).toMatchObject({ status: 200, body: { enrolled: false } });
    const after = await send({ path: history(other.clientId, other.coachId), authorization: ops() });
    expect(after.body.entries).toEqual(before.body.entries);
  });
});
