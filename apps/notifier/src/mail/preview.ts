import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionAutobooked } from '#contracts';
import { escapeHtml } from '#platform/http/escape-html';
import { aPaymentFailed, aSessionAutobookUpcoming, aSessionAutobookVoided } from '#contracts/testing/builders';
import { EmailRenderer, RenderOptions } from './email-renderer.js';
import { Notification } from './notification.js';
import { aSessionAutobooked } from './session-autobooked.builder.js';

export const PREVIEW_PREFERENCES_URL = 'https://app.example.com/account/ongoing-training?from=email';
export const PREVIEW_PAYMENT_METHOD_URL = 'https://app.example.com/account/payment-methods?from=email';
export const PREVIEW_LINKS: RenderOptions = { preferencesUrl: PREVIEW_PREFERENCES_URL, paymentMethodUrl: PREVIEW_PAYMENT_METHOD_URL };

/** A sample autobook for the R9 emails. */
export interface AutobookSample {
  name: string;
  description: string;
  event: SessionAutobooked;
}

export interface PreviewSample {
  /** File name stem: `<name>-coach.html`, `<name>-client.txt`. */
  name: string;
  description: string;
  notification: Notification;
}

const SAM = { name: 'Sam Lee', email: 'sam.lee@example.com' };
const DANA = { name: 'Dana Reyes', email: 'dana.reyes@example.com' };
const HOSTILE_CLIENT = { name: '<script>alert(1)</script>\r\nBcc: victim@example.com', email: 'mallory@example.com' };
const HOSTILE_COACH = { name: 'Dana "D" O\'Brien & <b>Co</b>', email: 'dana.obrien@example.com' };

/** One sample per currency shape, per trigger type, and one with names that try to break out. */
export const SAMPLE_EVENTS: readonly AutobookSample[] = [
  {
    name: 'usd-session-completed',
    description: 'USD 80.00, the last available session was completed',
    event: aSessionAutobooked(),
  },
  {
    name: 'jpy-package-booked',
    description: 'JPY 8000 (no minor units), a late package brought on deck to 0',
    event: aSessionAutobooked({
      eventId: 'autobook:client-haruto:coach-yui:1',
      clientId: 'client-haruto',
      coachId: 'coach-yui',
      sequence: 1,
      ratePackageId: 'pkg-jp-7',
      rate: { amount: 8000, currency: 'JPY' },
      trigger: { type: 'package.booked', eventId: 'evt-pkg-jp-7', sessionId: undefined },
      client: { name: 'Haruto Sato', email: 'haruto@example.jp' },
      coach: { name: 'Yui Tanaka', email: 'yui.tanaka@example.jp' },
    }),
  },
  {
    name: 'bhd-enrollment',
    description: 'BHD 8.000 (three minor units), the client switched Ongoing Training on',
    event: aSessionAutobooked({
      eventId: 'autobook:client-layla:coach-omar:1',
      occurredAt: '2026-12-01T09:05:00+03:00',
      clientId: 'client-layla',
      coachId: 'coach-omar',
      sequence: 1,
      ratePackageId: 'pkg-bh-1',
      rate: { amount: 8000, currency: 'BHD' },
      trigger: { type: 'enrollment', eventId: undefined, sessionId: undefined },
      client: { name: 'Layla Al-Khalifa', email: 'layla@example.bh' },
      coach: { name: 'Omar Haddad', email: 'omar.haddad@example.bh' },
    }),
  },
  {
    name: 'gbp-resume',
    description: 'GBP 65.00, a pause ended with no session on deck (R14)',
    event: aSessionAutobooked({
      eventId: 'autobook:client-ada:coach-ben:4',
      clientId: 'client-ada',
      coachId: 'coach-ben',
      sequence: 4,
      rate: { amount: 6500, currency: 'GBP' },
      trigger: { type: 'resume', eventId: undefined, sessionId: undefined },
      client: { name: 'Ada Byron', email: 'ada@example.co.uk' },
      coach: { name: 'Ben Carter', email: 'ben.carter@example.co.uk' },
    }),
  },
  {
    name: 'usd-payment-succeeded',
    description: 'USD 80.00, the pending payment went through with no session on deck (R16)',
    event: aSessionAutobooked({
      eventId: 'autobook:client-sam:coach-dana:5',
      sequence: 5,
      trigger: { type: 'payment.succeeded', eventId: 'evt-paid-4', sessionId: undefined },
    }),
  },
  {
    name: 'hostile-names',
    description: 'names with markup, quotes and a CRLF header injection attempt',
    event: aSessionAutobooked({
      eventId: 'autobook:client-x:coach-y:12',
      sequence: 12,
      rate: { amount: 8333, currency: 'EUR' },
      client: HOSTILE_CLIENT,
      coach: HOSTILE_COACH,
    }),
  },
];

const PAID_AUTOBOOK = aSessionAutobooked({ eventId: 'autobook:client-sam:coach-dana:3' });
const pair = { clientId: 'client-sam', coachId: 'coach-dana' };

