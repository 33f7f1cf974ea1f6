// The history is the outbox: what each decision published follows from the stored entries alone.
import { evolve } from './evolve.js';
import { emptyPair, PairState } from './pair-state.js';
import { publishedBy } from './published.js';
import {
  booked,
  CLIENT_ID,
  COACH_ID,
  completed,
  enrollment,
  pause,
  paymentFailed,
  paymentSucceeded,
  play,
  readableAutobookEventId,
  resume,
  reverted,
  storedEntries,
  usd,
} from './testing/builders.js';

const T1 = '2026-11-01T10:00:00Z';
const T2 = '2026-11-02T10:00:00Z';
const AB = (n: number) => readableAutobookEventId(CLIENT_ID, COACH_ID, n);

describe('what a decision published, from the stored history alone', () => {
  // Every kind of event, at two rates, with a pause and a payment hold between them.
  const played = play([
    booked({ packageId: 'p1', occurredAt: T1, sessionCount: 2, price: usd(30000), ongoingTraining: true }),
    completed({ sessionId: 's1' }), // heads-up 1
    completed({ sessionId: 's2', eventId: 'e-s2' }), // autobook 1
    reverted({ sessionId: 's2', eventId: 'r-s2' }), // autobook 1 voided
    completed({ sessionId: 's3' }), // autobook 2
    paymentFailed({ autobookEventId: AB(2), occurredAt: T2 }),
    completed({ sessionId: 's4' }), // payment pending: nothing
    paymentSucceeded({ autobookEventId: AB(2), occurredAt: '2026-11-02T11:00:00Z' }), // autobook 3
    pause('2026-12-20T00:00:00.000Z'),
    completed({ sessionId: 's5' }), // paused: nothing
    resume('api'), // autobook 4
    booked({ packageId: 'p2', occurredAt: T2, sessionCount: 3, price: usd(27000) }), // 4 on deck, a new rate
    completed({ sessionId: 's6' }),
    completed({ sessionId: 's7' }),
    completed({ sessionId: 's8' }), // 1 on deck: heads-up 5, at the new rate
    enrollment(false),
    completed({ sessionId: 's9' }), // not enrolled: nothing
  ]);

  it('is what decide published, event for event, when the entries are folded one by one', () => {
    let state: PairState = emptyPair(CLIENT_ID, COACH_ID);
    const fromHistory = [];
    for (const entry of storedEntries(played.decisions)) {
      const after = evolve(state, JSON.parse(JSON.stringify(entry)));
      fromHistory.push(publishedBy(state, entry, after));
      state = after;
    }
    const decided = played.decisions.filter((d) => d.entry !== null).map(({ autobooked, upcoming, voided }) => ({ autobooked, upcoming, voided }));
    expect(fromHistory).toEqual(decided);
    expect(state).toEqual(played.state);
  });

  it('covers every kind: heads-ups, autobooks at the rate of their time, a void', () => {
    const published = played.decisions.flatMap((d) => [d.autobooked, d.upcoming, d.voided].filter((e) => e !== null));
    expect(published.map((e) => ('autobookEventId' in e ? 'voided' : 'sessionCount' in e ? `autobook ${e.sequence}` : `heads-up ${e.sequence}`))).toEqual([
      'heads-up 1',
      'autobook 1',
      'voided',
      'autobook 2',
      'autobook 3',
      'autobook 4',
      'heads-up 5',
    ]);
    expect(published.filter((e) => 'rate' in e).map((e) => e.rate.amount)).toEqual([15000, 15000, 15000, 15000, 15000, 15000, 9000]);
  });

  it('is nothing for an entry that booked nothing and sent no heads-up', () => {
    const { decisions } = play([booked({ packageId: 'p1', sessionCount: 3, ongoingTraining: true })]);
    const entry = decisions[0]!.entry!;
    expect(publishedBy(emptyPair(CLIENT_ID, COACH_ID), entry, decisions[0]!.state)).toEqual({ autobooked: null, upcoming: null, voided: null });
  });
});
