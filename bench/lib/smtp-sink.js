'use strict';
// An SMTP server on 127.0.0.1 that accepts every email and notes when: the moment it answers the
// DATA with 250 is the moment the email counts as accepted. Only the headers are looked at.

const { SMTPServer } = require('smtp-server');
const { performance } = require('node:perf_hooks');
const { freePort } = require('./util');

class SmtpSink {
  constructor(port, onEmail) {
    this.port = port;
    this.onEmail = onEmail;
    this.accepted = 0;
    this.server = null;
  }

  static async start(onEmail) {
    const sink = new SmtpSink(await freePort(), onEmail);
    await sink.listen();
    return sink;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async listen() {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        let head = '';
        let inHead = true;
        stream.on('data', (chunk) => {
          if (!inHead) return;
          head += chunk.toString('utf8');
          const end = head.indexOf('\r\n\r\n');
          if (end >= 0) {
            head = head.slice(0, end);
            inHead = false;
          } else if (head.length > 64 * 1024) {
            inHead = false;
          }
        });
        stream.on('end', () => {
          const acceptedAt = performance.now();
          // Unfold header lines, then take the Message-ID.
          const headers = head.replace(/\r\n[ \t]+/g, ' ');
          const messageId = /^message-id:\s*(<[^>]+>)/im.exec(headers)?.[1] ?? null;
          this.accepted++;
          this.onEmail({ acceptedAt, messageId, rcptTo: session.envelope.rcptTo.map((r) => r.address) });
          callback();
        });
      },
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async close() {
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(() => resolve()));
  }
}

module.exports = { SmtpSink };
