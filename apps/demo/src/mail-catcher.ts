// A mail catcher for the local demo: libs/testing's SMTP sink keeping every email it is sent, each one
// also written as <n>-<to>-<subject>.eml (the raw message) and .html (its HTML part) into a folder, and
// a small web page listing them (from, to, subject, time) and showing each one: its HTML in a sandboxed
// iframe, its text part, its headers.
//
//   const catcher = await startMailCatcher({ smtpPort: 1025, uiPort: 8025, dir: '.artifacts/demo-mail' });
//   catcher.messages; catcher.url; await catcher.close();
//
// Standalone: `npm run mail-catcher -- [--smtp-port 1025] [--ui-port 8025] [--dir <folder>]`.
// A port that is taken falls back to a free one (port 0 always picks a free one).
import { escapeHtml } from '#platform/http/escape-html';
import { ReceivedEmail, SINK_HOST as HOST, SmtpSink, listenOrFree } from '#testing';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

const slug = (s: string | undefined, max: number) =>
  String(s ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9@.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max) || 'none';

export interface CaughtEmail {
  id: number;
  receivedAt: string;
  envelope: { from: string; to: string[] };
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
  headers: string[];
  emlFile: string;
  htmlFile: string;
  raw: Buffer;
}

export class MailCatcher {
  /** Every email caught, oldest first. */
  readonly messages: CaughtEmail[] = [];
  private sink: SmtpSink | null = null;
  private web: http.Server | null = null;
  uiPort: number | null = null;

  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  get url(): string {
    return `http://${HOST}:${this.uiPort}`;
  }

  get smtpUrl(): string {
    return this.sink!.url;
  }

  async start({ smtpPort = 1025, uiPort = 8025 }: { smtpPort?: number; uiPort?: number } = {}): Promise<this> {
    fs.mkdirSync(this.dir, { recursive: true });
    this.sink = await SmtpSink.start({
      port: smtpPort,
      size: 20 * 1024 * 1024,
      closeTimeout: 2000,
      onReceived: (email) => this.store(email),
      onPortTaken: (p) => this.log(`mail catcher SMTP: port ${p} is taken, using a free port instead`),
      onError: (error) => this.log(`SMTP error: ${error.message}`),
    });
    this.web = http.createServer((req, res) => this.serve(req, res));
    this.web.keepAliveTimeout = 1000;
    this.uiPort = await listenOrFree(this.web, uiPort, HOST, (p) => this.log(`mail catcher web page: port ${p} is taken, using a free port instead`));
    return this;
  }

