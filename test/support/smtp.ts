import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './apps.js';

export interface ReceivedEmail {
  envelopeTo: string[];
  messageId: string | undefined;
  subject: string | undefined;
  to: string;
  from: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server on 127.0.0.1 that keeps what it accepts. Recipients matching `refuse` are
 * answered with 550 (a permanent refusal).
 */
export class SmtpSink {
  readonly received: ReceivedEmail[] = [];
  /** SMTP connections opened to this sink. */
  connections = 0;
  private server: SMTPServer | null = null;

  constructor(
    readonly port: number,
    private readonly refuse: (address: string) => boolean = () => false,
  ) {}

  static async start(refuse?: (address: string) => boolean): Promise<SmtpSink> {
    const sink = new SmtpSink(await freePort(), refuse);
    await sink.listen();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (this.refuse(address.address)) {
          const error = new Error(`mailbox ${address.address} unavailable`) as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push({
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              messageId: parsed.messageId,
              subject: parsed.subject,
              to: Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(', ') : (parsed.to?.text ?? ''),
              from: parsed.from?.text ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              parsed,
            });
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops accepting connections (the server is "down") until `listen` again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): ReceivedEmail[] {
    return this.received.filter((m) => m.envelopeTo.includes(address));
  }
}
