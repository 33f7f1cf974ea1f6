import type { Contact, Money, SessionAutobooked, TriggerType } from '@app/contracts';
import { lastPackageOf } from './rate';

// The state of one client-coach pair. It is stored as one MongoDB document, so it holds only
// JSON-friendly values: times are ISO strings, never Date objects.

/** A package known for the pair (`package.booked`), with its rate worked out once (R3). */
export interface PackageRecord {
  packageId: string;
  eventId: string;
  occurredAt: string;
  sessionCount: number;
  price: Money;
  rate: Money;
  autoRenewal: boolean;
  client: Contact;
  coach: Contact;
}

/** What brought on deck to 0 (the `trigger` of `session.autobooked`). */
export interface AutobookTrigger {
  type: TriggerType;
  eventId?: string;
  sessionId?: string;
}

/**
 * One session booked by R5. Kept forever and never changed (R7, R8): it holds everything its
 * `session.autobooked` payload says, contacts included, so a republish from the outbox sends the very same
 * payload even after a newer package brought new contacts.
 */
export interface AutobookRecord {
  sequence: number;
  eventId: string;
  occurredAt: string;
  rate: Money;
  ratePackageId: string;
  trigger: AutobookTrigger;
  client: Contact;
  coach: Contact;
}

export interface PairState {
  clientId: string;
  coachId: string;
  /** The client's Ongoing Training switch. */
  enrolled: boolean;
  /** When the switch last changed: a last-writer-wins register, so an older checkout never overrides a newer choice. */
  enrolledChangedAt: string | null;
  /** Every package known, in arrival order. */
  packages: PackageRecord[];
  /** Distinct completed sessions (R10). */
  completedSessionIds: string[];
  /** Every autobook made, in sequence order. */
  autobooks: AutobookRecord[];
  /** Contacts of the last package (R4). */
  client: Contact | null;
  coach: Contact | null;
  /** When an input last changed the pair; duplicates leave it alone. */
  updatedAt: string | null;
}

/** A pair nothing is known about yet. */
export function emptyPair(clientId: string, coachId: string): PairState {
  return {
    clientId,
    coachId,
    enrolled: false,
    enrolledChangedAt: null,
    packages: [],
    completedSessionIds: [],
    autobooks: [],
    client: null,
    coach: null,
    updatedAt: null,
  };
}

/** Sessions booked and not yet completed. Below 0 while completions wait for their package (R11). */
export function sessionsOnDeck(state: PairState): number {
  const booked = state.packages.reduce((sum, p) => sum + p.sessionCount, 0) + state.autobooks.length;
  return booked - state.completedSessionIds.length;
}

/** The last package by R4, whatever order the packages arrived in. */
export function lastPackage(state: PairState): PackageRecord | null {
  return lastPackageOf(state.packages);
}

/** R6: whether the last package offers auto-renewal. With no package there is nothing to renew: false. */
export function autoRenewalOffered(state: PairState): boolean {
  return lastPackage(state)?.autoRenewal ?? false;
}

/** The `session.autobooked` payload of an autobook: the same on every call, for the outbox to republish. */
export function autobookedEvent(
  pair: Pick<PairState, 'clientId' | 'coachId'>,
  autobook: AutobookRecord,
): SessionAutobooked {
  return {
    eventId: autobook.eventId,
    occurredAt: autobook.occurredAt,
    clientId: pair.clientId,
    coachId: pair.coachId,
    sequence: autobook.sequence,
    sessionCount: 1,
    rate: { ...autobook.rate },
    ratePackageId: autobook.ratePackageId,
    trigger: { ...autobook.trigger },
    client: { ...autobook.client },
    coach: { ...autobook.coach },
  };
}
