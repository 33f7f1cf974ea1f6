import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionAutobooked } from '@app/contracts';
import { EmailRenderer } from './email-renderer';
import { aSessionAutobooked } from './session-autobooked.builder';

export const PREVIEW_PREFERENCES_URL = 'https://app.example.com/account/ongoing-training?from=email';

export interface PreviewSample {
  /** File name stem: `<name>-coach.html`, `<name>-client.txt`. */
  name: string;
  description: string;
  event: SessionAutobooked;
}

/** One sample per currency shape, per trigger type, and one with names that try to break out. */
export const SAMPLE_EVENTS: readonly PreviewSample[] = [
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
      client: { name: '<script>alert(1)</script>\r\nBcc: victim@example.com', email: 'mallory@example.com' },
      coach: { name: 'Dana "D" O\'Brien & <b>Co</b>', email: 'dana.obrien@example.com' },
    }),
  },
];

/**
 * Renders every sample with every email into `outDir` (`<sample>-<coach|client>.html` and `.txt`) plus an
 * `index.html` linking them. Returns the paths written, index last.
 */
export function writePreviews(
  outDir: string,
  renderer: EmailRenderer = new EmailRenderer(),
  preferencesUrl: string = PREVIEW_PREFERENCES_URL,
): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const rows: string[] = [];
  for (const sample of SAMPLE_EVENTS) {
    const emails = renderer.render(sample.event, { preferencesUrl });
    const links: string[] = [];
    for (const audience of ['coach', 'client'] as const) {
      const email = emails[audience];
      const stem = `${sample.name}-${audience}`;
      for (const [ext, body] of [['html', email.html], ['txt', email.text]] as const) {
        const file = path.join(outDir, `${stem}.${ext}`);
        fs.writeFileSync(file, body, 'utf8');
        written.push(file);
      }
      links.push(
        `<li><strong>${audience}</strong> to ${escapeHtml(`${email.to.name} <${email.to.address}>`)}: ` +
          `<a href="${stem}.html">HTML</a> · <a href="${stem}.txt">text</a><br>` +
          `<small>Subject: ${escapeHtml(email.subject)}</small></li>`,
      );
    }
    rows.push(`<h2>${escapeHtml(sample.name)}</h2><p>${escapeHtml(sample.description)}</p><ul>${links.join('')}</ul>`);
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

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
