import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { SessionAutobooked } from '#contracts';
import { formatMoney } from './money-format.js';
import { Notification, NotificationKind, RECIPIENTS, Recipient, contactsOf, problemsOf } from './notification.js';

/** The templates sit next to the `mail/` folder, in source and in `dist/` (the build copies them). */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../templates', import.meta.url));

/** One file set per email, `<recipient>-<kind>`: `<name>.subject.hbs`, `<name>.html.hbs`, `<name>.text.hbs`. */
export const EMAIL_TEMPLATES = (Object.entries(RECIPIENTS) as [NotificationKind, readonly Recipient[]][]).flatMap(([kind, recipients]) =>
  recipients.map((recipient) => templateName(kind, recipient)),
);
export type EmailTemplate = `${Recipient}-${NotificationKind}`;

export type Audience = Recipient;

export interface RenderedEmail {
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
}

/** The emails of one notification, in the order of its recipients. */
export type RenderedEmails = { recipient: Recipient; email: RenderedEmail }[];

export interface RenderOptions {
  /** The page where the client manages Ongoing Training, pause included (PREFERENCES_URL). */
  preferencesUrl: string;
  /** The page where the client updates their payment method (PAYMENT_METHOD_URL); failed payments need it. */
  paymentMethodUrl?: string;
}

// strict: a template that names a value which is not there throws instead of sending a blank.
export const HTML_COMPILE_OPTIONS: CompileOptions = { strict: true };
// Subjects and text parts are not HTML: escaping them would show `&amp;` to the reader.
export const TEXT_COMPILE_OPTIONS: CompileOptions = { strict: true, noEscape: true };

/** One row of the details box: `Rate  USD 80.00 per session`. */
export interface DetailRow {
  label: string;
  /** The label with its colon, padded so that the values of the text part line up. */
  labelText: string;
  value: string;
}

/** The data every template sees. Built once per email from the notification; nothing else reaches a template. */
export interface BaseView {
  audience: Audience;
  recipient: { name: string };
  client: { name: string };
  coach: { name: string };
  preferencesUrl: string;
  /** Only in the HTML and text parts: the subject rendered before them. */
  subject?: string;
}

/** R9: one more session was booked. */
export interface AutobookedView extends BaseView {
  /** The per-session rate, formatted for its currency (`USD 80.00`). */
  rate: string;
  /** The n-th autobook of this pair. */
  sequence: number;
  /** When the session was booked, in UTC (`24 Nov 2026, 18:30 UTC`). */
  bookedAt: string;
  trigger: { type: SessionAutobooked['trigger']['type'] };
}

/** R13: the next completion books one more. */
export interface UpcomingView extends BaseView {
  rate: string;
  details: DetailRow[];
}

/** R15: an autobook was cancelled because the completion that triggered it was undone. */
export interface VoidedView extends BaseView {
  rate: string;
  sequence: number;
  /** The session whose completion was undone. */
  sessionId: string;
  details: DetailRow[];
}

/** R16: the payment for an autobook failed. */
export interface PaymentFailedView extends BaseView {
  /** What the payment was for: the autobook's rate. */
  amount: string;
  sequence: number;
  bookedAt: string;
  /** What the payment provider said, when it said something. */
  providerReason: string | null;
  paymentMethodUrl: string;
  details: DetailRow[];
}

export type EmailView = AutobookedView | UpcomingView | VoidedView | PaymentFailedView;

interface CompiledEmail {
  subject: HandlebarsTemplateDelegate<EmailView>;
  html: HandlebarsTemplateDelegate<EmailView>;
  text: HandlebarsTemplateDelegate<EmailView>;
}

export class EmailTemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmailTemplateError';
  }
}

/**
 * Renders the emails of every notification: an autobook (R9), a heads-up (R13), a void (R15), a failed
 * payment (R16). Every template is read and parsed once, at construction, on a Handlebars instance of its
 * own: the partials and helpers registered here cannot leak into, or be overridden by, any other code
 * using the global Handlebars.
 */
