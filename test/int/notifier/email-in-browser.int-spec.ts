import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { SessionAutobooked } from '#contracts';
import { aSessionAutobooked } from '#contracts/testing/builders';
import { EmailRenderer, RenderedEmail } from '../../../apps/notifier/src/mail/email-renderer.js';
import { PREVIEW_LINKS, PREVIEW_PAYMENT_METHOD_URL, PREVIEW_PREFERENCES_URL, PREVIEW_SAMPLES, SAMPLE_EVENTS } from '../../../apps/notifier/src/mail/preview.js';

// The rendered emails as a reader sees them: opened in headless Chromium (Debian's package, not a
// downloaded browser), checked on the visible text, and screenshotted into .artifacts/ (git-ignored).
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT_DIR = path.join(import.meta.dirname, '..', '..', '..', '.artifacts', 'email-browser');

const SCRIPT_NAME = '<script>alert(1)</script>';
const IMG_NAME = '<img src=x onerror=alert(2)>';

interface BrowserSample {
  name: string;
  event: SessionAutobooked;
  /** The rate exactly as the reader should see it. */
  rate: string;
}

const usd = SAMPLE_EVENTS.find((sample) => sample.name === 'usd-session-completed');
if (!usd) throw new Error('SAMPLE_EVENTS has no usd-session-completed sample');

const SAMPLES: BrowserSample[] = [
  { name: usd.name, event: usd.event, rate: 'USD 80.00' },
  {
    name: 'hostile-names',
    event: aSessionAutobooked({
      eventId: 'autobook-hostile-browser',
      rate: { amount: 8333, currency: 'EUR' },
      client: { name: SCRIPT_NAME, email: 'mallory@example.com' },
      coach: { name: IMG_NAME, email: 'eve@example.com' },
    }),
    rate: 'EUR 83.33',
  },
];

const CASES = SAMPLES.flatMap((sample) => (['coach', 'client'] as const).map((recipient) => ({ sample, recipient, stem: `${sample.name}-${recipient}` })));

