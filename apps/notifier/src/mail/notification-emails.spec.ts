import { PaymentFailed, SessionAutobookUpcoming, SessionAutobookVoided } from '#contracts';
import { aPaymentFailed, aSessionAutobookUpcoming, aSessionAutobookVoided } from '#contracts/testing/builders';
import { EmailRenderer, EmailTemplateError, RenderedEmail } from './email-renderer.js';
import { Notification } from './notification.js';
import { aSessionAutobooked } from './session-autobooked.builder.js';

const PREFERENCES_URL = 'https://app.example.com/account/ongoing-training';
const PAYMENT_METHOD_URL = 'https://app.example.com/account/payment-methods?x=1&y=2';
const LINKS = { preferencesUrl: PREFERENCES_URL, paymentMethodUrl: PAYMENT_METHOD_URL };

const SAM = { name: 'Sam Lee', email: 'sam.lee@example.com' };
const DANA = { name: 'Dana Reyes', email: 'dana.reyes@example.com' };
const pair = { clientId: 'client-sam', coachId: 'coach-dana' };

const renderer = new EmailRenderer();

/** The emails of a notification, by recipient; fails when a recipient has more than one. */
function render(notification: Notification): Partial<Record<'coach' | 'client', RenderedEmail>> {
  const emails = renderer.renderAll(notification, LINKS);
  expect(new Set(emails.map((e) => e.recipient)).size).toBe(emails.length);
  return Object.fromEntries(emails.map((e) => [e.recipient, e.email]));
}

const upcoming = (overrides: Partial<SessionAutobookUpcoming> = {}): Notification => ({
  kind: 'autobook-upcoming',
  event: aSessionAutobookUpcoming({ ...pair, sequence: 4, client: SAM, coach: DANA, ...overrides }),
});

const voided = (overrides: Partial<SessionAutobookVoided> = {}): Notification => ({
  kind: 'autobook-voided',
  event: aSessionAutobookVoided({
    ...pair,
    sequence: 3,
    rate: { amount: 8333, currency: 'EUR' },
    reason: { type: 'completion-reverted', sessionId: 'S-1042', eventId: 'reverted-1042' },
    occurredAt: '2026-11-25T09:15:00Z',
    client: SAM,
    coach: DANA,
    ...overrides,
  }),
});

const AUTOBOOK = aSessionAutobooked({ eventId: 'autobook-sam-3', ...pair, client: SAM, coach: DANA });
const failed = (overrides: Partial<PaymentFailed> = {}, autobook = AUTOBOOK): Notification => ({
  kind: 'payment-failed',
  event: aPaymentFailed({ ...pair, autobookEventId: autobook.eventId, occurredAt: '2026-11-24T18:35:00Z', reason: 'Your card was declined.', ...overrides }),
  autobook,
});

describe('R13: the heads-up before the first autobook after a package', () => {
  const { client, coach } = render(upcoming());

  it('goes to the client only', () => {
    expect(coach).toBeUndefined();
    expect(client!.to).toEqual({ name: 'Sam Lee', address: 'sam.lee@example.com' });
  });

  it('says the next completed session with the coach books 1 more at the rate', () => {
    expect(client!.subject).toBe('Ongoing Training: your next completed session with Dana Reyes books 1 more at USD 80.00');
    for (const part of ['text', 'html'] as const) {
      expect(client![part]).toContain('Hi Sam Lee,');
      expect(client![part]).toMatch(/When Dana Reyes marks that session as complete, 1 more session will be booked automatically/);
      expect(client![part]).toContain('USD 80.00');
      expect(client![part]).toContain('automatic booking no. 4');
    }
    expect(client!.text).toContain('at your current rate of USD 80.00 per session');
  });

  it('links to manage Ongoing Training and to pause it', () => {
    expect(client!.text).toContain(`Manage Ongoing Training Program Preferences: ${PREFERENCES_URL}`);
    expect(client!.text).toContain(`Pause Ongoing Training: ${PREFERENCES_URL}`);
    expect(client!.html).toContain(`<a href="${PREFERENCES_URL}" target="_blank" rel="noopener" style="color:#15803d;">Pause Ongoing Training</a>`);
    expect(client!.html).toContain('Manage Ongoing Training Program Preferences</a>');
  });

  it('formats the rate for its currency', () => {
    const jpy = render(upcoming({ rate: { amount: 8000, currency: 'JPY' } })).client!;
    const bhd = render(upcoming({ rate: { amount: 8000, currency: 'BHD' } })).client!;
    expect(jpy.subject).toContain('at JPY 8000');
    expect(jpy.text).toContain('Rate:             JPY 8000 per session');
    expect(bhd.html).toContain('<strong>BHD 8.000</strong>');
  });
});