  private store(email: ReceivedEmail): void {
    const { parsed, raw } = email;
    const id = this.messages.length + 1;
    const to = email.envelopeTo;
    const base = `${String(id).padStart(3, '0')}-${slug(to[0], 40)}-${slug(parsed.subject, 60)}`;
    const html = typeof parsed.html === 'string' ? parsed.html : `<pre>${escapeHtml(parsed.text ?? '')}</pre>`;
    const message: CaughtEmail = {
      id,
      receivedAt: new Date().toISOString(),
      envelope: { from: email.envelopeFrom, to },
      from: email.from,
      to: email.to,
      subject: parsed.subject ?? '',
      messageId: parsed.messageId ?? '',
      text: parsed.text ?? '',
      html,
      headers: parsed.headerLines.map((h) => h.line),
      emlFile: path.join(this.dir, `${base}.eml`),
      htmlFile: path.join(this.dir, `${base}.html`),
      raw,
    };
    fs.writeFileSync(message.emlFile, raw);
    fs.writeFileSync(message.htmlFile, html);
    this.messages.push(message);
    const shown = path.relative(process.cwd(), message.emlFile);
    this.log(`#${id} to ${message.envelope.to.join(', ')}: "${message.subject}" -> ${shown.startsWith('..') ? message.emlFile : shown}`);
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const page = (title: string, body: string, refresh = false) =>
      send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${refresh ? '<meta http-equiv="refresh" content="3">' : ''}
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}a{color:#0b5cad}pre{background:#f7f7f7;padding:12px;white-space:pre-wrap;word-break:break-word}iframe{width:100%;height:520px;border:1px solid #ccc}
.muted{color:#777}</style></head><body>${body}</body></html>`,
        { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:" },
      );
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
    if (url.pathname === '/') {
      const rows = [...this.messages]
        .reverse()
        .map(
          (m) =>
            `<tr><td>${m.id}</td><td>${escapeHtml(m.receivedAt.replace('T', ' ').replace('Z', ''))}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to)}</td>` +
            `<td><a href="/messages/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td></tr>`,
        )
        .join('');
      return page(
        `Mail catcher (${this.messages.length})`,
        `<h1>Mail catcher</h1><p class="muted">${this.messages.length} email(s) caught on SMTP ${HOST}:${this.sink!.port}, saved in ${escapeHtml(this.dir)}. This page refreshes itself.</p>
<table><tr><th>#</th><th>received (UTC)</th><th>from</th><th>to</th><th>subject</th></tr>${rows || '<tr><td colspan="5" class="muted">nothing yet</td></tr>'}</table>`,
        true,
      );
    }
    if (url.pathname === '/api/messages') {
      const list = this.messages.map(({ raw: _raw, html: _html, text: _text, ...m }) => m);
      return send(200, 'application/json; charset=utf-8', JSON.stringify(list, null, 2));
    }
    if (url.pathname === '/account/ongoing-training') {
      return page(
        'Ongoing Training settings (demo)',
        `<h1>Ongoing Training</h1><p>This is where a client manages Ongoing Training (the PREFERENCES_URL the emails link to).</p>
<p>In the demo the switch is the API: <code>PUT /v1/clients/{clientId}/ongoing-training/{coachId}</code> with <code>{"enrolled": true|false}</code>.</p>
<p><a href="/">Back to the emails</a></p>`,
      );
    }
    const match = /^\/messages\/(\d+)(?:\/(html|raw))?$/.exec(url.pathname);
    const message = match ? this.messages[Number(match[1]) - 1] : undefined;
    if (!message) return send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (match![2] === 'html') {
      // Served on its own, sandboxed twice: by the iframe's sandbox attribute and by this CSP.
      return send(200, 'text/html; charset=utf-8', message.html, {
        'content-security-policy': "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:",
      });
    }
    if (match![2] === 'raw') {
      return send(200, 'message/rfc822', message.raw, { 'content-disposition': `attachment; filename="${path.basename(message.emlFile)}"` });
    }
    return page(
      message.subject,
      `<p><a href="/">&larr; all emails</a></p><h1>${escapeHtml(message.subject || '(no subject)')}</h1>
<table><tr><th>from</th><td>${escapeHtml(message.from)}</td></tr><tr><th>to</th><td>${escapeHtml(message.to)}</td></tr>
<tr><th>received</th><td>${escapeHtml(message.receivedAt)}</td></tr><tr><th>files</th><td>${escapeHtml(message.emlFile)}<br>${escapeHtml(message.htmlFile)} &middot; <a href="/messages/${message.id}/raw">download .eml</a></td></tr></table>
<h2>HTML</h2><iframe sandbox="allow-popups allow-popups-to-escape-sandbox" src="/messages/${message.id}/html" title="HTML part"></iframe>
<h2>Text</h2><pre>${escapeHtml(message.text)}</pre>
<h2>Headers</h2><pre>${escapeHtml(message.headers.join('\n'))}</pre>`,
    );
  }

  async close(): Promise<void> {
    const sink = this.sink;
    const web = this.web;
    this.sink = null;
    this.web = null;
    await Promise.all([
      sink?.close(),
      web
        ? new Promise<void>((resolve) => {
            web.close(() => resolve());
            web.closeAllConnections();
          })
        : null,
    ]);
  }
}

export async function startMailCatcher({
  dir,
  smtpPort,
  uiPort,
  log,
}: {
  dir: string;
  smtpPort?: number;
  uiPort?: number;
  log?: (line: string) => void;
}): Promise<MailCatcher> {
  return new MailCatcher(dir, log).start({ smtpPort, uiPort });
}
