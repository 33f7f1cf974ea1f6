// Builders of valid contract payloads for tests: override only what the test is about.
import type { Contact } from '../primitives';
import type { PackageBooked, SessionAutobooked, SessionCompleted } from '../events';

export const A_CLIENT: Contact = { name: 'Cleo Client', email: 'cleo@example.com' };
export const A_COACH: Contact = { name: 'Cody Coach', email: 'cody@example.com' };

export function aPackageBooked(overrides: Partial<PackageBooked> = {}): PackageBooked {
  const packageId = overrides.packageId ?? 'p1';
  return {
    eventId: `booked-${packageId}`,
    occurredAt: '2026-11-01T10:00:00Z',
    packageId,
    clientId: 'client-1',
    coachId: 'coach-1',
    sessionCount: 3,
    price: { amount: 25000, currency: 'USD' },
    autoRenewal: true,
    client: A_CLIENT,
    coach: A_COACH,
    ...overrides,
  };
}

export function aSessionCompleted(overrides: Partial<SessionCompleted> = {}): SessionCompleted {
  const sessionId = overrides.sessionId ?? 's1';
  return {
    eventId: `completed-${sessionId}`,
    occurredAt: '2026-11-02T10:00:00Z',
    sessionId,
    clientId: 'client-1',
    coachId: 'coach-1',
    ...overrides,
  };
}

export function aSessionAutobooked(overrides: Partial<SessionAutobooked> = {}): SessionAutobooked {
  return {
    eventId: 'autobook-1',
    occurredAt: '2026-11-02T10:00:01Z',
    clientId: 'client-1',
    coachId: 'coach-1',
    sequence: 1,
    sessionCount: 1,
    rate: { amount: 8000, currency: 'USD' },
    ratePackageId: 'p1',
    trigger: { type: 'session.completed', eventId: 'completed-s1', sessionId: 's1' },
    client: A_CLIENT,
    coach: A_COACH,
    ...overrides,
  };
}