export class EmailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly emails: Record<EmailTemplate, CompiledEmail>;

  constructor(private readonly templatesDir: string = DEFAULT_TEMPLATES_DIR) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.registerPartials();
    this.emails = Object.fromEntries(EMAIL_TEMPLATES.map((name) => [name, this.loadEmail(name)])) as Record<EmailTemplate, CompiledEmail>;
  }

  /** The two R9 emails of a `session.autobooked` event. */
  render(event: SessionAutobooked, opts: RenderOptions): { coach: RenderedEmail; client: RenderedEmail } {
    const emails = this.renderAll({ kind: 'autobooked', event }, opts);
    return { coach: emailTo(emails, 'coach'), client: emailTo(emails, 'client') };
  }

  /** Every email of a notification, one per recipient of its kind. */
  renderAll(notification: Notification, opts: RenderOptions): RenderedEmails {
    // The consumer validates too; checking again here means no path (preview, replay tool) renders junk.
    const problems = problemsOf(notification);
    if (problems !== null) {
      throw new EmailTemplateError(`cannot render ${notification?.event?.eventId ?? 'event'}: ${problems}`);
    }
    const links = { preferencesUrl: checkLink('preferencesUrl', opts.preferencesUrl), paymentMethodUrl: opts.paymentMethodUrl };
    const contacts = contactsOf(notification);
    return RECIPIENTS[notification.kind].map((recipient) => ({
      recipient,
      email: this.renderOne(templateName(notification.kind, recipient), toView(notification, recipient, links), contacts[recipient].email),
    }));
  }

  private renderOne(name: EmailTemplate, view: EmailView, address: string): RenderedEmail {
    const templates = this.emails[name];
    try {
      const subject = singleLine(templates.subject(view));
      const withSubject = { ...view, subject };
      return {
        to: { name: view.recipient.name, address: checkAddress(address) },
        subject,
        html: templates.html(withSubject),
        text: tidyText(templates.text(withSubject)),
      };
    } catch (error) {
      throw new EmailTemplateError(`cannot render ${name}: ${(error as Error).message}`, { cause: error });
    }
  }

  private registerPartials(): void {
    for (const file of this.list('layouts')) {
      const match = /^(.+)\.html\.hbs$/.exec(file);
      if (match) this.hbs.registerPartial(`layouts/${match[1]}`, this.compile(`layouts/${file}`, 'html'));
    }
    // partials/<name>.html.hbs and .text.hbs are for one part; partials/<name>.hbs (wording shared by
    // both parts) is compiled twice, escaped for HTML and raw for text.
    for (const file of this.list('partials')) {
      const match = /^(.+?)(?:\.(html|text))?\.hbs$/.exec(file);
      if (!match) continue;
      const [, name, format] = match;
      for (const kind of format ? [format as 'html' | 'text'] : (['html', 'text'] as const)) {
        this.hbs.registerPartial(`${kind}/${name}`, this.compile(`partials/${file}`, kind));
      }
    }
  }

  private loadEmail(name: EmailTemplate): CompiledEmail {
    return {
      subject: this.compile(`${name}.subject.hbs`, 'text'),
      html: this.compile(`${name}.html.hbs`, 'html'),
      text: this.compile(`${name}.text.hbs`, 'text'),
    };
  }

  private compile(file: string, kind: 'html' | 'text'): HandlebarsTemplateDelegate<EmailView> {
    const source = fs.readFileSync(path.join(this.templatesDir, file), 'utf8');
    try {
      // compile() is lazy; parsing now makes a broken template stop the app at boot, not at the first email.
      this.hbs.parse(source, { srcName: file });
    } catch (error) {
      throw new EmailTemplateError(`template ${file}: ${(error as Error).message}`, { cause: error });
    }
    return this.hbs.compile<EmailView>(source, kind === 'html' ? HTML_COMPILE_OPTIONS : TEXT_COMPILE_OPTIONS);
  }

  private list(dir: string): string[] {
    return fs.readdirSync(path.join(this.templatesDir, dir)).sort();
  }
}

function templateName(kind: NotificationKind, recipient: Recipient): EmailTemplate {
  return `${recipient}-${kind}`;
}

