// The demo's story: a few clients and coaches, driven through Kafka (package.booked, session.completed)
// and the HTTP API (the switch), each step waiting until the service has applied it and checking that the
// decision is the one the rules (shared/spec/ongoing-training.md) call for.

import type { Money, PaymentFailed, PaymentSucceeded, SessionCompleted, SessionCompletionReverted, packageBookedSchema } from '#contracts';
import type { z } from 'zod';
import type { HistoryEntry, Note } from './history.js';
import { money } from './ops-cli.js';

const USD = (amount: number): Money => ({ amount, currency: 'USD' });
const EUR = (amount: number): Money => ({ amount, currency: 'EUR' });

interface Person {
  id: string;
  name: string;
  email: string;
}

export const PEOPLE = {
  ana: { id: 'client-ana', name: 'Ana Alvarez', email: 'ana.alvarez@example.com' },
  ben: { id: 'client-ben', name: 'Ben Brooks', email: 'ben.brooks@example.com' },
  cleo: { id: 'client-cleo', name: 'Cleo Chen', email: 'cleo.chen@example.com' },
  carla: { id: 'coach-carla', name: 'Carla Costa', email: 'carla.costa@example.com' },
  dev: { id: 'coach-dev', name: 'Dev Desai', email: 'dev.desai@example.com' },
} satisfies Record<string, Person>;

/** A package.booked as sent: auto-renewal left out when the checkout says nothing of it. */
type PackageBooked = z.input<typeof packageBookedSchema>;

interface PackageSpec {
  packageId: string;
  sessionCount: number;
  price: Money;
  autoRenewal?: boolean;
  ongoingTraining?: boolean;
}

/** An input topic of the service, and what the demo sends on it. */
interface Inputs {
  'package.booked': PackageBooked;
  'session.completed': SessionCompleted;
  'session.completion.reverted': SessionCompletionReverted;
  'payment.failed': PaymentFailed;
  'payment.succeeded': PaymentSucceeded;
}

/** What the story needs from the demo: Kafka, the API, the clock and the output. */
export interface ScenarioContext {
  send<T extends keyof Inputs>(topic: T, event: Inputs[T]): Promise<unknown>;
  sendRaw(topic: keyof Inputs, key: string, text: string): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON answers, checked field by field by the story
  api(method: string, route: string, options?: { body?: unknown; token?: string }): Promise<{ status: number; body: any }>;
  token(role: string, sub: string): string;
  /** Newest first; null when the service knows no such pair. */
  history(pair: Pair): Promise<HistoryEntry[] | null>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T>;
  moveClock(ms: number): void;
  log(line: string): void;
}

export interface Story {
  pairs: Pair[];
  mismatches: string[];
  deadLetters: { topic: keyof Inputs; value: string }[];
}

/**
 * A pair and what happened to it. `inputs` counts the inputs the service must have recorded (one
 * history entry each); `notes` are API calls the service refused, which it does not record.
 */
export class Pair {
  readonly clientId: string;
  readonly coachId: string;
  inputs = 0;
  readonly notes: Note[] = [];
  private sessions = 0;

  constructor(
    readonly client: Person,
    readonly coach: Person,
    readonly story: string,
  ) {
    this.clientId = client.id;
    this.coachId = coach.id;
  }

  get title() {
    return `${this.client.name} (${this.clientId}) with coach ${this.coach.name} (${this.coachId})`;
  }

  get short() {
    return `${this.client.name.split(' ')[0]} + ${this.coach.name.split(' ')[0]}`;
  }

  packageBooked({ packageId, sessionCount, price, autoRenewal, ongoingTraining }: PackageSpec): PackageBooked {
    return {
      eventId: `evt-${packageId}`,
      occurredAt: new Date().toISOString(),
      packageId,
      clientId: this.clientId,
      coachId: this.coachId,
      sessionCount,
      price,
      ...(autoRenewal === undefined ? {} : { autoRenewal }),
      ...(ongoingTraining === undefined ? {} : { ongoingTraining }),
      client: { name: this.client.name, email: this.client.email },
      coach: { name: this.coach.name, email: this.coach.email },
    };
  }

