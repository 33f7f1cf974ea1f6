import { TOPICS } from '#contracts';
import { EventPublisher, PermanentError } from '#platform';
import { Test } from '@nestjs/testing';
import { ONGOING_TRAINING_CONFIG } from '../config.js';
import { booked, completed, paymentFailed } from '../domain/testing/builders.js';
import { RenewalMetrics } from '../observability/renewal.metrics.js';
import { AutobookOutbox } from './autobook.outbox.js';
import { Clock } from './clock.js';
import { PairRepository } from './pair.repository.js';
import { RenewalService } from './renewal.service.js';
import { InMemoryPairs } from './testing/in-memory-pairs.js';
import { RecordingPublisher } from './testing/recording-publisher.js';
import { waitFor } from '#testing';

async function aRenewalService() {
  const pairs = new InMemoryPairs();
  const publisher = new RecordingPublisher();
  const module = await Test.createTestingModule({
    providers: [
      RenewalService,
      AutobookOutbox,
      RenewalMetrics,
      Clock,
      { provide: PairRepository, useValue: pairs },
      { provide: EventPublisher, useValue: publisher },
      { provide: ONGOING_TRAINING_CONFIG, useValue: { OUTBOX_RETRY_MS: 50 } },
    ],
  }).compile();
  await module.init();
  return { service: module.get(RenewalService), metrics: module.get(RenewalMetrics), pairs, publisher, close: () => module.close() };
}

describe('RenewalService (composed by Nest, pairs in memory)', () => {
  let renewal: Awaited<ReturnType<typeof aRenewalService>>;
  beforeEach(async () => (renewal = await aRenewalService()));
  afterEach(() => renewal.close());

  it('books one session when the last session on deck is completed, stores one change per chunk and pair, and publishes the autobook', async () => {
    await renewal.service.apply([booked({ sessionCount: 1, ongoingTraining: true }), completed({ sessionId: 's1' })]);

    expect([...renewal.pairs.changes.values()].map((history) => history.length)).toEqual([1]);
    expect(renewal.publisher.topics).toEqual([TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOKED]);
    const autobook = renewal.publisher.published[1];
    expect(autobook).toMatchObject({ key: 'client-1', payload: { clientId: 'client-1', coachId: 'coach-1', sequence: 1 } });
  });

  it('R10: a chunk applied again writes nothing and publishes nothing', async () => {
    const chunk = [booked({ sessionCount: 1, ongoingTraining: true }), completed({ sessionId: 's1' })];
    await renewal.service.apply(chunk);
    const appends = renewal.pairs.appends;
    const published = renewal.publisher.published.length;

    await renewal.service.apply(chunk);

    expect([...renewal.pairs.changes.values()].map((history) => history.length)).toEqual([1]);
    expect(renewal.publisher.published).toHaveLength(published);
    expect(renewal.pairs.appends).toBe(appends);
  });

  it('decides again on top of a change another writer stored first, and counts the conflict', async () => {
    await renewal.service.apply([booked({ sessionCount: 2, ongoingTraining: true })]);
    renewal.pairs.interloper = () => {
      // Another instance applied the first completion meanwhile.
      const [history] = [...renewal.pairs.changes.values()];
      const last = history.at(-1)!;
      history.push({ version: last.version + 1, state: last.state, outbox: [] });
    };

    await renewal.service.apply([completed({ sessionId: 's1' })]);

    const [history] = [...renewal.pairs.changes.values()];
    expect(history.map((c) => c.version)).toEqual([1, 2, 3]);
    expect((await renewal.metrics.versionConflicts.get()).values[0].value).toBe(1);
  });

  it('fails a chunk whose autobook the broker did not take (its offsets stay), keeps the autobook stored, and the outbox publishes it on its next retry', async () => {
    renewal.publisher.failures = 1;

    await expect(renewal.service.apply([booked({ sessionCount: 1, ongoingTraining: true }), completed({ sessionId: 's1' })])).rejects.toThrow('broker away');
    expect([...renewal.pairs.changes.values()].map((history) => history.length)).toEqual([1]);
    expect(renewal.publisher.published).toEqual([]);

    await waitFor('the outbox to publish the autobook', () => renewal.publisher.topics.includes(TOPICS.SESSION_AUTOBOOKED), 5000, 20);
    expect(renewal.publisher.topics).toEqual([TOPICS.SESSION_AUTOBOOK_UPCOMING, TOPICS.SESSION_AUTOBOOKED]);
  });

  it('R16: a failed payment of an autobook the pair never made is refused for good (dead-lettered), not retried', async () => {
    await renewal.service.apply([booked({ sessionCount: 1, ongoingTraining: true })]);

    const refusal = renewal.service.apply([paymentFailed({ autobookEventId: 'autobook-never-made' })]);

    await expect(refusal).rejects.toBeInstanceOf(PermanentError);
    await expect(refusal).rejects.toMatchObject({ code: 'UNKNOWN_AUTOBOOK' });
  });
});
