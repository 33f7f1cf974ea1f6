'use strict';
// ops pair <clientId> <coachId>: a pair's state and decisions, from the API or from MongoDB.

const jwt = require('jsonwebtoken');
const { CliError, UsageError } = require('../lib/errors');
const { load } = require('../lib/dist');
const mongo = require('../lib/mongo');
const { timelineLines, pairViewLines } = require('../lib/timeline');

const DEFAULT_URL = 'http://127.0.0.1:3000';

/** An ops token for the API: HS256 with the service's AUTH_JWT_SECRET, valid for 10 minutes. */
function opsToken(secret, sub = 'ops-cli') {
  return jwt.sign({ sub, role: 'ops' }, secret, { algorithm: 'HS256', expiresIn: '10m' });
}

async function fromApi(options, clientId, coachId, limit) {
  const base = (options.url ?? process.env.ONGOING_TRAINING_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(base)) throw new UsageError(`--url must be an http(s) URL of the ongoing-training service, got "${base}"`);
  let token = options.token;
  if (!token) {
    const secret = process.env.AUTH_JWT_SECRET;
    if (!secret) {
      throw new CliError(
        'AUTH_JWT_SECRET is not set: the API needs an ops token signed with the service\'s secret. Set it to the service\'s ' +
          'AUTH_JWT_SECRET, or pass --token <jwt>, or read the database with --mongodb-uri',
        2,
      );
    }
    token = opsToken(secret);
  }
  const get = async (path) => {
    let response;
    try {
      response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(15000) });
    } catch (error) {
      const cause = error.cause?.code ?? error.cause?.message ?? error.message;
      throw new CliError(`cannot reach ongoing-training at ${base} (--url or ONGOING_TRAINING_URL): ${cause}`);
    }
    const text = await response.text();
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (response.ok) return body;
    const said = `${response.status} ${body?.code ?? ''}${body?.message ? `: ${body.message}` : ''}`.trim();
    if (response.status === 404 && body?.code === 'NOT_FOUND') throw new CliError(`nothing is known about client ${clientId} with coach ${coachId} (${said})`);
    if (response.status === 401) {
      throw new CliError(`the service refused the token (${said}): is AUTH_JWT_SECRET the service's own secret${options.token ? ', or is the --token still valid' : ''}?`);
    }
    throw new CliError(`GET ${base}${path} answered ${said}`);
  };
  const client = encodeURIComponent(clientId);
  const coach = encodeURIComponent(coachId);
  const history = await get(`/v1/clients/${client}/ongoing-training/${coach}/history?limit=${limit}`);
  const list = await get(`/v1/clients/${client}/ongoing-training`);
  const view = list.coaches.find((c) => c.coachId === coachId) ?? null;
  return { source: base, view, entries: [...history.entries].reverse() };
}

/**
 * Reads the pair with the service's own repository (the build in dist/), so the layout of its collections
 * is never written twice: what the API would answer, without the API.
 */
async function fromMongo(options, clientId, coachId, limit) {
  const uri = options['mongodb-uri'];
  mongo.assertUri(uri, '--mongodb-uri');
  require('reflect-metadata');
  const { PAIR_CHANGES_COLLECTION } = load('pairSchema');
  const { PairRepository } = load('pairRepository');
  const { toPairView } = load('domain');
  const connection = await mongo.connect(uri);
  try {
    const collections = new Set((await connection.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    if (!collections.has(PAIR_CHANGES_COLLECTION)) {
      throw new CliError(`database ${mongo.redact(uri)} has no "${PAIR_CHANGES_COLLECTION}" collection: is it the ongoing-training service's database?`);
    }
    const pairs = new PairRepository(connection);
    const stored = await pairs.find(clientId, coachId);
    const page = stored ? await pairs.history(clientId, coachId, limit) : null;
    const entries = page && page.entries;
    if (!stored || !entries) throw new CliError(`nothing is known about client ${clientId} with coach ${coachId} in ${mongo.redact(uri)}`);
    return { source: mongo.redact(uri), view: toPairView(stored.state), entries: [...entries].reverse() };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function pair(options, [clientId, coachId]) {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, got "${options.limit}"`);
  const result = options['mongodb-uri'] ? await fromMongo(options, clientId, coachId, limit) : await fromApi(options, clientId, coachId, limit);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ clientId, coachId, pair: result.view, entries: result.entries }, null, 2)}\n`);
    return 0;
  }
  const lines = [`client ${clientId} with coach ${coachId}  (from ${result.source})`];
  lines.push(...(result.view ? pairViewLines(result.view) : ['  (no state)']));
  lines.push('', `decisions, oldest first (${result.entries.length}${result.entries.length === limit ? `, the last ${limit}` : ''}):`);
  lines.push(...timelineLines(result.entries));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

module.exports = { pair, opsToken };
