import { toPairView, type HistoryEntry, type PairView } from '#ongoing-training/domain/index';
import { PairRepository } from '#ongoing-training/renewal/pair.repository';
import { Command } from 'nest-commander';
import { CliError, UsageError } from '../cli/cli-errors.js';
import { assertUri, redact, withContext } from '../cli/database.js';
import { OpsCommand } from '../cli/ops-command.js';
import { opsToken } from '../cli/ops-token.js';
import { pairViewLines, timelineLines } from '../cli/timeline.js';
import { PairReaderModule } from './pair-reader.module.js';

const HELP = `Usage: npm run ops -- pair <clientId> <coachId> [--url <url> | --mongodb-uri <uri>] [--limit <n>] [--json]

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
`;

const DEFAULT_URL = 'http://127.0.0.1:3000';

interface PairOptions {
  url?: string;
  token?: string;
  mongodbUri?: string;
  limit: string;
  json?: boolean;
}

/** A pair as the command shows it: where from, its state, its decisions oldest first. */
interface PairRead {
  source: string;
  view: PairView | null;
  entries: HistoryEntry[];
}

async function fromApi(options: PairOptions, clientId: string, coachId: string, limit: number): Promise<PairRead> {
  const base = (options.url ?? process.env.ONGOING_TRAINING_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(base)) throw new UsageError(`--url must be an http(s) URL of the ongoing-training service, got "${base}"`);
  let token = options.token;
  if (!token) {
    const secret = process.env.AUTH_JWT_SECRET;
    if (!secret) {
      throw new CliError(
        "AUTH_JWT_SECRET is not set: the API needs an ops token signed with the service's secret. Set it to the service's " +
          'AUTH_JWT_SECRET, or pass --token <jwt>, or read the database with --mongodb-uri',
        2,
      );
    }
    token = opsToken(secret);
  }
  const get = async <T>(path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(15000),
      });
    } catch (error) {
      const { cause, message } = error as Error & { cause?: { code?: string; message?: string } };
      throw new CliError(`cannot reach ongoing-training at ${base} (--url or ONGOING_TRAINING_URL): ${cause?.code ?? cause?.message ?? message}`);
    }
    const text = await response.text();
    let body: { code?: string; message?: string } | undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (response.ok) return body as T;
    const said = `${response.status} ${body?.code ?? ''}${body?.message ? `: ${body.message}` : ''}`.trim();
    if (response.status === 404 && body?.code === 'NOT_FOUND') throw new CliError(`nothing is known about client ${clientId} with coach ${coachId} (${said})`);
    if (response.status === 401) {
      throw new CliError(
        `the service refused the token (${said}): is AUTH_JWT_SECRET the service's own secret${options.token ? ', or is the --token still valid' : ''}?`,
      );
    }
    throw new CliError(`GET ${base}${path} answered ${said}`);
  };
  const client = encodeURIComponent(clientId);
  const coach = encodeURIComponent(coachId);
  const history = await get<{ entries: HistoryEntry[] }>(`/v1/clients/${client}/ongoing-training/${coach}/history?limit=${limit}`);
  const list = await get<{ coaches: PairView[] }>(`/v1/clients/${client}/ongoing-training`);
  const view = list.coaches.find((c) => c.coachId === coachId) ?? null;
  return { source: base, view, entries: [...history.entries].reverse() };
}

/** Reads the pair with the service's own repository, so the layout of its collections is never written twice. */
async function fromMongo(uri: string, clientId: string, coachId: string, limit: number): Promise<PairRead> {
  assertUri(uri, '--mongodb-uri');
  return withContext(PairReaderModule.forRoot(uri), uri, async (context) => {
    const pairs = context.get(PairRepository);
    const stored = await pairs.find(clientId, coachId);
    const entries = stored ? (await pairs.history(clientId, coachId, limit))?.entries : undefined;
    if (!stored || !entries) throw new CliError(`nothing is known about client ${clientId} with coach ${coachId} in ${redact(uri)}`);
    return { source: redact(uri), view: toPairView(stored.state), entries: [...entries].reverse() };
  });
}

/** ops pair <clientId> <coachId>: a pair's state and decisions, from the API or from MongoDB. */
@Command({ name: 'pair' })
export class PairCommand extends OpsCommand<PairOptions> {
  readonly help = HELP;
  protected override readonly options = ['--url <url>', '--token <jwt>', '--mongodb-uri <uri>', { flags: '--limit <n>', default: '1000' }, '--json'];
  protected override readonly positionals = ['clientId', 'coachId'];

  protected async execute([clientId, coachId]: string[], options: PairOptions): Promise<void> {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, got "${options.limit}"`);
    const result = options.mongodbUri ? await fromMongo(options.mongodbUri, clientId, coachId, limit) : await fromApi(options, clientId, coachId, limit);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ clientId, coachId, pair: result.view, entries: result.entries }, null, 2)}\n`);
      return;
    }
    const lines = [`client ${clientId} with coach ${coachId}  (from ${result.source})`];
    lines.push(...(result.view ? pairViewLines(result.view) : ['  (no state)']));
    lines.push('', `decisions, oldest first (${result.entries.length}${result.entries.length === limit ? `, the last ${limit}` : ''}):`);
    lines.push(...timelineLines(result.entries));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
