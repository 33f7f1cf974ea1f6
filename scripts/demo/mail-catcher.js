#!/usr/bin/env node
'use strict';
// A mail catcher for the local demo: a real SMTP server (smtp-server) that keeps every email it is sent,
// writes each one as <n>-<to>-<subject>.eml (the raw message) and .html (its HTML part) into a folder, and
// a small web page listing them (from, to, subject, time) and showing each one: its HTML in a sandboxed
// iframe, its text part, its headers.
//
//   const { startMailCatcher } = require('./scripts/demo/mail-catcher');
//   const catcher = await startMailCatcher({ smtpPort: 1025, uiPort: 8025, dir: '.artifacts/demo-mail' });
//   catcher.messages; catcher.url; await catcher.close();
//
// Standalone: node scripts/demo/mail-catcher.js [--smtp-port 1025] [--ui-port 8025] [--dir <folder>]
// A port that is taken falls back to a free one (port 0 always picks a free one).

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');

const HOST = '127.0.0.1';

const escapeHtml = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const slug = (s, max) =>
  String(s ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9@.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max) || 'none';

/** Listens on `port`, or on a free port when it is taken; resolves to the port listened on. */
function listen(server, port, label, log) {
  return new Promise((resolve, reject) => {
    const attempt = (p) => {
      const onError = (error) => {
        server.off('listening', onListening);
        if (error.code === 'EADDRINUSE' && p !== 0) {
          log(`${label}: port ${p} is taken, using a free port instead`);
          attempt(0);
        } else reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve(server.address().port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(p, HOST);
    };
    attempt(port);
  });
}

class MailCatcher {
  constructor({ dir, log = () => undefined }) {
    this.dir = dir;
    this.log = log;
    /** Every email caught, oldest first. */
    this.messages = [];
    this.smtp = null;
    this.web = null;
    this.smtpPort = null;
    this.uiPort = null;
  }

  get url() {
    return `http://${HOST}:${this.uiPort}`;
  }

  get smtpUrl() {
    return `smtp://${HOST}:${this.smtpPort}`;
  }

  async start({ smtpPort = 1025, uiPort = 8025 } = {}) {
    fs.mkdirSync(this.dir, { recursive: true });
    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 20 * 1024 * 1024,
      closeTimeout: 2000,
      onData: (stream, session, callback) => {
        const chunks = [];
        stream.on('data', (chunk) => chunks.push(chunk));
        stream.on('error', callback);
        stream.on('end', () => {
          this.store(Buffer.concat(chunks), session).then(() => callback(), callback);
        });
      },
    });
    this.smtp.on('error', (error) => this.log(`SMTP error: ${error.message}`));
    this.web = http.createServer((req, res) => this.serve(req, res));
    this.web.keepAliveTimeout = 1000;
    this.smtpPort = await listen(this.smtp.server, smtpPort, 'mail catcher SMTP', this.log);
    this.uiPort = await listen(this.web, uiPort, 'mail catcher web page', this.log);
    return this;
  }

  async store(raw, session) {
    const parsed = await simpleParser(raw);
    const id = this.messages.length + 1;
    const to = session.envelope.rcptTo.map((r) => r.address);
    const base = `${String(id).padStart(3, '0')}-${slug(to[0], 40)}-${slug(parsed.subject, 60)}`;
    const html = typeof parsed.html === 'string' ? parsed.html : `<pre>${escapeHtml(parsed.text ?? '')}</pre>`;
    const message = {
      id,
      receivedAt: new Date().toISOString(),
      envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to },
      from: parsed.from?.text ?? '',
      to: Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(', ') : (parsed.to?.text ?? ''),
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

  serve(req, res) {
    const url = new URL(req.url, this.url);
    const send = (status, type, body, headers = {}) => {
      res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const page = (title, body, refresh = false) =>
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
        `<h1>Mail catcher</h1><p class="muted">${this.messages.length} email(s) caught on SMTP ${HOST}:${this.smtpPort}, saved in ${escapeHtml(this.dir)}. This page refreshes itself.</p>
<table><tr><th>#</th><th>received (UTC)</th><th>from</th><th>to</th><th>subject</th></tr>${rows || '<tr><td colspan="5" class="muted">nothing yet</td></tr>'}</table>`,
        true,
      );
    }
    if (url.pathname === '/api/messages') {
      const list = this.messages.map(({ raw, html, text, ...m }) => m);
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
    if (match[2] === 'html') {
      // Served on its own, sandboxed twice: by the iframe's sandbox attribute and by this CSP.
      return send(200, 'text/html; charset=utf-8', message.html, { 'content-security-policy': "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:" });
    }
    if (match[2] === 'raw') {
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

  async close() {
    const smtp = this.smtp;
    const web = this.web;
    this.smtp = null;
    this.web = null;
    await Promise.all([
      smtp ? new Promise((resolve) => smtp.close(() => resolve())) : null,
      web
        ? new Promise((resolve) => {
            web.close(() => resolve());
            web.closeAllConnections();
          })
        : null,
    ]);
  }
}

async function startMailCatcher({ dir, smtpPort, uiPort, log }) {
  return new MailCatcher({ dir, log }).start({ smtpPort, uiPort });
}

module.exports = { startMailCatcher, MailCatcher };

if (require.main === module) {
  const { parseArgs } = require('node:util');
  const { values } = parseArgs({ options: { 'smtp-port': { type: 'string', default: '1025' }, 'ui-port': { type: 'string', default: '8025' }, dir: { type: 'string', default: path.resolve(__dirname, '..', '..', '.artifacts', 'demo-mail', 'catcher') } } });
  startMailCatcher({ dir: values.dir, smtpPort: Number(values['smtp-port']), uiPort: Number(values['ui-port']), log: (l) => process.stdout.write(`[mail] ${l}\n`) }).then(
    (catcher) => {
      process.stdout.write(`[mail] SMTP ${catcher.smtpUrl}, web page ${catcher.url}, files in ${catcher.dir} (Ctrl-C to stop)\n`);
      const stop = () => catcher.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error) => {
      process.stderr.write(`[mail] cannot start: ${error.message}\n`);
      process.exit(1);
    },
  );
}
