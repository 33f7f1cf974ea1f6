import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TRIGGER_TYPES, sessionAutobookedSchema } from '#contracts';
import { RECIPIENTS } from './notification.js';
import { PREVIEW_SAMPLES, SAMPLE_EVENTS, writePreviews } from './preview.js';

describe('email previews', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'email-previews-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has valid samples covering USD, JPY, BHD, a hostile name and every trigger type', () => {
    for (const sample of SAMPLE_EVENTS) expect(sessionAutobookedSchema.safeParse(sample.event).success).toBe(true);
    const currencies = SAMPLE_EVENTS.map((s) => s.event.rate.currency);
    expect(currencies).toEqual(expect.arrayContaining(['USD', 'JPY', 'BHD']));
    expect(new Set(SAMPLE_EVENTS.map((s) => s.event.trigger.type))).toEqual(new Set(TRIGGER_TYPES));
    expect(SAMPLE_EVENTS.some((s) => s.event.client.name.includes('<script>'))).toBe(true);
  });

  it('has a sample of every kind of email, and one with hostile names for each', () => {
    const kinds = new Set(PREVIEW_SAMPLES.map((s) => s.notification.kind));
    expect(kinds).toEqual(new Set(Object.keys(RECIPIENTS)));
    for (const kind of kinds) {
      const hostile = PREVIEW_SAMPLES.filter((s) => s.notification.kind === kind && JSON.stringify(s.notification).includes('<script>'));
      expect([kind, hostile.length > 0]).toEqual([kind, true]);
    }
  });

  it('writes every sample with each of its emails as HTML and text, and an index linking them', () => {
    const out = path.join(dir, 'nested', 'out');
    const written = writePreviews(out);

    const expected = PREVIEW_SAMPLES.flatMap((s) => RECIPIENTS[s.notification.kind].flatMap((who) => [`${s.name}-${who}.html`, `${s.name}-${who}.txt`]));
    expect(expected).toContain('upcoming-usd-client.html');
    expect(expected).not.toContain('upcoming-usd-coach.html');
    expect(written.map((f) => path.relative(out, f))).toEqual([...expected, 'index.html']);
    expect(fs.readdirSync(out).sort()).toEqual([...expected, 'index.html'].sort());

    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const file of expected) expect(index).toContain(`href="${file}"`);
    expect(index).not.toContain('<script>');
    expect(fs.readFileSync(path.join(out, 'usd-session-completed-client.txt'), 'utf8')).toContain('USD 80.00');
  });
});