function emailTo(emails: RenderedEmails, recipient: Recipient): RenderedEmail {
  const found = emails.find((e) => e.recipient === recipient);
  if (!found) throw new EmailTemplateError(`no ${recipient} email`);
  return found.email;
}

function toView(notification: Notification, audience: Audience, links: { preferencesUrl: string; paymentMethodUrl?: string }): EmailView {
  const contacts = contactsOf(notification);
  const client = { name: singleLine(contacts.client.name) };
  const coach = { name: singleLine(contacts.coach.name) };
  const base: BaseView = { audience, recipient: audience === 'coach' ? coach : client, client, coach, preferencesUrl: links.preferencesUrl };
  const other = audience === 'coach' ? ['Client', client.name] : ['Coach', coach.name];
  switch (notification.kind) {
    case 'autobooked': {
      const { event } = notification;
      return { ...base, rate: formatMoney(event.rate), sequence: event.sequence, bookedAt: formatUtc(event.occurredAt), trigger: { type: event.trigger.type } };
    }
    case 'autobook-upcoming': {
      const { event } = notification;
      const rate = formatMoney(event.rate);
      return {
        ...base,
        rate,
        details: detailRows([
          other,
          ['Sessions to book', '1'],
          ['Rate', `${rate} per session`],
          ['Ongoing Training', `automatic booking no. ${event.sequence}`],
        ]),
      };
    }
    case 'autobook-voided': {
      const { event } = notification;
      const rate = formatMoney(event.rate);
      const sessionId = singleLine(event.reason.sessionId);
      return {
        ...base,
        rate,
        sequence: event.sequence,
        sessionId,
        details: detailRows([
          other,
          ['Cancelled', `automatic booking no. ${event.sequence}, 1 session at ${rate}`],
          ['Why', `the completion of session ${sessionId} was undone`],
          ['Cancelled on', formatUtc(event.occurredAt)],
        ]),
      };
    }
    case 'payment-failed': {
      const { event, autobook } = notification;
      const amount = formatMoney(autobook.rate);
      const bookedAt = formatUtc(autobook.occurredAt);
      return {
        ...base,
        amount,
        sequence: autobook.sequence,
        bookedAt,
        providerReason: audience === 'client' && event.reason !== undefined ? singleLine(event.reason) : null,
        paymentMethodUrl: checkLink('paymentMethodUrl', links.paymentMethodUrl),
        details: detailRows([
          other,
          ['Session', `automatic booking no. ${autobook.sequence}, booked on ${bookedAt}`],
          ['Amount', amount],
          ['Payment failed on', formatUtc(event.occurredAt)],
        ]),
      };
    }
  }
}

function detailRows(rows: string[][]): DetailRow[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => ({ label, labelText: `${label}:`.padEnd(width), value }));
}

// C0 and C1 controls (CR, LF, TAB, NUL, ESC, DEL, NEL...) and the Unicode line and paragraph separators.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]+/gu;

/**
 * One line of plain text, safe as a header value or a display name: control characters become a space,
 * so `Sam\r\nBcc: x` can never start a header of its own, whatever the mail library does afterwards.
 */
export function singleLine(value: string): string {
  return value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
}

function checkAddress(address: string): string {
  if (address !== singleLine(address) || /\s/.test(address)) {
    throw new EmailTemplateError(`refusing a recipient address with spaces or control characters`);
  }
  return address;
}

/** A link of the emails: an absolute http(s) URL (config checks at boot that production ones are https). */
function checkLink(name: string, url: string | undefined): string {
  if (url === undefined) throw new EmailTemplateError(`${name} is needed for this email`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EmailTemplateError(`${name} is not an absolute URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new EmailTemplateError(`${name} must be http(s), got ${parsed.protocol}`);
  }
  return url;
}

// Handlebars leaves the blank lines of its block tags: keep at most one empty line, no trailing spaces.
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-24T19:30:00+01:00` -> `24 Nov 2026, 18:30 UTC`: one zone for everyone, no locale data. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new EmailTemplateError(`not a time: ${JSON.stringify(iso)}`);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}
