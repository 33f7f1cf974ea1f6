import { Kafka, logLevel } from 'kafkajs';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// The built demo, as `npm run demo` runs it.
const DEMO = path.join(ROOT, 'dist', 'apps', 'demo', 'main.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runDemo(env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    // --no-build: the suites run against the build `npm test` made first; the demo must not rebuild
    // dist/ under other tests.
    const child = spawn(process.execPath, [DEMO, '--once', '--no-build'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

// `npm run demo` as the README tells people to run it, on the test run's Kafka and MongoDB (so it starts
// no infrastructure of its own) and on free ports: it must tell the whole story, catch the emails, print
// the dead letters' reasons, exit 0 and leave nothing behind.
describe('the demo (npm run demo -- --once)', () => {
  let run: Run;
  let mailDir: string;
  let logDir: string | undefined;

  beforeAll(async () => {
    run = await runDemo(
      {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
        DEMO_MONGODB_URL: process.env.TEST_MONGODB_URL!,
        DEMO_SMTP_PORT: '0',
        DEMO_MAIL_UI_PORT: '0',
        DEMO_OT_PORT: '0',
        DEMO_NOTIFIER_PORT: '0',
      },
      240000,
    );
    mailDir = path.resolve(ROOT, /emails saved in (\S+?)\/?\n/.exec(run.output)?.[1] ?? '(not printed)');
    const log = /\(log: (\S+)\/ongoing-training\.log\)/.exec(run.output)?.[1];
    logDir = log ? path.resolve(ROOT, log) : undefined;
  }, 300000);

  afterAll(() => {
    // The run's own files; kept when something failed, to look at.
    if (run?.code === 0) {
      fs.rmSync(mailDir, { recursive: true, force: true });
      if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
    }
  });

  it('exits 0 and says everything went as the rules say', () => {
    expect({ code: run.code, signal: run.signal, tail: run.code === 0 ? '' : run.output.slice(-6000) }).toEqual({ code: 0, signal: null, tail: '' });
    expect(run.output).toMatch(/\[demo\] OK: \d+ decisions, 9 autobooks, 27 emails, 2 dead letters, all as the rules say\./);
    // It used the infrastructure it was given.
    expect(run.output).toContain(`Kafka ${process.env.KAFKA_BROKERS} (from KAFKA_BROKERS)`);
    expect(run.output).not.toContain('[infra]');
  });

  it('prints a timeline that says what happened and why', () => {
    const timeline = run.output.slice(run.output.indexOf('== Timeline'));
    expect(timeline).toContain('autobooked: session #1 booked at USD 83.33');
    expect(timeline).toContain('autobooked: session #2 booked at USD 83.33');
    expect(timeline).toContain('autobooked: session #3 booked at USD 90.00');
    expect(timeline).toContain('no-autobook (not-enrolled)');
    expect(timeline).toContain('no-autobook (auto-renewal-not-offered)');
    expect(timeline).toContain('again (same eventId: redelivery): ignored, nothing stored (R10)');
    expect(timeline).not.toContain('(duplicate)');
    expect(timeline).toContain('refused: 409 AUTO_RENEWAL_NOT_OFFERED');
    expect(timeline).toContain('refused: 409 PACKAGE_REQUIRED');
    expect(timeline).toContain('API: switch turned on');
    // Oldest first: the first package comes before the first autobook.
    expect(timeline.indexOf('package.booked ana-carla-pkg-1')).toBeLessThan(timeline.indexOf('session #1 booked'));
  });

  it('reads the dead letters back and prints why they were moved (R12)', () => {
    expect(run.output).toMatch(/\.package\.booked\.dlq partition \d+ offset \d+, key client-ana/);
    expect(run.output).toMatch(/dlq-reason: not valid UTF-8 JSON/);
    expect(run.output).toMatch(/dlq-reason: breaks the session\.completed contract: .*sessionId/);
  });

  it('catches every email (autobooks, heads-ups, the void, the failed payment) and writes each as .eml and .html', () => {
    const files = fs.readdirSync(mailDir);
    // 2 per autobook (9), 1 per heads-up (5), 2 per void (1) and per failed payment (1).
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(27);
    expect(files.filter((f) => f.endsWith('.html'))).toHaveLength(27);
    expect(files.filter((f) => f.endsWith('.eml') && f.includes('your-next-completed-session'))).toHaveLength(5);
    const eml = fs.readFileSync(
      path.join(
        mailDir,
        files.find((f) => f.endsWith('.eml') && f.includes('1-more-session-booked'))!,
      ),
      'utf8',
    );
    expect(eml).toMatch(/^Subject: Ongoing Training: 1 more session booked/m);
    expect(run.output).toMatch(/to ana\.alvarez@example\.com +Ongoing Training: 1 more session booked with Carla Costa at USD 83\.33/);
  });

  it('leaves no process behind: the apps have exited and the ports are closed', async () => {
    const pids = [...run.output.matchAll(/(ongoing-training|notifier) pid (\d+) on http:\/\/127\.0\.0\.1:(\d+)/g)];
    expect(pids.map((m) => m[1]).sort()).toEqual(['notifier', 'ongoing-training']);
    const catcher = /SMTP smtp:\/\/127\.0\.0\.1:(\d+), web page http:\/\/127\.0\.0\.1:(\d+)/.exec(run.output);
    expect(catcher).not.toBeNull();
    for (const [, , pid] of pids) expect(alive(Number(pid))).toBe(false);
    for (const port of [...pids.map((m) => m[3]), catcher![1], catcher![2]]) expect(await listening(Number(port))).toBe(false);
  });

  it('deletes the topics of its run', async () => {
    const prefix = /topics (demo-[\w-]+\.)\*/.exec(run.output)?.[1];
    expect(prefix).toBeDefined();
    const admin = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith(prefix!))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
