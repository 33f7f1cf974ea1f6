import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { SessionAutobooked, describeIssues, sessionAutobookedSchema } from '@app/contracts';
import { formatMoney } from './money-format';

/** Where nest-cli copies the templates: next to the compiled `mail/` folder, in source and in `dist/`. */
export const DEFAULT_TEMPLATES_DIR = path.join(__dirname, '..', 'templates');

/** The emails of R9, one file set per email: `<name>.subject.hbs`, `<name>.html.hbs`, `<name>.text.hbs`. */
export const EMAIL_TEMPLATES = ['coach-autobooked', 'client-autobooked'] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export type Audience = 'coach' | 'client';

export interface RenderedEmail {
  to: { name: string; address: string };
  subject: string;
  html: string;
  text: string;
}

export interface RenderOptions {
  /** The page where the client manages Ongoing Training (PREFERENCES_URL). */
  preferencesUrl: string;
}

// strict: a template that names a value which is not there throws instead of sending a blank.
export const HTML_COMPILE_OPTIONS: CompileOptions = { strict: true };
// Subjects and text parts are not HTML: escaping them would show `&amp;` to the reader.
export const TEXT_COMPILE_OPTIONS: CompileOptions = { strict: true, noEscape: true };

/** The data every template sees. Built once per email from the event; nothing else reaches a template. */
export interface EmailView {
  audience: Audience;
  recipient: { name: string };
  client: { name: string };
  coach: { name: string };
  /** The per-session rate, formatted for its currency (`USD 80.00`). */
  rate: string;
  /** The n-th autobook of this pair. */
  sequence: number;
  /** When the session was booked, in UTC (`24 Nov 2026, 18:30 UTC`). */
  bookedAt: string;
  trigger: { type: SessionAutobooked['trigger']['type'] };
  preferencesUrl: string;
  /** Only in the HTML and text parts: the subject rendered before them. */
  subject?: string;
}

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
 * Renders the two R9 emails of a `session.autobooked` event. Every template is read and parsed once, at
 * construction, on a Handlebars instance of its own: the partials and helpers registered here cannot leak
 * into, or be overridden by, any other code using the global Handlebars.
 */
export class EmailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly emails: Record<EmailTemplate, CompiledEmail>;

  constructor(private readonly templatesDir: string = DEFAULT_TEMPLATES_DIR) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.registerPartials();
    this.emails = {
      'coach-autobooked': this.loadEmail('coach-autobooked'),
      'client-autobooked': this.loadEmail('client-autobooked'),
    };
  }

  render(event: SessionAutobooked, opts: RenderOptions): { coach: RenderedEmail; client: RenderedEmail } {
    // The consumer validates too; checking again here means no path (preview, replay tool) renders junk.
    const parsed = sessionAutobookedSchema.safeParse(event);
    if (!parsed.success) {
      throw new EmailTemplateError(`cannot render ${event?.eventId ?? 'event'}: ${describeIssues(parsed.error)}`);
    }
    const valid = parsed.data;
    const preferencesUrl = checkPreferencesUrl(opts.preferencesUrl);
    return {
      coach: this.renderOne('coach-autobooked', toView(valid, 'coach', preferencesUrl), valid.coach.email),
      client: this.renderOne('client-autobooked', toView(valid, 'client', preferencesUrl), valid.client.email),
    };
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

function toView(event: SessionAutobooked, audience: Audience, preferencesUrl: string): EmailView {
  const client = { name: singleLine(event.client.name) };
  const coach = { name: singleLine(event.coach.name) };
  return {
    audience,
    recipient: audience === 'coach' ? coach : client,
    client,
    coach,
    rate: formatMoney(event.rate),
    sequence: event.sequence,
    bookedAt: formatUtc(event.occurredAt),
    trigger: { type: event.trigger.type },
    preferencesUrl,
  };
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

function checkPreferencesUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EmailTemplateError(`preferencesUrl is not an absolute URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new EmailTemplateError(`preferencesUrl must be http(s), got ${parsed.protocol}`);
  }
  return url;
}

// Handlebars leaves the blank lines of its block tags: keep at most one empty line, no trailing spaces.
function tidyText(text: string): string {
  return `${text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-24T19:30:00+01:00` -> `24 Nov 2026, 18:30 UTC`: one zone for everyone, no locale data. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new EmailTemplateError(`not a time: ${JSON.stringify(iso)}`);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}
