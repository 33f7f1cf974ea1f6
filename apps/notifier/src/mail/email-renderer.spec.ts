import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { SessionAutobooked } from '#contracts';
import { DEFAULT_TEMPLATES_DIR, EmailRenderer, EmailTemplateError, formatUtc, singleLine } from './email-renderer.js';
import { aSessionAutobooked } from './session-autobooked.builder.js';

const PREFERENCES_URL = 'https://app.example.com/account/ongoing-training';

describe('EmailRenderer', () => {
  const renderer = new EmailRenderer();
  const render = (event: SessionAutobooked = aSessionAutobooked()) => renderer.render(event, { preferencesUrl: PREFERENCES_URL });

  describe('R9: one email to the coach and one to the client', () => {
    const { coach, client } = render();

    it('addresses each email to its recipient', () => {
      expect(coach.to).toEqual({ name: 'Dana Reyes', address: 'dana.reyes@example.com' });
      expect(client.to).toEqual({ name: 'Sam Lee', address: 'sam.lee@example.com' });
    });

    it('says in the subject that one more session was booked, with whom and at what rate', () => {
      expect(client.subject).toBe('Ongoing Training: 1 more session booked with Dana Reyes at USD 80.00');
      expect(coach.subject).toBe('Ongoing Training: 1 more session booked for Sam Lee at USD 80.00');
    });

    it.each(['html', 'text'] as const)('greets the recipient by name and states the rate in the %s part', (part) => {
      expect(client[part]).toContain('Hi Sam Lee,');
      expect(coach[part]).toContain('Hi Dana Reyes,');
      for (const email of [coach, client]) {
        expect(email[part]).toMatch(/1 more session with .* has been booked automatically/);
        expect(email[part]).toContain('USD 80.00');
        expect(email[part]).toContain('per-session rate of the last package');
        expect(email[part]).toContain('automatic booking no. 3');
        expect(email[part]).toContain('24 Nov 2026, 18:30 UTC');
      }
    });

    it('links the client to where Ongoing Training is managed', () => {
      expect(client.html).toContain(`<a href="${PREFERENCES_URL}"`);
      expect(client.html).toContain('Manage Ongoing Training Program Preferences</a>');
      expect(client.text).toContain(`Manage Ongoing Training Program Preferences: ${PREFERENCES_URL}`);
    });

    it('tells the coach where the client manages Ongoing Training', () => {
      expect(coach.html).toContain(`<a href="${PREFERENCES_URL}"`);
      expect(coach.text).toContain(PREFERENCES_URL);
    });

    it('renders a complete HTML document and a plain text part without markup', () => {
      for (const email of [coach, client]) {
        expect(email.html).toMatch(/^<!DOCTYPE html>/);
        expect(email.html).toContain(`<title>${email.subject}</title>`);
        expect(email.text).not.toMatch(/<[a-z!/]/i);
        expect(email.text).not.toMatch(/\n{3}/);
      }
    });
  });

  describe('the reason follows what brought on deck to 0', () => {
    it.each([
      ['session.completed', /last available session was just marked as complete/, /you marked their last available session as complete/],
      ['package.booked', /now that your package has been recorded/, /now that their package with you has been recorded/],
      ['enrollment', /You just turned on the Ongoing Training option/, /just turned on the Ongoing Training option with you/],
      ['resume', /Your pause of Ongoing Training with Dana Reyes has ended/, /Sam Lee's pause of Ongoing Training with you has ended/],
      [
        'payment.succeeded',
        /Your payment for an earlier session with Dana Reyes has gone through/,
        /Sam Lee's payment for an earlier session with you has gone through/,
      ],
    ] as const)('%s', (type, forClient, forCoach) => {
      const { coach, client } = render(aSessionAutobooked({ trigger: { type } }));
      expect(client.text).toMatch(forClient);
      expect(client.html).toMatch(forClient);
      expect(coach.text).toMatch(forCoach);
      expect(coach.html).toMatch(forCoach);
    });
  });

  it('formats the rate for its currency in both emails', () => {
    const jpy = render(aSessionAutobooked({ rate: { amount: 8000, currency: 'JPY' } }));
    const bhd = render(aSessionAutobooked({ rate: { amount: 8000, currency: 'BHD' } }));
    expect(jpy.client.text).toContain('at your current rate of JPY 8000 per session');
    expect(jpy.coach.subject).toContain('JPY 8000');
    expect(bhd.client.html).toContain('<strong>BHD 8.000</strong>');
    expect(bhd.coach.text).toContain('BHD 8.000');
  });

  describe('hostile names', () => {
    const event = aSessionAutobooked({
      client: { name: '<script>alert(1)</script>\r\nBcc: victim@example.com' },
      coach: { name: 'Dana "D" O\'Brien & <b>Co</b>\u0000\u001b\u2028' },
    });
    const { coach, client } = render(event);

    it('appear as text in the HTML, never as markup', () => {
      for (const email of [coach, client]) {
        expect(email.html).not.toContain('<script>');
        expect(email.html).not.toContain('<b>Co</b>');
        expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(email.html).toContain('Dana &quot;D&quot; O&#x27;Brien &amp; &lt;b&gt;Co&lt;/b&gt;');
      }
    });

    it('cannot add a header through the subject or the recipient name', () => {
      for (const email of [coach, client]) {
        expect(email.subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        expect(email.to.name).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      }
      expect(coach.subject).toBe('Ongoing Training: 1 more session booked for <script>alert(1)</script> Bcc: victim@example.com at USD 80.00');
      expect(client.to.name).toBe('<script>alert(1)</script> Bcc: victim@example.com');
      expect(coach.to.name).toBe('Dana "D" O\'Brien & <b>Co</b>');
    });

    it('stay unescaped in the text part, on one line', () => {
      expect(client.text).toContain('Hi <script>alert(1)</script> Bcc: victim@example.com,\n');
      expect(coach.text).toContain('Hi Dana "D" O\'Brien & <b>Co</b>,\n');
      expect(coach.text).not.toContain('&amp;');
    });
  });

  it('refuses an event that breaks the session.autobooked contract', () => {
    const event = aSessionAutobooked() as Partial<SessionAutobooked>;
    delete event.rate;
    expect(() => render(event as SessionAutobooked)).toThrow(EmailTemplateError);
    expect(() => render(aSessionAutobooked({ client: { name: '' } }))).toThrow(/client\.name/);
  });

  it('refuses a preferences link that is not http(s)', () => {
    expect(() => renderer.render(aSessionAutobooked(), { preferencesUrl: 'javascript:alert(1)' })).toThrow(/http/);
    expect(() => renderer.render(aSessionAutobooked(), { preferencesUrl: '/relative' })).toThrow(/absolute/);
  });

  describe('templates (strict mode, isolated instance)', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'email-templates-'));
      fs.cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const append = (file: string, text: string) => fs.appendFileSync(path.join(dir, file), text);

    it.each([
      'client-autobooked.html.hbs',
      'client-autobooked.text.hbs',
      'coach-autobooked.subject.hbs',
      'partials/session-details.html.hbs',
      'partials/coach-reason.hbs',
    ])('throws instead of sending a blank when %s names a value that is not there', (file) => {
      append(file, '{{coach.nickname}}');
      const strictRenderer = new EmailRenderer(dir);
      expect(() => strictRenderer.render(aSessionAutobooked(), { preferencesUrl: PREFERENCES_URL })).toThrow(/nickname/);
    });

    it('renders the same as the shipped templates when nothing is changed', () => {
      expect(new EmailRenderer(dir).render(aSessionAutobooked(), { preferencesUrl: PREFERENCES_URL })).toEqual(render());
    });

    it('fails at construction, not at the first email, when a template does not parse', () => {
      append('coach-autobooked.html.hbs', '{{#if}}');
      expect(() => new EmailRenderer(dir)).toThrow(/coach-autobooked\.html\.hbs/);
    });

    it('fails at construction when an email template is missing', () => {
      fs.rmSync(path.join(dir, 'client-autobooked.subject.hbs'));
      expect(() => new EmailRenderer(dir)).toThrow(/client-autobooked\.subject\.hbs/);
    });

    it('registers nothing on the global Handlebars', () => {
      expect(Handlebars.helpers).not.toHaveProperty('eq');
      expect(Object.keys(Handlebars.partials)).toEqual([]);
    });
  });
});

describe('singleLine', () => {
  it('turns control characters and line separators into a single space', () => {
    expect(singleLine(' a\r\nb\tc\u0000d\u0085e\u2028f\u007f ')).toBe('a b c d e f');
  });
});

describe('formatUtc', () => {
  it('shows the booking time in UTC whatever the zone of occurredAt', () => {
    expect(formatUtc('2026-12-01T09:05:00+03:00')).toBe('1 Dec 2026, 06:05 UTC');
  });
});