describe('notifier: rendered emails in headless Chromium', () => {
  const renderer = new EmailRenderer();
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM_PATH)) {
      throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH to a Chromium binary)`);
    }
    fs.mkdirSync(OUT_DIR, { recursive: true });
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    } catch (error) {
      throw new Error(`cannot launch Chromium at ${CHROMIUM_PATH} (run scripts/ensure-chromium.sh): ${(error as Error).message}`, { cause: error });
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  /**
   * Opens an email's HTML in Chromium, lets `check` read it, then checks it ran nothing and screenshots it
   * into .artifacts/email-browser/<stem>.png.
   */
  async function inBrowser(stem: string, html: string, check: (page: Page, text: string) => Promise<void>): Promise<void> {
    const htmlFile = path.join(OUT_DIR, `${stem}.html`);
    const pngFile = path.join(OUT_DIR, `${stem}.png`);
    fs.writeFileSync(htmlFile, html, 'utf8');
    fs.rmSync(pngFile, { force: true });

    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    try {
      await page.goto(`file://${htmlFile}`, { waitUntil: 'load' });
      await check(page, await page.innerText('body'));

      expect(await page.$$('script')).toHaveLength(0);
      expect(dialogs).toEqual([]);

      await page.screenshot({ path: pngFile, fullPage: true });
      expect(fs.existsSync(pngFile)).toBe(true);
      expect(fs.statSync(pngFile).size).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  }

  /** Every link named `label` is visible and goes to `href`; there is at least one. */
  async function expectLinks(page: Page, label: RegExp, href: string): Promise<void> {
    const links = page.getByRole('link', { name: label });
    expect(await links.count()).toBeGreaterThan(0);
    for (const link of await links.all()) {
      expect(await link.isVisible()).toBe(true);
      expect(await link.getAttribute('href')).toBe(href);
    }
  }

  it.each(CASES)('$stem reads right and runs nothing', async ({ sample, recipient, stem }) => {
    const emails = renderer.render(sample.event, { preferencesUrl: PREVIEW_PREFERENCES_URL });
    const email: RenderedEmail = emails[recipient];
    await inBrowser(stem, email.html, async (page, text) => {
      // Greets the recipient by name; a name made of markup shows up literally, as text.
      expect(text).toContain(`Hi ${sample.event[recipient].name},`);
      // The other party is named too (the coach email names the client, the client email the coach).
      expect(text).toContain(sample.event[recipient === 'coach' ? 'client' : 'coach'].name);
      expect(text).toContain(sample.rate);
      expect(text).toMatch(/\b1 more session with [^\n]+ has been booked automatically/);
      if (recipient === 'client') await expectLinks(page, /Ongoing Training Program Preferences/i, PREVIEW_PREFERENCES_URL);
    });
  });

  // The heads-up (R13), the void (R15) and the failed payment (R16): what each must say, and the links
  // the reader must be able to follow, by sample.
  const OTHER_CASES: { name: string; recipient: 'coach' | 'client'; says: RegExp[]; links: [RegExp, string][] }[] = [
    {
      name: 'upcoming-usd',
      recipient: 'client',
      says: [/1 more session will be booked automatically/, /USD 80\.00/],
      links: [
        [/Manage Ongoing Training Program Preferences/, PREVIEW_PREFERENCES_URL],
        [/Pause Ongoing Training/, PREVIEW_PREFERENCES_URL],
      ],
    },
    {
      name: 'voided-eur',
      recipient: 'client',
      says: [/has been cancelled/, /You will not be charged/, /EUR 83\.33/],
      links: [[/Manage Ongoing Training Program Preferences/, PREVIEW_PREFERENCES_URL]],
    },
    { name: 'voided-eur', recipient: 'coach', says: [/has been cancelled/, /completion has been undone/, /EUR 83\.33/], links: [] },
    {
      name: 'payment-failed-usd',
      recipient: 'client',
      says: [/did not go through/, /USD 80\.00/, /What to do/],
      links: [[/Update your payment method/, PREVIEW_PAYMENT_METHOD_URL]],
    },
    { name: 'payment-failed-usd', recipient: 'coach', says: [/waits for this payment/, /USD 80\.00/], links: [] },
    {
      name: 'hostile-upcoming',
      recipient: 'client',
      says: [/1 more session will be booked automatically/],
      links: [[/Pause Ongoing Training/, PREVIEW_PREFERENCES_URL]],
    },
    { name: 'hostile-voided', recipient: 'coach', says: [/has been cancelled/, /session <i>s1<\/i> X-Evil: 1/], links: [] },
    {
      name: 'hostile-payment-failed',
      recipient: 'client',
      says: [/The payment provider said: <a href="https:\/\/evil\.example">Pay here<\/a>/],
      links: [[/Update your payment method/, PREVIEW_PAYMENT_METHOD_URL]],
    },
  ];

  it.each(OTHER_CASES)('$name-$recipient reads right, links right and runs nothing', async ({ name, recipient, says, links }) => {
    const sample = PREVIEW_SAMPLES.find((s) => s.name === name);
    if (!sample) throw new Error(`PREVIEW_SAMPLES has no ${name} sample`);
    const email = renderer.renderAll(sample.notification, PREVIEW_LINKS).find((e) => e.recipient === recipient)!.email;
    await inBrowser(`${name}-${recipient}`, email.html, async (page, text) => {
      expect(text).toContain(`Hi ${email.to.name},`);
      for (const phrase of says) expect(text).toMatch(phrase);
      for (const [label, href] of links) await expectLinks(page, label, href);
      // Only the links of the template: a provider message or a name made of markup is no link.
      const hrefs = await page.$$eval('a', (anchors) => anchors.map((a) => a.getAttribute('href')));
      for (const href of hrefs) expect([PREVIEW_PREFERENCES_URL, PREVIEW_PAYMENT_METHOD_URL]).toContain(href);
    });
  });
});
