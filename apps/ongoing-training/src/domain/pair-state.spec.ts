import { autobookedEvent, autoRenewalOffered, emptyPair, lastPackage, sessionsOnDeck } from './pair-state.js';
import { booked, CLIENT_ID, COACH_ID, completed, lastDecision, play, usd } from './testing/builders.js';

describe('pair state', () => {
  it('starts switched off with nothing known', () => {
    const pair = emptyPair(CLIENT_ID, COACH_ID);
    expect(pair).toEqual({
      clientId: CLIENT_ID,
      coachId: COACH_ID,
      enrolled: false,
      enrolledChangedAt: null,
      ratePackage: null,
      sessionsBought: 0,
      packageIds: [],
      completedSessionIds: [],
      revertedSessionIds: [],
      autobookCount: 0,
      voidedSequences: [],
      lastAutobook: null,
      autobooksAtLastPackage: 0,
      headsUpSequence: 0,
      pausedUntil: null,
      payments: [],
      updatedAt: null,
    });
    expect(sessionsOnDeck(pair)).toBe(0);
    expect(lastPackage(pair)).toBeNull();
  });

  it('counts on deck as package sessions plus autobooks minus distinct completions', () => {
    const { state } = play([
      booked({ packageId: 'p1', sessionCount: 3 }),
      booked({ packageId: 'p2', sessionCount: 2, occurredAt: '2026-11-03T10:00:00Z' }),
      completed({ sessionId: 's1' }),
      completed({ sessionId: 's1', eventId: 'again' }),
    ]);
    expect(state).toMatchObject({ sessionsBought: 5, packageIds: ['p1', 'p2'], completedSessionIds: ['s1'] });
    expect(sessionsOnDeck(state)).toBe(4);
  });

  it('counts the autobooks made in on deck', () => {
    const { state } = play([
      booked({ packageId: 'p1', sessionCount: 1, ongoingTraining: true }),
      completed({ sessionId: 's1' }),
      completed({ sessionId: 'auto-1' }),
    ]);
    // 1 bought + 2 autobooked - 2 completed.
    expect(state).toMatchObject({ sessionsBought: 1, autobookCount: 2, lastAutobook: { sequence: 2 } });
    expect(sessionsOnDeck(state)).toBe(1);
  });

  it('goes below 0 while completions wait for their package (R11)', () => {
    const { state } = play([completed({ sessionId: 's1' }), completed({ sessionId: 's2' })]);
    expect(sessionsOnDeck(state)).toBe(-2);
  });

  it('keeps only the last package by R4 as the rate package, whatever the arrival order (R4)', () => {
    const { state } = play([
      booked({ packageId: 'p2', occurredAt: '2026-11-02T10:00:00Z', price: usd(6000), sessionCount: 2 }),
      booked({ packageId: 'p1', occurredAt: '2026-11-01T10:00:00Z', price: usd(3000), sessionCount: 1 }),
    ]);
    expect(lastPackage(state)).toBe(state.ratePackage);
    expect(state.ratePackage).toMatchObject({ packageId: 'p2', rate: usd(3000) });
    expect(state).toMatchObject({ sessionsBought: 3, packageIds: ['p2', 'p1'] });
  });

  it('offers no auto-renewal without a package, and follows the last package after (R6)', () => {
    expect(autoRenewalOffered(emptyPair(CLIENT_ID, COACH_ID))).toBe(false);
    const { state } = play([
      booked({ packageId: 'p2', autoRenewal: false, occurredAt: '2026-11-01T10:00:00Z' }),
      booked({ packageId: 'p1', autoRenewal: true, occurredAt: '2026-10-01T10:00:00Z' }),
    ]);
    expect(autoRenewalOffered(state)).toBe(false);
  });

  it('gives the payload of its latest autobook again, the same as the one published (R10)', () => {
    const played = play([booked({ packageId: 'p1', sessionCount: 1, ongoingTraining: true }), completed({ sessionId: 's1' })]);
    const published = lastDecision(played).autobooked;
    expect(published).not.toBeNull();
    expect(autobookedEvent(played.state, played.state.lastAutobook!)).toEqual(published);
  });
});
