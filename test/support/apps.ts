import { createRequire } from 'node:module';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
// How the apps are started everywhere (entry and node flags).
import { APP_ENTRIES, AppName, StopWaiting, appArgs, waitFor } from '#testing';

const require = createRequire(import.meta.url);

export { APP_ENTRIES, appArgs };
export type { AppName };

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export const freePort = (require('../../scripts/infra') as { freePort(): Promise<number> }).freePort;

/** One built app running as its own process, as in production: configured only by its environment. */
export class AppProcess {
  private child: ChildProcess | null = null;
  private output = '';
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;

  constructor(
    readonly name: AppName,
    readonly env: Record<string, string>,
  ) {}

  get port(): number {
    return Number(this.env.HTTP_PORT);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The management port's base URL, where `GET /metrics` is served (METRICS_PORT). */
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.env.METRICS_PORT}`;
  }

  get logs(): string {
    return this.output;
  }

  static async start(name: AppName, env: Record<string, string>, readyTimeoutMs = 60000): Promise<AppProcess> {
    const app = new AppProcess(name, { HTTP_PORT: String(await freePort()), METRICS_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...env });
    await app.start(readyTimeoutMs);
    return app;
  }

  async start(readyTimeoutMs = 60000): Promise<void> {
    if (!fs.existsSync(APP_ENTRIES[this.name])) throw new Error(`${APP_ENTRIES[this.name]} is missing: run npm run build first`);
    this.exitCode = null;
    this.exitSignal = null;
    const child = spawn(process.execPath, appArgs(this.name), {
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const append = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 2_000_000) this.output = this.output.slice(-1_000_000);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.on('exit', (code, signal) => {
      this.exitCode = code;
      this.exitSignal = signal;
      if (this.child === child) this.child = null;
    });
    await this.waitReady(readyTimeoutMs);
  }

  get running(): boolean {
    return this.child !== null;
  }

  async waitReady(timeoutMs = 60000): Promise<void> {
    await waitFor(
      `${this.name} to be ready on ${this.url}\n--- its output ---\n${this.output.slice(-4000)}`,
      async () => {
        if (!this.child) throw new StopWaiting(`${this.name} exited (${this.exitCode ?? this.exitSignal}):\n${this.output.slice(-4000)}`);
        const response = await fetch(`${this.url}/health/ready`).catch(() => null);
        return response?.status === 200;
      },
      timeoutMs,
      200,
    );
  }

  /** SIGKILL: a crash at whatever moment it lands. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: a graceful shutdown. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    await exited;
    clearTimeout(timer);
  }
}
