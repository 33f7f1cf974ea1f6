import { SessionAutobooked } from '#contracts';

type Overrides = Partial<Omit<SessionAutobooked, 'trigger' | 'client' | 'coach' | 'rate'>> & {
  trigger?: Partial<SessionAutobooked['trigger']>;
  client?: Partial<SessionAutobooked['client']>;
  coach?: Partial<SessionAutobooked['coach']>;
  rate?: Partial<SessionAutobooked['rate']>;
};

/** A valid `session.autobooked` for specs and previews: `aSessionAutobooked({ rate: { currency: 'JPY' } })`. */
export function aSessionAutobooked(overrides: Overrides = {}): SessionAutobooked {
  const { trigger, client, coach, rate, ...rest } = overrides;
  return {
    eventId: 'autobook:client-sam:coach-dana:3',
    occurredAt: '2026-11-24T18:30:00Z',
    clientId: 'client-sam',
    coachId: 'coach-dana',
    sequence: 3,
    sessionCount: 1,
    ratePackageId: 'pkg-2026-11-01',
    ...rest,
    rate: { amount: 8000, currency: 'USD', ...rate },
    trigger: { type: 'session.completed', eventId: 'evt-completed-42', sessionId: 'session-42', ...trigger },
    client: { name: 'Sam Lee', email: 'sam.lee@example.com', ...client },
    coach: { name: 'Dana Reyes', email: 'dana.reyes@example.com', ...coach },
  };
}