  sessionCompleted(packageId?: string): SessionCompleted {
    const sessionId = `${this.clientId.replace(/^client-/, '')}-${this.coachId.replace(/^coach-/, '')}-s${++this.sessions}`;
    return {
      eventId: `evt-${sessionId}`,
      occurredAt: new Date().toISOString(),
      sessionId,
      clientId: this.clientId,
      coachId: this.coachId,
      ...(packageId ? { packageId } : {}),
    };
  }
}

function outcomeText(entry: HistoryEntry): string {
  return entry.outcome === 'autobooked' ? `autobooked #${entry.autobook!.sequence} at ${money(entry.autobook!.rate)}` : `no-autobook (${entry.reason})`;
}

/** Runs the story through `ctx`; every decision that is not the one the rules call for is a mismatch. */
export async function runScenario(ctx: ScenarioContext): Promise<Story> {
  const mismatches: string[] = [];

  /** Waits until the pair's history holds every input sent so far; checks the newest decision. */
  async function applied(pair: Pair, what: string, expected: string): Promise<HistoryEntry> {
    const entries = await ctx.waitFor(`the service to apply "${what}" for ${pair.short} (decision ${pair.inputs})`, async () => {
      const list = await ctx.history(pair);
      return list && list.length >= pair.inputs ? list : undefined;
    });
    // One entry per input that changed the pair: an input ignored (R10) must have left none.
    if (entries.length > pair.inputs) mismatches.push(`${pair.short}: ${what}: ${entries.length} entries for ${pair.inputs} inputs that change the pair`);
    const newest = entries[0];
    const got = newest.outcome === 'autobooked' ? 'autobooked' : newest.reason;
    const ok = got === expected;
    if (!ok) mismatches.push(`${pair.short}: ${what}: expected ${expected}, got ${got}`);
    ctx.log(`  ${pair.short.padEnd(14)} ${what.padEnd(58)} -> ${outcomeText(newest)}${ok ? '' : `   (EXPECTED ${expected})`}`);
    return newest;
  }

  async function book(pair: Pair, spec: PackageSpec, expected: string): Promise<PackageBooked> {
    const event = pair.packageBooked(spec);
    pair.inputs++;
    await ctx.send('package.booked', event);
    const what = `package.booked ${spec.packageId} (${spec.sessionCount} x, ${money(spec.price)}${spec.autoRenewal === false ? ', no auto-renewal' : ''}${spec.ongoingTraining ? ', switch on' : ''})`;
    await applied(pair, what, expected);
    return event;
  }

  async function complete(pair: Pair, expected: string, { event, label }: { event?: SessionCompleted; label?: string } = {}): Promise<HistoryEntry | null> {
    const sent = event ?? pair.sessionCompleted();
    if (expected === 'duplicate') {
      // Applied already: stored nowhere (R10). The pair's next input shows that it left no entry.
      await ctx.send('session.completed', sent);
      pair.notes.push({
        at: new Date().toISOString(),
        text: `${label}: ignored, nothing stored (R10)`,
        detail: `session ${sent.sessionId} was completed already`,
      });
      ctx.log(`  ${pair.short.padEnd(14)} ${label!.padEnd(58)} -> ignored (R10)`);
      return null;
    }
    pair.inputs++;
    await ctx.send('session.completed', sent);
    return applied(pair, label ?? `session.completed ${sent.sessionId}`, expected);
  }

  /** A pause through the API (R14): until this far from now on the service's clock. */
  async function pause(pair: Pair, untilMs: number, expected: string): Promise<string> {
    const until = new Date(Date.now() + clockOffset + untilMs).toISOString();
    const response = await ctx.api('PUT', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training/${encodeURIComponent(pair.coachId)}/pause`, {
      body: { until },
      token: ctx.token('client', pair.clientId),
    });
    if (response.status !== 200) throw new Error(`${pair.short}: the pause was refused: ${response.status} ${JSON.stringify(response.body)}`);
    pair.inputs++;
    await applied(pair, `API PUT .../pause {"until": "${until}"}`, expected);
    return until;
  }

  async function endPause(pair: Pair, expected: string): Promise<void> {
    const response = await ctx.api('DELETE', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training/${encodeURIComponent(pair.coachId)}/pause`, {
      token: ctx.token('client', pair.clientId),
    });
    if (response.status !== 200) throw new Error(`${pair.short}: ending the pause was refused: ${response.status} ${JSON.stringify(response.body)}`);
    pair.inputs++;
    await applied(pair, 'API DELETE .../pause (ended early)', expected);
  }

  async function send<T extends keyof Inputs>(pair: Pair, topic: T, event: Inputs[T], what: string, expected: string): Promise<HistoryEntry> {
    pair.inputs++;
    await ctx.send(topic, event);
    return applied(pair, what, expected);
  }

  let clockOffset = 0;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as api()
  async function toggle(pair: Pair, enrolled: boolean, expected: string): Promise<{ status: number; body: any }> {
    const started = new Date().toISOString();
    const response = await ctx.api('PUT', `/v1/clients/${encodeURIComponent(pair.clientId)}/ongoing-training/${encodeURIComponent(pair.coachId)}`, {
      body: { enrolled },
      token: ctx.token('client', pair.clientId),
    });
    const what = `API PUT {"enrolled": ${enrolled}} as the client`;
    if (response.status !== 200) {
      const body = response.body ?? {};
      pair.notes.push({
        at: started,
        text: `API: PUT {"enrolled": ${enrolled}} refused: ${response.status} ${body.code}`,
        detail: `${body.message} (nothing recorded, nothing changed)`,
      });
      const ok = body.code === expected;
      if (!ok) mismatches.push(`${pair.short}: ${what}: expected ${expected}, got ${response.status} ${body.code}`);
      ctx.log(`  ${pair.short.padEnd(14)} ${what.padEnd(58)} -> ${response.status} ${body.code}: ${body.message}${ok ? '' : `   (EXPECTED ${expected})`}`);
      return response;
    }
    pair.inputs++;
    const entry = await applied(pair, what, expected);
    if (response.body.autobooked) {
      ctx.log(
        `  ${' '.repeat(14)} the answer says so: "autobooked": { sequence ${response.body.autobooked.sequence}, rate ${money(response.body.autobooked.rate)}, trigger ${response.body.autobooked.trigger.type} }`,
      );
    }
    void entry;
    return response;
  }

  const { ana, ben, cleo, carla, dev } = PEOPLE;

  // 1. Ana and Carla: enrolled at checkout; autobooks at the last session and past it; a duplicate; a
  //    rate change through a new package; the switch turned off, after which a completion books nothing.
  const anaCarla = new Pair(ana, carla, 'enrolled at checkout; autobook 1 and 2; a duplicate; a rate change; switched off (R5, R10, R7, R8)');
  ctx.log(`\n${anaCarla.title}: ${anaCarla.story}`);
  await book(anaCarla, { packageId: 'ana-carla-pkg-1', sessionCount: 3, price: USD(25000), ongoingTraining: true }, 'sessions-on-deck');
  await complete(anaCarla, 'sessions-on-deck');
  await complete(anaCarla, 'sessions-on-deck');
  const first = await complete(anaCarla, 'autobooked');
  const pastIt = anaCarla.sessionCompleted(first?.outcome === 'autobooked' ? first.autobook.eventId : undefined);
  await complete(anaCarla, 'autobooked', { event: pastIt, label: `session.completed ${pastIt.sessionId} (the autobooked session)` });
  await complete(anaCarla, 'duplicate', { event: pastIt, label: `the same session.completed again (same eventId: redelivery)` });
  await book(anaCarla, { packageId: 'ana-carla-pkg-2', sessionCount: 2, price: USD(18000) }, 'sessions-on-deck');
  await complete(anaCarla, 'sessions-on-deck');
  await complete(anaCarla, 'sessions-on-deck');
  await complete(anaCarla, 'autobooked');
  await toggle(anaCarla, false, 'not-enrolled');
  await complete(anaCarla, 'not-enrolled');

  // 2. Ben and Carla: not enrolled at checkout; everything completed; switched on through the API with
  //    nothing on deck, which books one at once.
  const benCarla = new Pair(ben, carla, 'switched on through the API with 0 on deck: books at once (R2, R5)');
  ctx.log(`\n${benCarla.title}: ${benCarla.story}`);
  await book(benCarla, { packageId: 'ben-carla-pkg-1', sessionCount: 1, price: EUR(9000) }, 'not-enrolled');
  await complete(benCarla, 'not-enrolled');
  await toggle(benCarla, true, 'autobooked');

  // 3. Ana and Dev: a custom package without auto-renewal (R6): the switch can't be turned on, the one
  //    that was on stays on and books nothing, then applies again once a package offers auto-renewal.
  const anaDev = new Pair(ana, dev, 'a custom package without auto-renewal, then a regular one (R6)');
  ctx.log(`\n${anaDev.title}: ${anaDev.story}`);
  await book(anaDev, { packageId: 'ana-dev-pkg-1', sessionCount: 1, price: USD(12000), ongoingTraining: true }, 'sessions-on-deck');
  await book(anaDev, { packageId: 'ana-dev-pkg-2-custom', sessionCount: 2, price: USD(20000), autoRenewal: false }, 'auto-renewal-not-offered');
  await toggle(anaDev, true, 'AUTO_RENEWAL_NOT_OFFERED');
  await complete(anaDev, 'auto-renewal-not-offered');
  await complete(anaDev, 'auto-renewal-not-offered');
  await complete(anaDev, 'auto-renewal-not-offered');
  await book(anaDev, { packageId: 'ana-dev-pkg-3', sessionCount: 1, price: USD(13000) }, 'sessions-on-deck');
  await complete(anaDev, 'autobooked');

  // 4. Cleo and Dev: no switch before a package (R1); a completion that arrives before its package (R11),
  //    and the package, chosen with Ongoing Training at checkout, then books at once.
  const cleoDev = new Pair(cleo, dev, 'switch refused before any package (R1); a completion before its package (R11)');
  ctx.log(`\n${cleoDev.title}: ${cleoDev.story}`);
  await toggle(cleoDev, true, 'PACKAGE_REQUIRED');
  await complete(cleoDev, 'not-enrolled');
  await book(cleoDev, { packageId: 'cleo-dev-pkg-1', sessionCount: 1, price: USD(9900), ongoingTraining: true }, 'autobooked');

  // 5. Beyond the coach guide (R13..R16): a pause ended early through the API; one that ends by itself
  //    when its time comes (the demo moves the service's clock); a completion undone, which voids the
  //    session it booked; a failed payment that holds the next autobook until it succeeds.
  const benDev = new Pair(ben, dev, 'a pause, ended early through the API: books at once with trigger resume (R14)');
  ctx.log(`\n${benDev.title}: ${benDev.story}`);
  await book(benDev, { packageId: 'ben-dev-pkg-1', sessionCount: 1, price: USD(11000), ongoingTraining: true }, 'sessions-on-deck');
  await pause(benDev, 14 * 24 * 3600 * 1000, 'paused');
  await complete(benDev, 'paused');
  await endPause(benDev, 'autobooked');

  const cleoCarla = new Pair(cleo, carla, 'a pause that ends by itself when its time comes (R14; the demo moves the clock 2 hours)');
  ctx.log(`\n${cleoCarla.title}: ${cleoCarla.story}`);
  await book(cleoCarla, { packageId: 'cleo-carla-pkg-1', sessionCount: 1, price: USD(9500), ongoingTraining: true }, 'sessions-on-deck');
  await pause(cleoCarla, 3600 * 1000, 'paused');
  await complete(cleoCarla, 'paused');
  clockOffset = 2 * 3600 * 1000;
  ctx.moveClock(clockOffset);
  ctx.log(`  ${cleoCarla.short.padEnd(14)} ${'(the demo moves the service clock 2 hours ahead)'.padEnd(58)}`);
  cleoCarla.inputs++;
  await applied(cleoCarla, 'the pause ends by itself (within 60 s of its end)', 'autobooked');

  // anaDev's last completion booked a session: that completion was a mistake.
  const anaDevEntries = (await ctx.history(anaDev))!;
  const triggering = anaDevEntries[0].input as { sessionId: string };
  await send(
    anaDev,
    'session.completion.reverted',
    {
      eventId: `evt-revert-${triggering.sessionId}`,
      occurredAt: new Date().toISOString(),
      sessionId: triggering.sessionId,
      clientId: anaDev.clientId,
      coachId: anaDev.coachId,
      reason: 'marked complete by mistake',
    },
    `session.completion.reverted ${triggering.sessionId} (marked complete by mistake)`,
    'sessions-on-deck',
  );

  // cleoDev's package booked a session at once; its payment fails, then succeeds.
  const [booking] = (await ctx.history(cleoDev))!;
  if (booking.outcome !== 'autobooked') throw new Error(`${cleoDev.clientId}: its package booked no session`);
  const cleoDevAutobook = booking.autobook;
  const payment = (type: 'payment.failed' | 'payment.succeeded', minutes: number) => ({
    eventId: `evt-${type}-${cleoDevAutobook.eventId}`,
    occurredAt: new Date(Date.now() + minutes * 60000).toISOString(),
    autobookEventId: cleoDevAutobook.eventId,
    clientId: cleoDev.clientId,
    coachId: cleoDev.coachId,
    ...(type === 'payment.failed' ? { reason: 'card declined' } : {}),
  });
  await send(
    cleoDev,
    'payment.failed',
    payment('payment.failed', 0),
    `payment.failed for autobook #${cleoDevAutobook.sequence} (card declined)`,
    'payment-pending',
  );
  await complete(cleoDev, 'payment-pending');
  await send(cleoDev, 'payment.succeeded', payment('payment.succeeded', 1), `payment.succeeded for autobook #${cleoDevAutobook.sequence}`, 'autobooked');

  // 6. Bad input (R12): a message that is not JSON, and one that breaks the contract. Both go to the
  //    dead-letter topic unchanged, with the reason, and the service goes on.
  ctx.log('\nBad input (R12): moved to <topic>.dlq unchanged, with the reason; consumption goes on');
  const broken = '{"eventId": "evt-broken-1", "packageId": "ana-carla-pkg-9", "sessionCount": 3,';
  await ctx.sendRaw('package.booked', ana.id, broken);
  ctx.log(`  sent to package.booked:    ${broken}   (not valid JSON)`);
  const breach = JSON.stringify({ eventId: 'evt-no-session', occurredAt: 'yesterday', clientId: ben.id, coachId: carla.id });
  await ctx.sendRaw('session.completed', ben.id, breach);
  ctx.log(`  sent to session.completed: ${breach}   (no sessionId, occurredAt not a time)`);

  return {
    pairs: [anaCarla, benCarla, anaDev, cleoDev, benDev, cleoCarla],
    mismatches,
    deadLetters: [
      { topic: 'package.booked', value: broken },
      { topic: 'session.completed', value: breach },
    ],
  };
}
