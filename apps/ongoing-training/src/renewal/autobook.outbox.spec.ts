import { TOPICS } from '#contracts';
import { aSessionAutobooked } from '#contracts/testing/builders';
import { EventPublisher } from '#platform';
import { Test } from '@nestjs/testing';
import { waitFor } from '#testing';
import { ONGOING_TRAINING_CONFIG } from '../config.js';
import { emptyPair } from '../domain/index.js';
import { RenewalMetrics } from '../observability/renewal.metrics.js';
import { AutobookOutbox, OUTBOX_RECOVERY_MS } from './autobook.outbox.js';
import { PairRepository } from './pair.repository.js';
import { OutboxEvent } from './pair.schema.js';
import { InMemoryPairs } from './testing/in-memory-pairs.js';
import { RecordingPublisher } from './testing/recording-publisher.js';

const HOUR = 60 * 60 * 1000;

function anAutobook(eventId: string, age: number): OutboxEvent {
  return { topic: TOPICS.SESSION_AUTOBOOKED, payload: aSessionAutobooked({ eventId, occurredAt: new Date(Date.now() - age).toISOString() }) };
}

/** Pairs as a crashed predecessor left them: changes that publish `events`, some of them acknowledged. */
function storedBefore(events: OutboxEvent[], acknowledged: string[]): InMemoryPairs {
  const pairs = new InMemoryPairs();
  pairs.changes.set('client-1|coach-1', [{ version: 1, state: emptyPair('client-1', 'coach-1'), outbox: events }]);
  for (const id of acknowledged) pairs.published.set(id, new Date());
  return pairs;
}

async function anOutbox(pairs: InMemoryPairs, publisher = new RecordingPublisher()) {
  const module = await Test.createTestingModule({
    providers: [
      AutobookOutbox,
      RenewalMetrics,
      { provide: PairRepository, useValue: pairs },
      { provide: EventPublisher, useValue: publisher },
      { provide: ONGOING_TRAINING_CONFIG, useValue: { OUTBOX_RETRY_MS: 50 } },
    ],
  }).compile();
  await module.init();
  return { outbox: module.get(AutobookOutbox), metrics: module.get(RenewalMetrics), publisher, close: () => module.close() };
}

describe('AutobookOutbox (composed by Nest, pairs in memory)', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
  });
  const open = async (...args: Parameters<typeof anOutbox>) => {
    const o = await anOutbox(...args);
    opened.push(o);
    return o;
  };

  it('at start, publishes what a crashed predecessor stored and the broker never acknowledged, and nothing else', async () => {
    const pairs = storedBefore(
      [anAutobook('left-behind', HOUR), anAutobook('acknowledged', HOUR), anAutobook('too-old', OUTBOX_RECOVERY_MS + HOUR)],
      ['acknowledged'],
    );

    const { publisher } = await open(pairs);

    await waitFor('the recovery pass', () => publisher.published.length > 0, 5000, 20);
    expect(publisher.published.map((r) => r.payload.eventId)).toEqual(['left-behind']);
  });

  it('records what the broker acknowledged, so that the next start does not publish it again', async () => {
    const pairs = new InMemoryPairs();
    const { outbox } = await open(pairs);

    await outbox.publish([anAutobook('a1', 0), anAutobook('a2', 0)]);

    await waitFor('the acknowledgements to be recorded', () => pairs.published.size === 2, 5000, 20);
    const next = await open(pairs);
    await next.outbox.recover();
    expect(next.publisher.published).toEqual([]);
  });

  it('a failed publish throws and counts the backlog; the retry timer publishes it', async () => {
    const publisher = new RecordingPublisher();
    const { outbox, metrics } = await open(new InMemoryPairs(), publisher);
    publisher.failures = 1;

    await expect(outbox.publish([anAutobook('a1', 0)])).rejects.toThrow('broker away');
    expect((await metrics.outboxBacklog.get()).values[0].value).toBe(1);

    await waitFor('the retry', () => publisher.published.length === 1, 5000, 20);
    expect((await metrics.outboxBacklog.get()).values[0].value).toBe(0);
  });

  it('of the events of a pair read cold, hands back the recent ones not yet acknowledged', async () => {
    const pairs = storedBefore([], ['acknowledged']);
    const { outbox } = await open(pairs);

    const missing = await outbox.unacknowledged(
      [anAutobook('acknowledged', HOUR), anAutobook('missing', HOUR), anAutobook('too-old', OUTBOX_RECOVERY_MS + HOUR)],
      new Date(),
    );

    expect(missing.map((e) => e.payload.eventId)).toEqual(['missing']);
  });
});
