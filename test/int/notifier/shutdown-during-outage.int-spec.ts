import { AppProcess } from '../../support/apps.js';
import { waitFor } from '#testing';
import { NotifierWorld, anAutobook, emailCounts } from './notifier-harness.js';

// R10 "a crash at any moment ... none loses one", for the moment ops restart the notifier while the SMTP
// server is away: the notifier leaves promptly instead of retrying on, gives nothing up because it was
// stopping, and the next process sends the emails once the server is back.
describe('notifier: stopped (SIGTERM) while the SMTP server is down', () => {
  let world: NotifierWorld;
  let app: AppProcess;

  beforeAll(async () => {
    world = await NotifierWorld.create();
    // Enough attempts that giving up would take longer than the whole test waits for a stop.
    app = await world.startNotifier({ SMTP_MAX_ATTEMPTS: '100', SMTP_RETRY_MAX_MS: '300' });
  });

  afterAll(async () => {
    await world?.close();
  });

  it('stops promptly without giving up the email, and the next process sends it exactly once', async () => {
    const event = anAutobook('stopped-in-outage', { clientId: 'client-stopped' });
    await world.sink.close();
    await world.produce(event);
    const ledger = await world.ledger();
    await waitFor(
      `a failed SMTP attempt recorded in the ledger\n${world.appLogs()}`,
      async () => ((await ledger.findOne({ eventId: event.eventId, recipient: 'coach' }))?.attempts ?? 0) >= 2,
      30000,
      50,
    );

    const stopping = Date.now();
    await app.stop();
    const stopMs = Date.now() - stopping;
    expect([0, 'SIGTERM']).toContain(app.exitCode ?? app.exitSignal);
    // Stopping does not wait for the retries to run out (the harness would SIGKILL it after 30 s).
    expect(stopMs).toBeLessThan(10000);
    // Stopping is not a reason to give an email up.
    expect(await ledger.countDocuments({ eventId: event.eventId, status: 'failed' })).toBe(0);
    expect(await world.dlqSize()).toBe(0);

    await world.sink.listen();
    await app.start();
    // The next process must not have to wait for the stopped one's claim on the email to expire.
    await world.waitForEmails([event], 2, 30000);
    const markers = await world.drain([event.clientId], 'after-stop');
    expect(emailCounts(world, [event, ...markers])).toEqual({ [event.eventId]: 2, [markers[0].eventId]: 2 });
    expect(await ledger.countDocuments({ eventId: event.eventId, status: 'sent' })).toBe(2);
  });
});
