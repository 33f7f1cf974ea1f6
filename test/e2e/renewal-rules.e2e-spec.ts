import { TOPICS } from '#contracts';
import { tokenFor } from '../support/jwt.js';
import { OngoingTrainingHarness, aPair } from '../support/ongoing-training.js';
import { waitFor } from '#testing';

// Every rule of shared/spec/ongoing-training.md, driven from outside: events into Kafka, the switch
// through HTTP, autobooks read from `session.autobooked`, state and decisions read from the API.
describe('ongoing-training: the renewal rules through Kafka, HTTP and the database', () => {
  let ot: OngoingTrainingHarness;

  beforeAll(async () => {
    ot = await OngoingTrainingHarness.create('rules');
    await ot.startApp();
  });

  afterAll(async () => {
    await ot?.close();
  });

  /** Waits until the pair's decision log holds `count` entries: every input sent so far was applied. */
  const applied = (pair: { clientId: string; coachId: string }, count: number) =>
    waitFor(`${count} decisions for ${pair.clientId}`, async () => {
      const entries = await ot.history(pair.clientId, pair.coachId).catch(() => undefined);
      return entries && entries.length >= count ? entries : undefined;
    });

  it('books one session when the last one is completed, at the package rate, and the next one after that (R5, R3)', async () => {
    const pair = aPair('r5');
    const pkg = pair.packageBooked({ sessionCount: 3, price: { amount: 25000, currency: 'USD' }, ongoingTraining: true });
    await ot.book(pkg);
    await ot.complete(pair.sessionCompleted(), pair.sessionCompleted());
    await applied(pair, 3);
    expect(ot.autobooks(pair.clientId)).toHaveLength(0);

    const last = pair.sessionCompleted();
    await ot.complete(last);
    const [first] = await waitFor('the first autobook', () => ot.distinctAutobooks(pair.clientId).length === 1 && ot.distinctAutobooks(pair.clientId));
    expect(first).toMatchObject({
      clientId: pair.clientId,
      coachId: pair.coachId,
      sequence: 1,
      sessionCount: 1,
      rate: { amount: 8333, currency: 'USD' },
      ratePackageId: pkg.packageId,
      trigger: { type: 'session.completed', eventId: last.eventId, sessionId: last.sessionId },
      client: pkg.client,
      coach: pkg.coach,
    });
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({ enrolled: true, sessionsOnDeck: 1, rate: { amount: 8333, currency: 'USD' } });

    // Completing the autobooked session brings on deck to 0 again: the next autobook, sequence 2.
    await ot.complete(pair.sessionCompleted({ packageId: first.eventId }));
    const autobooks = await waitFor('the second autobook', () => ot.distinctAutobooks(pair.clientId).length === 2 && ot.distinctAutobooks(pair.clientId));
    expect(autobooks.map((a) => a.sequence).sort()).toEqual([1, 2]);
    expect(new Set(autobooks.map((a) => a.eventId)).size).toBe(2);
    const message = ot.probe.messages(ot.topic(TOPICS.SESSION_AUTOBOOKED)).find((m) => m.json<{ clientId: string }>().clientId === pair.clientId)!;
    expect(message.key).toBe(pair.clientId);
  });

  it('refuses to switch on before any package is known (R1)', async () => {
    const pair = aPair('r1');
    const response = await ot.api('PUT', `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`, {
      token: tokenFor('client', pair.clientId),
      body: { enrolled: true },
    });
    expect(response).toMatchObject({ status: 409, body: { code: 'PACKAGE_REQUIRED' } });
  });

  it('switching on with nothing on deck books one at once and says so in the answer (R2, R5)', async () => {
    const pair = aPair('switch');
    await ot.book(pair.packageBooked({ sessionCount: 1, price: { amount: 9000, currency: 'EUR' } }));
    await ot.complete(pair.sessionCompleted());
    const entries = await applied(pair, 2);
    expect(entries[0]).toMatchObject({ outcome: 'no-autobook', reason: 'not-enrolled' });

    const response = await ot.api('PUT', `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`, {
      token: tokenFor('client', pair.clientId),
      body: { enrolled: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      coachId: pair.coachId,
      enrolled: true,
      sessionsOnDeck: 1,
      autobooked: { sequence: 1, trigger: { type: 'enrollment' }, rate: { amount: 9000, currency: 'EUR' } },
    });
    const [published] = await waitFor(
      'the autobook on the topic',
      () => ot.distinctAutobooks(pair.clientId).length === 1 && ot.distinctAutobooks(pair.clientId),
    );
    expect(published).toEqual(response.body.autobooked);

    // Switching on again with a session on deck books nothing more.
    const again = await ot.api('PUT', `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`, {
      token: tokenFor('client', pair.clientId),
      body: { enrolled: true },
    });
    expect(again.status).toBe(200);
    expect(again.body.autobooked).toBeUndefined();
  });

  it('keeps the rate of the latest package when an older one arrives late, and still counts its sessions (R4, R7)', async () => {
    const pair = aPair('r4');
    const newer = pair.packageBooked({ occurredAt: '2026-11-10T10:00:00Z', sessionCount: 2, price: { amount: 20000, currency: 'USD' }, ongoingTraining: true });
    const older = pair.packageBooked({ occurredAt: '2026-11-01T10:00:00Z', sessionCount: 1, price: { amount: 15000, currency: 'USD' } });
    await ot.book(newer);
    await ot.book(older);
    await applied(pair, 2);
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({
      rate: { amount: 10000, currency: 'USD' },
      ratePackageId: newer.packageId,
      sessionsOnDeck: 3,
    });

    await ot.complete(pair.sessionCompleted(), pair.sessionCompleted(), pair.sessionCompleted());
    const [autobook] = await waitFor('the autobook', () => ot.distinctAutobooks(pair.clientId).length === 1 && ot.distinctAutobooks(pair.clientId));
    expect(autobook).toMatchObject({ rate: { amount: 10000, currency: 'USD' }, ratePackageId: newer.packageId });

    // A new checkout changes the rate of later autobooks only (R7).
    const raise = pair.packageBooked({ occurredAt: '2026-11-20T10:00:00Z', sessionCount: 1, price: { amount: 12000, currency: 'USD' } });
    await ot.book(raise);
    await ot.complete(pair.sessionCompleted(), pair.sessionCompleted());
    const autobooks = await waitFor('the second autobook', () => ot.distinctAutobooks(pair.clientId).length === 2 && ot.distinctAutobooks(pair.clientId));
    expect(autobooks.find((a) => a.sequence === 1)!.rate.amount).toBe(10000);
    expect(autobooks.find((a) => a.sequence === 2)).toMatchObject({ rate: { amount: 12000 }, ratePackageId: raise.packageId });
  });

  it('books nothing while the last package offers no auto-renewal, and resumes after a normal one (R6)', async () => {
    const pair = aPair('r6');
    await ot.book(pair.packageBooked({ occurredAt: '2026-11-01T10:00:00Z', sessionCount: 1, ongoingTraining: true }));
    await ot.book(pair.packageBooked({ occurredAt: '2026-11-02T10:00:00Z', sessionCount: 1, autoRenewal: false }));
    await applied(pair, 2);
    const refused = await ot.api('PUT', `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`, {
      token: tokenFor('client', pair.clientId),
      body: { enrolled: true },
    });
    expect(refused).toMatchObject({ status: 409, body: { code: 'AUTO_RENEWAL_NOT_OFFERED' } });

    await ot.complete(pair.sessionCompleted(), pair.sessionCompleted());
    const entries = await applied(pair, 4);
    expect(entries[0]).toMatchObject({ outcome: 'no-autobook', reason: 'auto-renewal-not-offered' });
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({ enrolled: true, autoRenewalOffered: false, sessionsOnDeck: 0 });

    const normal = pair.packageBooked({ occurredAt: '2026-11-03T10:00:00Z', sessionCount: 1, price: { amount: 7000, currency: 'USD' } });
    await ot.book(normal);
    await ot.complete(pair.sessionCompleted());
    const [autobook] = await waitFor(
      'the autobook after a normal package',
      () => ot.distinctAutobooks(pair.clientId).length === 1 && ot.distinctAutobooks(pair.clientId),
    );
    expect(autobook).toMatchObject({ ratePackageId: normal.packageId, rate: { amount: 7000 } });
  });

  it('books nothing more once the switch is off (R8)', async () => {
    const pair = aPair('r8');
    await ot.book(pair.packageBooked({ sessionCount: 1, ongoingTraining: true }));
    await applied(pair, 1);
    const off = await ot.api('PUT', `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`, {
      token: tokenFor('client', pair.clientId),
      body: { enrolled: false },
    });
    expect(off).toMatchObject({ status: 200, body: { enrolled: false } });
    await ot.complete(pair.sessionCompleted());
    const entries = await applied(pair, 3);
    expect(entries[0]).toMatchObject({ outcome: 'no-autobook', reason: 'not-enrolled' });
    expect(ot.autobooks(pair.clientId)).toHaveLength(0);
  });

  it('ignores a package booked twice and a session completed twice under a new eventId, and stores nothing for them (R10)', async () => {
    const pair = aPair('r10');
    const pkg = pair.packageBooked({ sessionCount: 2, ongoingTraining: true });
    await ot.book(pkg, pkg, { ...pkg, eventId: `${pkg.eventId}-again` });
    const session = pair.sessionCompleted();
    await ot.complete(session, { ...session, eventId: `${session.eventId}-again` });
    // Inputs that come after the duplicates on the same partitions: once they are applied, so are the
    // duplicates. The second completion brings on deck to 0 whatever order the two topics are read in.
    await ot.complete(pair.sessionCompleted());
    await waitFor('the autobook', () => ot.distinctAutobooks(pair.clientId).length === 1);
    await ot.book(pair.packageBooked({ sessionCount: 1, occurredAt: '2026-11-01T10:00:00Z' }));
    const entries = await applied(pair, 4);
    expect(entries.map((e) => e.input.type).sort()).toEqual(['package.booked', 'package.booked', 'session.completed', 'session.completed']);
    expect(await ot.pair(pair.clientId, pair.coachId)).toMatchObject({ sessionsOnDeck: 2 });
    expect(ot.distinctAutobooks(pair.clientId)).toHaveLength(1);
  });

  it('waits for a package whose completions arrived first, then books when it brings on deck to 0 (R11)', async () => {
    const pair = aPair('r11');
    const token = tokenFor('client', pair.clientId);
    const switchTo = (enrolled: boolean) => ot.api('PUT', `/v1/clients/${pair.clientId}/ongoing-training/${pair.coachId}`, { token, body: { enrolled } });
    await ot.book(pair.packageBooked({ sessionCount: 1, occurredAt: '2026-11-01T10:00:00Z' }));
    await applied(pair, 1);
    await ot.complete(pair.sessionCompleted());
    // Two sessions of a package not yet arrived are completed: on deck goes below 0.
    const late = pair.packageBooked({ sessionCount: 2, occurredAt: '2026-11-05T10:00:00Z', price: { amount: 5000, currency: 'JPY' } });
    await ot.complete(pair.sessionCompleted({ packageId: late.packageId }), pair.sessionCompleted({ packageId: late.packageId }));
    await applied(pair, 4);
    const on = await switchTo(true);
    expect(on).toMatchObject({ status: 200, body: { enrolled: true, sessionsOnDeck: -2 } });
    expect(on.body.autobooked).toBeUndefined();
    expect((await ot.history(pair.clientId, pair.coachId))[0]).toMatchObject({ outcome: 'no-autobook', reason: 'waiting-for-package' });

    await ot.book(late);
    const [autobook] = await waitFor('the autobook', () => ot.distinctAutobooks(pair.clientId).length === 1 && ot.distinctAutobooks(pair.clientId));
    expect(autobook).toMatchObject({
      trigger: { type: 'package.booked', eventId: late.eventId },
      rate: { amount: 2500, currency: 'JPY' },
      ratePackageId: late.packageId,
    });
  });

  it('keeps a decision log per pair, newest first, with what changed and why', async () => {
    const pair = aPair('history');
    await ot.book(pair.packageBooked({ sessionCount: 1, ongoingTraining: true }));
    await ot.complete(pair.sessionCompleted());
    const entries = await applied(pair, 2);
    expect(entries.map((e) => [e.input.type, e.outcome])).toEqual([
      ['session.completed', 'autobooked'],
      ['package.booked', 'no-autobook'],
    ]);
    expect(entries[1]).toMatchObject({ reason: 'sessions-on-deck', changes: { sessionsOnDeck: { from: 0, to: 1 } } });
    expect(entries[0]).toMatchObject({ autobook: { sequence: 1 }, changes: { sessionsOnDeck: { from: 1, to: 1 } } });
    const unknown = await ot.api('GET', `/v1/clients/${pair.clientId}/ongoing-training/nobody/history`);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  describe('HTTP access rules', () => {
    const pair = aPair('auth');
    const path = `/v1/clients/${pair.clientId}/ongoing-training`;

    beforeAll(async () => {
      await ot.book(pair.packageBooked({ sessionCount: 2 }));
      await applied(pair, 1);
    });

    it('answers 401 without a token, with a malformed, badly signed or expired one', async () => {
      expect(await ot.api('GET', path, { token: null })).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
      expect(await ot.api('GET', path, { token: 'not-a-jwt' })).toMatchObject({ status: 401 });
      expect(await ot.api('GET', path, { token: tokenFor('client', pair.clientId, {}, 'another-secret-of-at-least-32-characters') })).toMatchObject({
        status: 401,
        body: { code: 'INVALID_TOKEN' },
      });
      // Expired a minute ago: the contract allows 30 s of clock tolerance.
      expect(await ot.api('GET', path, { token: tokenFor('client', pair.clientId, { expiresIn: -60 }) })).toMatchObject({
        status: 401,
        body: { code: 'TOKEN_EXPIRED' },
      });
    });

    it('lets a client see and switch only their own, a coach only read their pairs, ops everything', async () => {
      expect((await ot.api('GET', path, { token: tokenFor('client', pair.clientId) })).status).toBe(200);
      expect(await ot.api('GET', path, { token: tokenFor('client', 'someone-else') })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      const asCoach = await ot.api('GET', path, { token: tokenFor('coach', pair.coachId) });
      expect(asCoach.body.coaches.map((c: { coachId: string }) => c.coachId)).toEqual([pair.coachId]);
      expect((await ot.api('GET', path, { token: tokenFor('coach', 'other-coach') })).body.coaches).toEqual([]);
      expect(await ot.api('GET', `${path}/${pair.coachId}/history`, { token: tokenFor('coach', 'other-coach') })).toMatchObject({ status: 403 });
      expect(await ot.api('PUT', `${path}/${pair.coachId}`, { token: tokenFor('coach', pair.coachId), body: { enrolled: true } })).toMatchObject({
        status: 403,
      });
      expect(await ot.api('PUT', `${path}/${pair.coachId}`, { token: tokenFor('ops', 'ops-1'), body: { enrolled: false } })).toMatchObject({ status: 200 });
    });

    it('answers 400 INVALID_BODY to a body that is not { enrolled: boolean }', async () => {
      const put = (options: { body?: unknown; rawBody?: string }) =>
        ot.api('PUT', `${path}/${pair.coachId}`, { token: tokenFor('client', pair.clientId), ...options });
      expect(await put({ body: { enrolled: 'yes' } })).toMatchObject({ status: 400, body: { code: 'INVALID_BODY' } });
      expect(await put({ body: {} })).toMatchObject({ status: 400, body: { code: 'INVALID_BODY' } });
      expect(await put({ rawBody: '{"enrolled": tru' })).toMatchObject({ status: 400, body: { code: 'INVALID_BODY' } });
    });
  });

  it('reports live and ready, and exposes its metrics', async () => {
    expect((await fetch(`${ot.app.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${ot.app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { mongodb: 'up', kafka: 'up' } });
    const metrics = await (await fetch(`${ot.app.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/ongoing_training_inputs_applied_total\{input="package.booked",outcome="sessions-on-deck"\} \d+/);
    expect(metrics).toMatch(/ongoing_training_autobooks_total \d+/);
  });
});
