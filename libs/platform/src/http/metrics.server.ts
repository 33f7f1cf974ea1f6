import { Logger, LoggerService, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';

export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * `GET /metrics` (Prometheus) on the management port METRICS_PORT only: the API's port is the one
 * exposed to clients, and what the metrics tell (topics, lag, failures) is for ops, not for them.
 * A bare node:http server: one route, no auth, nothing of the API's middleware.
 */
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;

  constructor(
    private readonly registry: Registry,
    private readonly port: number,
    private readonly logger: LoggerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((request, response) => {
      response.setHeader('X-Content-Type-Options', 'nosniff');
      if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: 'only GET /metrics is served here' }));
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
        (error: unknown) => {
          this.logger.error({ message: 'metrics failed', error: String(error) });
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '0.0.0.0', () => resolve());
    });
    this.server = server;
  }

  /** The port it listens on (METRICS_PORT=0 picks a free one). */
  get boundPort(): number | null {
    return (this.server?.address() as AddressInfo | null)?.port ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The app's MetricsServer on `port`, serving the registry provided as METRICS_REGISTRY. */
export function metricsServerProvider(port: number): Provider {
  return { provide: MetricsServer, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new MetricsServer(registry, port, new Logger('Metrics')) };
}
