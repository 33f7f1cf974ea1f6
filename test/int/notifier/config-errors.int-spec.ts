import { spawn } from 'node:child_process';
import { appArgs } from '../../support/apps.js';
import { NotifierWorld } from './notifier-harness.js';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the built notifier with this environment until it exits (or fails the test after 30 s). */
function runNotifier(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, appArgs('notifier'), { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the notifier did not exit within 30 s; stderr:\n${stderr}`));
    }, 30000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

// A wrong variable stops the app at boot, with a message that names it (STYLE: config validated at boot).
describe('notifier: configuration errors stop it at boot', () => {
  let world: NotifierWorld;

  beforeAll(async () => {
    world = await NotifierWorld.create();
  });

  afterAll(async () => {
    await world?.close();
  });

  it.each([
    ['SMTP_URL', 'ftp://x'],
    ['KAFKA_BROKERS', 'nonsense'],
    ['MONGODB_URI', 'mongodb://127.0.0.1:27017'],
    ['SMTP_MAX_ATTEMPTS', '0'],
    // Sent to clients in the failed-payment email (R16): https only.
    ['PAYMENT_METHOD_URL', 'http://www.coachup.test/account/payment-methods'],
    ['PAYMENT_METHOD_URL', 'payment methods'],
    ['PAYMENT_FAILED_AUTOBOOK_WAIT_MS', '-1'],
  ])('refuses %s=%s: exits non-zero and names the variable', async (name, value) => {
    // Everything else is valid and reachable: only the variable under test is wrong.
    const exit = await runNotifier({ ...world.env({ HTTP_PORT: '0' }), [name]: value });
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(exit.stderr).toContain(name);
    expect(exit.stderr).toContain(JSON.stringify(value));
    expect(exit.stderr).not.toMatch(/\n\s+at /); // a message for a person, not a stack trace
  });

  it('names a wrong URL without printing its credentials', async () => {
    const exit = await runNotifier({ ...world.env({ HTTP_PORT: '0' }), SMTP_URL: 'ftp://mailer:s3cret-pass@mail.example:25' });
    expect(exit.code).toBe(78);
    expect(exit.stderr).toContain('SMTP_URL');
    expect(exit.stderr).toContain('ftp://***@mail.example:25');
    expect(exit.stderr).not.toMatch(/s3cret|mailer/);
  });
});
