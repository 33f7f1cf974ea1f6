// The history is the outbox: what each decision published follows from the stored entries alone.
import { evolve } from './evolve.js';
import { emptyPair, PairState } from './pair-state.js';
import { publishedBy } from './published.js';
import { booked, CLIENT_ID, COACH_ID, everyKindOfEvent, play, storedEntries } from './testing/builders.js';

describe('what a decision published, from the stored history alone', () => {
  const played = play(everyKindOfEvent());

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
