import { ParsedMail, simpleParser } from 'mailparser';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';
import { listenOrFree } from './listen.js';

export const SINK_HOST = '127.0.0.1';

/** What the sink knows of an email the moment it accepts it, without parsing it. */
export interface AcceptedEmail {
  /** `performance.now()` when the DATA ended: the moment the email counts as accepted. */
  acceptedAt: number;
  envelopeFrom: string;
  envelopeTo: string[];
  /** The Message-ID header, `<...>` included. */
  messageId: string | undefined;
  raw: Buffer;
}

/** An accepted email, parsed. */
export interface ReceivedEmail extends AcceptedEmail {
  subject: string | undefined;
  to: string;
  from: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  /** 0 (the default): a free port. */
  port?: number;
  /** Recipients it answers with 550 (a permanent refusal). */
  refuse?: (address: string) => boolean;
  /** Called as each email is accepted, before it is parsed. */
  onAccepted?: (email: AcceptedEmail) => void;
  /**
   * Parse each email and keep it in `received` (the default). Off, the sink parses nothing and keeps
   * nothing: it only counts and calls `onAccepted` (the bench, at hundreds of emails a second).
   */
  keep?: boolean;
  /** Called with each email kept, before the sink answers the DATA; an error refuses the email. */
  onReceived?: (email: ReceivedEmail) => Promise<void> | void;
  /** When `port` is taken, listen on a free port instead and say so here (without it: fail). */
  onPortTaken?: (port: number) => void;
  /** Largest email accepted, in bytes (SMTP SIZE). */
  size?: number;
  /** How long `close` waits for open connections, in ms. */
  closeTimeout?: number;
  /** Errors of the server and of its connections (a client that went away); ignored unless given. */
  onError?: (error: Error) => void;
}

const messageIdOf = (raw: Buffer): string | undefined => {
  const end = raw.indexOf('\r\n\r\n');
  // Unfold the header lines, then take the Message-ID.
  const head = raw
    .subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024))
    .toString('utf8')
    .replace(/\r\n[ \t]+/g, ' ');
  return /^message-id:\s*(<[^>]+>)/im.exec(head)?.[1];
};

const addressText = (value: ParsedMail['to']): string => (Array.isArray(value) ? value.map((t) => t.text).join(', ') : (value?.text ?? ''));

/** A real SMTP server on 127.0.0.1 that accepts every email (or refuses some recipients) and keeps what it accepts. */
export class SmtpSink {
  readonly received: ReceivedEmail[] = [];
  /** SMTP connections opened to this sink. */
  connections = 0;
  /** Emails accepted. */
  accepted = 0;
  /** The port listened on (known once listening). */
  port: number;
  private server: SMTPServer | null = null;

  constructor(private readonly options: SmtpSinkOptions = {}) {
    this.port = options.port ?? 0;
  }

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(options);
    await sink.listen();
    return sink;
  }

  get url(): string {
    return `smtp://${SINK_HOST}:${this.port}`;
  }

  /** Starts accepting connections, on the port it listened on before when there was one. */
  async listen(): Promise<void> {
    const { refuse, onAccepted, onReceived, keep = true } = this.options;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      ...(this.options.size ? { size: this.options.size } : {}),
      ...(this.options.closeTimeout ? { closeTimeout: this.options.closeTimeout } : {}),
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (refuse?.(address.address)) {
          const error = new Error(`mailbox ${address.address} unavailable`) as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', callback);
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const email: AcceptedEmail = {
            acceptedAt: performance.now(),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            messageId: messageIdOf(raw),
            raw,
          };
          this.accepted++;
          onAccepted?.(email);
          if (!keep) return callback();
          this.receive(email, onReceived).then(() => callback(), callback);
        });
      },
    });
    server.on('error', (error) => this.options.onError?.(error));
    this.port = await listenOrFree(server.server, this.port, SINK_HOST, this.options.onPortTaken);
    this.server = server;
  }

  private async receive(accepted: AcceptedEmail, onReceived: SmtpSinkOptions['onReceived']): Promise<void> {
    const parsed = await simpleParser(accepted.raw);
    const email: ReceivedEmail = {
      ...accepted,
      messageId: parsed.messageId ?? accepted.messageId,
      subject: parsed.subject,
      to: addressText(parsed.to),
      from: parsed.from?.text ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      parsed,
    };
    await onReceived?.(email);
    this.received.push(email);
  }

  /** Stops accepting connections (the server is "down") until `listen` again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The emails kept whose envelope names `address`. */
  to(address: string): ReceivedEmail[] {
    return this.received.filter((m) => m.envelopeTo.includes(address));
  }
}
