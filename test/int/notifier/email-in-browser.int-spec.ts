import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { SessionAutobooked } from '@app/contracts';
import { aSessionAutobooked } from '@app/contracts/testing/builders';
import { EmailRenderer, RenderedEmail } from '../../../apps/notifier/src/mail/email-renderer';
import { PREVIEW_PREFERENCES_URL, SAMPLE_EVENTS } from '../../../apps/notifier/src/mail/preview';

// The rendered emails as a reader sees them: opened in headless Chromium (Debian's package, not a
// downloaded browser), checked on the visible text, and screenshotted into .artifacts/ (git-ignored).
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT_DIR = path.join(__dirname, '..', '..', '..', '.artifacts', 'email-browser');

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

const CASES = SAMPLES.flatMap((sample) =>
  (['coach', 'client'] as const).map((recipient) => ({ sample, recipient, stem: `${sample.name}-${recipient}` })),
);

describe('notifier: rendered emails in headless Chromium', () => {
  const renderer = new EmailRenderer();
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM_PATH}: run scripts/ensure-chromium.sh (or set CHROMIUM_PATH to a Chromium binary)`,
      );
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
      throw new Error(
        `cannot launch Chromium at ${CHROMIUM_PATH} (run scripts/ensure-chromium.sh): ${(error as Error).message}`,
        { cause: error },
      );
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each(CASES)('$stem reads right and runs nothing', async ({ sample, recipient, stem }) => {
    const emails = renderer.render(sample.event, { preferencesUrl: PREVIEW_PREFERENCES_URL });
    const email: RenderedEmail = emails[recipient];
    const htmlFile = path.join(OUT_DIR, `${stem}.html`);
    const pngFile = path.join(OUT_DIR, `${stem}.png`);
    fs.writeFileSync(htmlFile, email.html, 'utf8');
    fs.rmSync(pngFile, { force: true });

    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    try {
      await page.goto(`file://${htmlFile}`, { waitUntil: 'load' });
      const text = await page.innerText('body');

      // Greets the recipient by name; a name made of markup shows up literally, as text.
      expect(text).toContain(`Hi ${sample.event[recipient].name},`);
      // The other party is named too (the coach email names the client, the client email the coach).
      expect(text).toContain(sample.event[recipient === 'coach' ? 'client' : 'coach'].name);
      expect(text).toContain(sample.rate);
      expect(text).toMatch(/\b1 more session with [^\n]+ has been booked automatically/);

      if (recipient === 'client') {
        const links = page.getByRole('link', { name: /Ongoing Training Program Preferences/i });
        expect(await links.count()).toBeGreaterThan(0);
        for (const link of await links.all()) {
          expect(await link.isVisible()).toBe(true);
          expect(await link.getAttribute('href')).toBe(PREVIEW_PREFERENCES_URL);
        }
      }

      expect(await page.$$('script')).toHaveLength(0);
      expect(dialogs).toEqual([]);

      await page.screenshot({ path: pngFile, fullPage: true });
      expect(fs.existsSync(pngFile)).toBe(true);
      expect(fs.statSync(pngFile).size).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});