describe('R15: an autobook voided because the completion that triggered it was undone', () => {
  const { client, coach } = render(voided());

  it('goes to the coach and to the client', () => {
    expect(client!.to.address).toBe('sam.lee@example.com');
    expect(coach!.to.address).toBe('dana.reyes@example.com');
  });

  it('says the automatic booking was cancelled, and why, in both parts', () => {
    expect(client!.subject).toBe('Ongoing Training: the session booked automatically with Dana Reyes is cancelled, you will not be charged');
    expect(coach!.subject).toBe('Ongoing Training: the session booked automatically for Sam Lee is cancelled');
    for (const email of [client!, coach!]) {
      for (const part of ['text', 'html'] as const) {
        expect(email[part]).toContain('that Ongoing Training booked automatically has been cancelled');
        expect(email[part]).toContain('automatic booking no. 3');
        expect(email[part]).toContain('EUR 83.33');
        expect(email[part]).toContain('it was booked because session S-1042 was marked as complete, and that completion has been undone');
      }
    }
    expect(client!.text).toContain('Cancelled on: 25 Nov 2026, 09:15 UTC');
  });

  it('tells the client they will not be charged or will be refunded, and the coach the same of the client', () => {
    expect(client!.text).toContain('You will not be charged for the cancelled session. If you have already paid for it, the EUR 83.33 will be refunded.');
    expect(coach!.text).toContain('Sam Lee will not be charged for the cancelled session, or will be refunded the EUR 83.33 if they already paid for it.');
  });

  it('formats the refunded amount for its currency', () => {
    const { client: jpy } = render(voided({ rate: { amount: 8000, currency: 'JPY' } }));
    expect(jpy!.text).toContain('the JPY 8000 will be refunded');
  });
});

