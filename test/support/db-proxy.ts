import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';

const PROXY = path.resolve(import.meta.dirname, '..', '..', 'bench', 'lib', 'db-proxy.js');

/**
 * The bench's counting MongoDB wire-protocol proxy, in front of the test run's database: an app
 * connected through it shows which commands (insert, find, update...) it sends, and how many.
 */
export class DbProxy {
  private nextId = 1;
  private readonly waiting = new Map<number, (stats: { byCommand: Record<string, { count: number }> }) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: { type: string; id: number; stats: { byCommand: Record<string, { count: number }> } }) => {
      if (message.type !== 'stats') return;
      this.waiting.get(message.id)?.(message.stats);
      this.waiting.delete(message.id);
    });
  }

  /** `upstream`: a mongodb:// URL of the server (its host and port are used). */
  static async start(upstream: string): Promise<DbProxy> {
    const { hostname, port } = new URL(upstream);
    const child = fork(PROXY, [hostname, port || '27017'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const listening = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`db proxy exited (${code ?? signal})`)));
      child.on('message', (message: { type: string; port: number }) => {
        if (message.type === 'listening') resolve(message.port);
      });
    });
    child.removeAllListeners('exit');
    return new DbProxy(child, listening);
  }

  /** directConnection: the driver must not go around the proxy to the server's own address. */
  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}?directConnection=true`;
  }

  /** How many of each command went through since the last reset; `reset` starts counting again. */
  async commands(reset = false): Promise<Record<string, number>> {
    const id = this.nextId++;
    const stats = await new Promise<{ byCommand: Record<string, { count: number }> }>((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ type: 'stats', id, reset, light: true });
    });
    return Object.fromEntries(Object.entries(stats.byCommand).map(([name, s]) => [name, s.count]));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
