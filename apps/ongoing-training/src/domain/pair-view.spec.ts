import { emptyPair } from './pair-state.js';
import { toPairView } from './pair-view.js';
import { booked, completed, enrollment, minute, play, usd } from './testing/builders.js';

describe('pair view (GET /v1/clients/{clientId}/ongoing-training)', () => {
  it('shows no rate and no auto-renewal before any package', () => {
    // Only a completion can come before any package: the switch needs a package (R1), either way.
    const { state } = play([completed({ sessionId: 's1' })]);
    expect(toPairView(state)).toEqual({
      coachId: 'coach-1',
      enrolled: false,
      autoRenewalOffered: false,
      rate: null,
      ratePackageId: null,
      sessionsOnDeck: -1,
      pausedUntil: null,
      paymentPending: [],
      updatedAt: minute(1),
    });
  });

  it('shows a pair nothing is known about as switched off, with nothing on deck', () => {
    expect(toPairView(emptyPair('client-1', 'coach-1'))).toEqual({
      coachId: 'coach-1',
      enrolled: false,
      autoRenewalOffered: false,
      rate: null,
      ratePackageId: null,
      sessionsOnDeck: 0,
      pausedUntil: null,
      paymentPending: [],
      updatedAt: null,
    });
  });

  it('shows the rate of the last package and the sessions on deck', () => {
    const { state } = play([booked({ packageId: 'p1', sessionCount: 3, price: usd(25000), ongoingTraining: true }), completed({ sessionId: 's1' })]);
    expect(toPairView(state)).toEqual({
      coachId: 'coach-1',
      enrolled: true,
      autoRenewalOffered: true,
      rate: usd(8333),
      ratePackageId: 'p1',
      sessionsOnDeck: 2,
      pausedUntil: null,
      paymentPending: [],
      updatedAt: minute(2),
    });
  });
});

describe('pair view after a switch and a duplicate', () => {
  it('keeps updatedAt at the last input applied: an ignored input changes nothing (R10)', () => {
    const { state } = play([
      booked({ packageId: 'p1', sessionCount: 2, ongoingTraining: true }),
      booked({ packageId: 'p1', eventId: 'again' }), // duplicate
    ]);
    expect(toPairView(state)).toMatchObject({ enrolled: true, sessionsOnDeck: 2, updatedAt: minute(1) });
  });

  it('shows the switch off after the client turns it off (R2)', () => {
    const { state } = play([booked({ packageId: 'p1', sessionCount: 2, ongoingTraining: true }), enrollment(false)]);
    expect(toPairView(state)).toMatchObject({ enrolled: false, autoRenewalOffered: true, updatedAt: minute(2) });
  });
});
