import { AppProcess } from '../../support/apps.js';
import { waitFor } from '#testing';
import { NotifierWorld, anAutobook } from './notifier-harness.js';

// What ops and the orchestrator see: liveness, readiness (Kafka and MongoDB reachable) and the metrics.
describe('notifier: health and metrics endpoints', () => {
  let world: NotifierWorld;
  let app: AppProcess;

  beforeAll(async () => {
    world = await NotifierWorld.create();
    app = await world.startNotifier();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('answers /health/live with 200', async () => {
    const response = await fetch(`${app.url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'live' });
  });

  it('answers /health/ready with 200 once running, with Kafka and MongoDB up', async () => {
    const response = await fetch(`${app.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { mongodb: 'up', kafka: 'up' } });
  });

  it('counts the emails it sent in notifier_emails_sent_total on /metrics, by recipient', async () => {
    const event = anAutobook('metrics', { clientId: 'client-metrics' });
    await world.produce(event);
    await world.waitForEmails([event]);
    const sentCount = (text: string, recipient: string) =>
      Number(new RegExp(`^notifier_emails_sent_total\\{recipient="${recipient}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    // The counter is incremented just after the ledger records the send, so it may trail the sink a little.
    const text = await waitFor(
      'notifier_emails_sent_total to count both emails',
      async () => {
        const response = await fetch(`${app.metricsUrl}/metrics`);
        const body = await response.text();
        return response.status === 200 && sentCount(body, 'coach') === 1 && sentCount(body, 'client') === 1 && body;
      },
      10000,
    );
    expect(text).toContain('# TYPE notifier_emails_sent_total counter');
  });

  it('serves /metrics on METRICS_PORT only, not on the HTTP port', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${app.metricsUrl}/metrics`)).status).toBe(200);
  });

  it('answers with nosniff and without X-Powered-By', async () => {
    const response = await fetch(`${app.url}/health/live`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});
