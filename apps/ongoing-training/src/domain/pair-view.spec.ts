import { toPairView } from './pair-view';
import { booked, completed, enrollment, minute, play, usd } from './testing/builders';

describe('pair view (GET /v1/clients/{clientId}/ongoing-training)', () => {
  it('shows no rate and no auto-renewal before any package', () => {
    const { state } = play([enrollment(false)]);
    expect(toPairView(state)).toEqual({
      coachId: 'coach-1',
      enrolled: false,
      autoRenewalOffered: false,
      rate: null,
      ratePackageId: null,
      sessionsOnDeck: 0,
      updatedAt: minute(1),
    });
  });

  it('shows the rate of the last package and the sessions on deck', () => {
    const { state } = play([
      booked({ packageId: 'p1', sessionCount: 3, price: usd(25000), ongoingTraining: true }),
      completed({ sessionId: 's1' }),
    ]);
    expect(toPairView(state)).toEqual({
      coachId: 'coach-1',
      enrolled: true,
      autoRenewalOffered: true,
      rate: usd(8333),
      ratePackageId: 'p1',
      sessionsOnDeck: 2,
      updatedAt: minute(2),
    });
  });
});