describe('R16: a failed payment', () => {
  const { client, coach } = render(failed());

  it('names the session, the amount and the coach to the client, with what to do and the payment-method link', () => {
    expect(client!.to).toEqual({ name: 'Sam Lee', address: 'sam.lee@example.com' });
    expect(client!.subject).toBe('Ongoing Training: the payment of USD 80.00 for your session with Dana Reyes did not go through');
    expect(client!.text).toContain('The payment of USD 80.00 for your session with Dana Reyes did not go through.');
    expect(client!.text).toContain('booked automatically on 24 Nov 2026, 18:30 UTC (automatic booking no. 3)');
    expect(client!.text).toContain('What to do: check your payment details and update your payment method');
    expect(client!.text).toContain(`Update your payment method: ${PAYMENT_METHOD_URL}`);
    expect(client!.text).toContain('The payment provider said: Your card was declined.');
    expect(client!.text).toContain('Until this payment goes through, no further session with Dana Reyes is booked automatically.');
    // The href as a mail client reads it (Handlebars writes `=` as `&#x3D;` and `&` as `&amp;`).
    const hrefs = [...client!.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
    expect(hrefs.filter((href) => href === PAYMENT_METHOD_URL)).toHaveLength(2); // the button and the fallback link
    expect(client!.html).toContain('Update your payment method</a>');
  });

  it('tells the coach that the next automatic booking waits for the payment, without the provider message', () => {
    expect(coach!.to.address).toBe('dana.reyes@example.com');
    expect(coach!.subject).toBe('Ongoing Training: the next automatic booking for Sam Lee waits for a payment');
    for (const part of ['text', 'html'] as const) {
      expect(coach![part]).toContain('The next automatic booking for Sam Lee waits for this payment');
      expect(coach![part]).toContain('USD 80.00');
      expect(coach![part]).not.toContain('declined');
      expect(coach![part]).not.toContain(PAYMENT_METHOD_URL);
    }
  });

  it('leaves out the provider line when the provider said nothing', () => {
    const { client: quiet } = render(failed({ reason: undefined }));
    expect(quiet!.text).not.toContain('The payment provider said');
    expect(quiet!.html).not.toContain('The payment provider said');
    expect(quiet!.text).not.toMatch(/\n{3}/);
  });

  it('formats the amount for the currency of the autobook', () => {
    const bhd = aSessionAutobooked({ ...AUTOBOOK, rate: { amount: 8000, currency: 'BHD' } });
    const { client: c, coach: k } = render(failed({}, bhd));
    expect(c!.subject).toContain('payment of BHD 8.000');
    expect(k!.text).toContain('Amount:            BHD 8.000');
  });

  it('refuses to render without a payment-method link, or with one that is not http(s)', () => {
    expect(() => renderer.renderAll(failed(), { preferencesUrl: PREFERENCES_URL })).toThrow(/paymentMethodUrl/);
    expect(() => renderer.renderAll(failed(), { ...LINKS, paymentMethodUrl: 'javascript:alert(1)' })).toThrow(/http/);
  });

  it('refuses a failure whose pair is not its autobook’s: its emails would go to the wrong people', () => {
    expect(() => renderer.renderAll(failed({ clientId: 'someone-else' }), LINKS)).toThrow(EmailTemplateError);
    expect(() => renderer.renderAll(failed({ clientId: 'someone-else' }), LINKS)).toThrow(/someone-else/);
    expect(() => renderer.renderAll(failed({ autobookEventId: 'another-autobook' }), LINKS)).toThrow(/another-autobook/);
  });
});

describe('hostile names in the new emails', () => {
  const SCRIPT = '<script>alert(1)</script>\r\nBcc: victim@example.com';
  const QUOTES = 'Dana "D" O\'Brien & <b>Co</b>';
  const hostile = { client: { name: SCRIPT, email: 'mallory@example.com' }, coach: { name: QUOTES, email: 'dana.obrien@example.com' } };
  const cases: [string, Notification][] = [
    ['heads-up', upcoming(hostile)],
    ['void', voided({ ...hostile, reason: { type: 'completion-reverted', sessionId: '<i>S-1</i>\r\nX-Evil: 1', eventId: 'r1' } })],
    ['failed payment', failed({ reason: '<a href="https://evil.example">Pay here</a>' }, aSessionAutobooked({ ...AUTOBOOK, ...hostile }))],
  ];

  it.each(cases)('%s: appear as text in the HTML, never as markup, and on one line elsewhere', (_kind, notification) => {
    for (const { email } of renderer.renderAll(notification, LINKS)) {
      expect(email.html).not.toContain('<script>');
      expect(email.html).not.toContain('<b>Co</b>');
      expect(email.html).not.toContain('<i>S-1</i>');
      expect(email.html).not.toContain('<a href="https://evil.example"');
      expect(email.html).toMatch(/&lt;script&gt;alert\(1\)&lt;\/script&gt;|Dana &quot;D&quot; O&#x27;Brien &amp; &lt;b&gt;Co&lt;\/b&gt;/);
      expect(email.subject).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(email.to.name).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(email.text).not.toContain('&amp;');
      expect(email.text).not.toContain('\r');
    }
  });

  it('shows the provider message of a failed payment escaped in the HTML and as it is in the text', () => {
    const { client } = render(cases[2][1]);
    expect(client!.html).toContain('The payment provider said: &lt;a href&#x3D;&quot;https://evil.example&quot;&gt;Pay here&lt;/a&gt;');
    expect(client!.text).toContain('The payment provider said: <a href="https://evil.example">Pay here</a>');
  });

  it('keeps a session id with a line break on one line', () => {
    const { coach } = render(cases[1][1]);
    expect(coach!.text).toContain('session <i>S-1</i> X-Evil: 1 was marked as complete');
  });
});
