// The lookup is plain TypeScript: the suite loads it as it is, with no Nest.
import { SessionAutobooked } from '#contracts';
import { aPaymentFailed } from '#contracts/testing/builders';
import { PermanentError, WaitingError, isTransient } from '#platform/errors';
import { aSessionAutobooked } from '../mail/session-autobooked.builder.js';
import { AutobookLookup } from './autobook-lookup.js';

/** The recorded autobooks, in memory. */
class AutobooksFake {
  readonly known = new Map<string, SessionAutobooked>();
  async find(eventId: string): Promise<SessionAutobooked | null> {
    return this.known.get(eventId) ?? null;
  }
}

const WAIT_MS = 60000;
const autobook = aSessionAutobooked({ eventId: 'autobook-7', clientId: 'client-sam', coachId: 'coach-dana' });
const failure = aPaymentFailed({ eventId: 'failed-1', autobookEventId: 'autobook-7', clientId: 'client-sam', coachId: 'coach-dana' });

function lookup(autobooks: AutobooksFake) {
  return new AutobookLookup({ PAYMENT_FAILED_AUTOBOOK_WAIT_MS: WAIT_MS }, autobooks);
}

describe('AutobookLookup: where a failed payment (R16) gets its contacts and amount', () => {
  it('answers with the autobook recorded under autobookEventId', async () => {
    const autobooks = new AutobooksFake();
    autobooks.known.set(autobook.eventId, autobook);
    await expect(lookup(autobooks).autobookOf(failure)).resolves.toEqual(autobook);
  });

  it('makes a failure for an autobook not seen yet wait (retried, without making the app unready)', async () => {
    const error = await lookup(new AutobooksFake())
      .autobookOf(failure, 1000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitingError);
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toContain('autobook-7');
  });

  it('answers once the autobook arrives within the wait', async () => {
    const autobooks = new AutobooksFake();
    const subject = lookup(autobooks);
    await expect(subject.autobookOf(failure, 0)).rejects.toBeInstanceOf(WaitingError);
    await expect(subject.autobookOf(failure, WAIT_MS - 1)).rejects.toBeInstanceOf(WaitingError);
    autobooks.known.set(autobook.eventId, autobook);
    await expect(subject.autobookOf(failure, WAIT_MS - 1)).resolves.toEqual(autobook);
  });

  it('gives up once PAYMENT_FAILED_AUTOBOOK_WAIT_MS has passed since it first looked: a dead letter that names the autobook', async () => {
    const subject = lookup(new AutobooksFake());
    await expect(subject.autobookOf(failure, 5000)).rejects.toBeInstanceOf(WaitingError);
    const error = await subject.autobookOf(failure, 5000 + WAIT_MS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('AUTOBOOK_UNKNOWN');
    expect((error as Error).message).toMatch(/autobook autobook-7, which the notifier has not seen on session\.autobooked \(waited 60 s\)/);
  });

  it('waits for each failure from when that failure was first looked for', async () => {
    const subject = lookup(new AutobooksFake());
    await expect(subject.autobookOf(failure, 0)).rejects.toBeInstanceOf(WaitingError);
    const later = aPaymentFailed({ ...failure, eventId: 'failed-2' });
    await expect(subject.autobookOf(later, WAIT_MS)).rejects.toBeInstanceOf(WaitingError);
    await expect(subject.autobookOf(failure, WAIT_MS)).rejects.toBeInstanceOf(PermanentError);
  });

  it('refuses at once a failure whose pair is not its autobook’s', async () => {
    const autobooks = new AutobooksFake();
    autobooks.known.set(autobook.eventId, autobook);
    const error = await lookup(autobooks)
      .autobookOf({ ...failure, clientId: 'client-eve' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('AUTOBOOK_OF_ANOTHER_PAIR');
    expect((error as Error).message).toContain('client-eve');
  });
});