/** The heads-up (R13), the void (R15) and the failed payment (R16), each also with hostile names. */
const OTHER_SAMPLES: readonly PreviewSample[] = [
  {
    name: 'upcoming-usd',
    description: 'R13 heads-up: the next completed session books 1 more at USD 80.00 (client only)',
    notification: {
      kind: 'autobook-upcoming',
      event: aSessionAutobookUpcoming({ ...pair, eventId: 'upcoming:client-sam:coach-dana:3', sequence: 3, client: SAM, coach: DANA }),
    },
  },
  {
    name: 'voided-eur',
    description: 'R15: automatic booking no. 3 at EUR 83.33 cancelled, the completion of session S-1042 was undone',
    notification: {
      kind: 'autobook-voided',
      event: aSessionAutobookVoided({
        ...pair,
        eventId: 'voided:client-sam:coach-dana:3',
        autobookEventId: 'autobook:client-sam:coach-dana:3',
        sequence: 3,
        rate: { amount: 8333, currency: 'EUR' },
        reason: { type: 'completion-reverted', sessionId: 'S-1042', eventId: 'evt-reverted-1042' },
        client: SAM,
        coach: DANA,
      }),
    },
  },
  {
    name: 'payment-failed-usd',
    description: 'R16: the payment of USD 80.00 for automatic booking no. 3 failed, "card declined"',
    notification: {
      kind: 'payment-failed',
      event: aPaymentFailed({
        ...pair,
        eventId: 'evt-payment-failed-3',
        autobookEventId: PAID_AUTOBOOK.eventId,
        occurredAt: '2026-11-24T18:35:00Z',
        reason: 'Your card was declined.',
      }),
      autobook: PAID_AUTOBOOK,
    },
  },
  {
    name: 'payment-failed-bhd-no-reason',
    description: 'R16: the payment of BHD 8.000 failed, the provider said nothing',
    notification: {
      kind: 'payment-failed',
      event: aPaymentFailed({
        clientId: 'client-layla',
        coachId: 'coach-omar',
        eventId: 'evt-payment-failed-bh',
        autobookEventId: 'autobook:client-layla:coach-omar:1',
        reason: undefined,
      }),
      autobook: SAMPLE_EVENTS.find((s) => s.name === 'bhd-enrollment')!.event,
    },
  },
  {
    name: 'hostile-upcoming',
    description: 'R13 heads-up with names that try to break out',
    notification: { kind: 'autobook-upcoming', event: aSessionAutobookUpcoming({ client: HOSTILE_CLIENT, coach: HOSTILE_COACH }) },
  },
  {
    name: 'hostile-voided',
    description: 'R15 void with names and a session id that try to break out',
    notification: {
      kind: 'autobook-voided',
      event: aSessionAutobookVoided({
        reason: { type: 'completion-reverted', sessionId: '<i>s1</i>\r\nX-Evil: 1', eventId: 'r1' },
        client: HOSTILE_CLIENT,
        coach: HOSTILE_COACH,
      }),
    },
  },
  {
    name: 'hostile-payment-failed',
    description: 'R16 with names and a provider reason that try to break out',
    notification: {
      kind: 'payment-failed',
      event: aPaymentFailed({ reason: '<a href="https://evil.example">Pay here</a>' }),
      autobook: aSessionAutobooked({ eventId: 'autobook-1', clientId: 'client-1', coachId: 'coach-1', client: HOSTILE_CLIENT, coach: HOSTILE_COACH }),
    },
  },
];

/** Every email of the notifier: the autobook samples, then the other kinds. */
export const PREVIEW_SAMPLES: readonly PreviewSample[] = [
  ...SAMPLE_EVENTS.map(({ name, description, event }): PreviewSample => ({ name, description, notification: { kind: 'autobooked', event } })),
  ...OTHER_SAMPLES,
];

/**
 * Renders every sample with each of its emails into `outDir` (`<sample>-<coach|client>.html` and `.txt`) plus an
 * `index.html` linking them. Returns the paths written, index last.
 */
export function writePreviews(outDir: string, renderer: EmailRenderer = new EmailRenderer(), links: RenderOptions = PREVIEW_LINKS): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const rows: string[] = [];
  for (const sample of PREVIEW_SAMPLES) {
    const items: string[] = [];
    for (const { recipient: audience, email } of renderer.renderAll(sample.notification, links)) {
      const stem = `${sample.name}-${audience}`;
      for (const [ext, body] of [
        ['html', email.html],
        ['txt', email.text],
      ] as const) {
        const file = path.join(outDir, `${stem}.${ext}`);
        fs.writeFileSync(file, body, 'utf8');
        written.push(file);
      }
      items.push(
        `<li><strong>${audience}</strong> to ${escapeHtml(`${email.to.name} <${email.to.address}>`)}: ` +
          `<a href="${stem}.html">HTML</a> · <a href="${stem}.txt">text</a><br>` +
          `<small>Subject: ${escapeHtml(email.subject)}</small></li>`,
      );
    }
    rows.push(`<h2>${escapeHtml(sample.name)}</h2><p>${escapeHtml(sample.description)}</p><ul>${items.join('')}</ul>`);
  }
  const index = path.join(outDir, 'index.html');
  fs.writeFileSync(
    index,
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Email previews</title></head>` +
      `<body style="font-family:Arial,Helvetica,sans-serif;max-width:760px;margin:24px auto;padding:0 12px;">` +
      `<h1>Ongoing Training email previews</h1>${rows.join('\n')}</body></html>\n`,
    'utf8',
  );
  written.push(index);
  return written;
}
