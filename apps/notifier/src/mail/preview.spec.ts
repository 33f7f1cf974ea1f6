import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TRIGGER_TYPES, sessionAutobookedSchema } from '@app/contracts';
import { SAMPLE_EVENTS, writePreviews } from './preview';

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

  it('writes every sample with every email as HTML and text, and an index linking them', () => {
    const out = path.join(dir, 'nested', 'out');
    const written = writePreviews(out);

    const expected = SAMPLE_EVENTS.flatMap((s) =>
      ['coach', 'client'].flatMap((who) => [`${s.name}-${who}.html`, `${s.name}-${who}.txt`]),
    );
    expect(written.map((f) => path.relative(out, f))).toEqual([...expected, 'index.html']);
    expect(fs.readdirSync(out).sort()).toEqual([...expected, 'index.html'].sort());

    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const file of expected) expect(index).toContain(`href="${file}"`);
    expect(index).not.toContain('<script>');
    expect(fs.readFileSync(path.join(out, 'usd-session-completed-client.txt'), 'utf8')).toContain('USD 80.00');
  });
});
