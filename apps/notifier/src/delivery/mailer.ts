import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import nodemailer, { Transporter } from 'nodemailer';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config.js';
import type { RenderedEmail } from '../mail/email-renderer.js';
import type { NotificationKind } from '../mail/notification.js';

export type SendFailure = { kind: 'transient' | 'permanent'; reason: string };

/**
 * Sends rendered emails over SMTP with nodemailer, and says whether a failure is worth retrying:
 * connection trouble, timeouts and 4xx replies are; 5xx replies and refused addresses are not.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly transport: Transporter;
  private readonly idDomain: string;

  constructor(@Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig) {
    // One options object: a second argument to createTransport would be message defaults, not transport options.
    // Pooled connections carry many emails each (nodemailer's default: 100 before a fresh connection).
    this.transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true,
      maxConnections: 3,
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 15000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    this.idDomain = /@([^>\s]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ongoing-training.invalid';
  }

  /**
   * The same email always gets the same Message-ID, so a resend after a crash can be recognised; an
   * autobook's keeps the form it had before there were other kinds of email.
   */
  messageId(eventId: string, recipient: string, kind: NotificationKind = 'autobooked'): string {
    const [name, parts] = kind === 'autobooked' ? ['autobook', [eventId, recipient]] : [kind, [kind, eventId, recipient]];
    const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
    return `<${name}.${hash}@${this.idDomain}>`;
  }

  async send(email: RenderedEmail, messageId: string): Promise<void> {
    await this.transport.sendMail({
      from: this.config.MAIL_FROM,
      to: { name: email.to.name, address: email.to.address },
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId,
      headers: { 'Auto-Submitted': 'auto-generated' },
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  classify(error: unknown): SendFailure {
    const e = error as { responseCode?: number; code?: string; response?: string; message?: string };
    const reason = e.response ?? e.message ?? String(error);
    if (typeof e.responseCode === 'number') {
      // The server's reply usually starts with its code already (`550 mailbox unavailable`): say it once.
      const withCode = reason.startsWith(String(e.responseCode)) ? reason : `${e.responseCode} ${reason}`;
      return { kind: e.responseCode >= 500 ? 'permanent' : 'transient', reason: withCode };
    }
    if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { kind: 'permanent', reason };
    return { kind: 'transient', reason: e.code ? `${e.code}: ${reason}` : reason };
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
