// Builders of valid contract payloads for tests: override only what the test is about.
import type { Contact } from '../primitives.js';
import type {
  PackageBooked,
  PaymentFailed,
  PaymentSucceeded,
  SessionAutobooked,
  SessionAutobookUpcoming,
  SessionAutobookVoided,
  SessionCompleted,
  SessionCompletionReverted,
} from '../events.js';

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

export function aSessionCompletionReverted(overrides: Partial<SessionCompletionReverted> = {}): SessionCompletionReverted {
  const sessionId = overrides.sessionId ?? 's1';
  return {
    eventId: `reverted-${sessionId}`,
    occurredAt: '2026-11-02T12:00:00Z',
    sessionId,
    clientId: 'client-1',
    coachId: 'coach-1',
    reason: 'marked complete by mistake',
    ...overrides,
  };
}

export function aPaymentSucceeded(overrides: Partial<PaymentSucceeded> = {}): PaymentSucceeded {
  const autobookEventId = overrides.autobookEventId ?? 'autobook-1';
  return {
    eventId: `payment-succeeded-${autobookEventId}`,
    occurredAt: '2026-11-03T09:00:00Z',
    autobookEventId,
    clientId: 'client-1',
    coachId: 'coach-1',
    ...overrides,
  };
}

export function aPaymentFailed(overrides: Partial<PaymentFailed> = {}): PaymentFailed {
  const autobookEventId = overrides.autobookEventId ?? 'autobook-1';
  return {
    ...aPaymentSucceeded({ autobookEventId, eventId: `payment-failed-${autobookEventId}`, occurredAt: '2026-11-02T10:05:00Z' }),
    reason: 'card declined',
    ...overrides,
  };
}

export function aSessionAutobookUpcoming(overrides: Partial<SessionAutobookUpcoming> = {}): SessionAutobookUpcoming {
  return {
    eventId: 'upcoming-1',
    occurredAt: '2026-11-01T10:00:01Z',
    clientId: 'client-1',
    coachId: 'coach-1',
    sequence: 1,
    rate: { amount: 8000, currency: 'USD' },
    ratePackageId: 'p1',
    client: A_CLIENT,
    coach: A_COACH,
    ...overrides,
  };
}

export function aSessionAutobookVoided(overrides: Partial<SessionAutobookVoided> = {}): SessionAutobookVoided {
  return {
    eventId: 'voided-1',
    occurredAt: '2026-11-02T12:00:01Z',
    clientId: 'client-1',
    coachId: 'coach-1',
    autobookEventId: 'autobook-1',
    sequence: 1,
    rate: { amount: 8000, currency: 'USD' },
    reason: { type: 'completion-reverted', sessionId: 's1', eventId: 'reverted-s1' },
    client: A_CLIENT,
    coach: A_COACH,
    ...overrides,
  };
}
