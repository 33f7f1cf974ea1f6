import { autoRenewalOffered, emptyPair, lastPackage, sessionsOnDeck } from './pair-state';
import { booked, CLIENT_ID, COACH_ID, completed, play } from './testing/builders';

describe('pair state', () => {
  it('starts switched off with nothing known', () => {
    const pair = emptyPair(CLIENT_ID, COACH_ID);
    expect(pair).toMatchObject({ enrolled: false, packages: [], autobooks: [], completedSessionIds: [] });
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
    expect(sessionsOnDeck(state)).toBe(4);
  });

  it('goes below 0 while completions wait for their package (R11)', () => {
    const { state } = play([completed({ sessionId: 's1' }), completed({ sessionId: 's2' })]);
    expect(sessionsOnDeck(state)).toBe(-2);
  });

  it('offers no auto-renewal without a package, and follows the last package after (R6)', () => {
    expect(autoRenewalOffered(emptyPair(CLIENT_ID, COACH_ID))).toBe(false);
    const { state } = play([
      booked({ packageId: 'p2', autoRenewal: false, occurredAt: '2026-11-01T10:00:00Z' }),
      booked({ packageId: 'p1', autoRenewal: true, occurredAt: '2026-10-01T10:00:00Z' }),
    ]);
    expect(autoRenewalOffered(state)).toBe(false);
  });
});
