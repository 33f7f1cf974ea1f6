// Inputs from a seeded generator, and what they must produce, computed here from the rules (R5) and
// not by asking the service.
//
// Each pair: one package of S sessions (enrolled at checkout, auto-renewal offered), then C
// completions. With the package applied before its completions, the S-th completion brings on deck to
// 0 and books one session, and every completion after it books one more: max(0, C - S + 1).
//
// How the pairs are shaped decides whether that count depends on the order in which the service reads
// the two topics:
// - `orderIndependent`: C = S ("exhausting": books exactly one) or C = S - 1 (books nothing). Had the
//   package been read after all of its completions, the package itself brings on deck to 0 and books the
//   one session (R5, R11), so the count holds in any order. Exhausting pairs are drawn with probability
//   0.1 x (mean C), so that about one completion in ten books a session. The bench uses these.
// - `pastTheEnd`: C from 0 to S + extra, so a pair books several sessions. Completions applied before
//   the package take on deck below 0, and then the package books nothing: the packages must be applied
//   first (the reliability tests wait for their consumer group before producing the completions).
import type { PackageBooked, SessionCompleted, SessionAutobooked } from '#contracts';
import { aPackageBooked, aSessionCompleted } from '#contracts/testing/builders';
import { Random, randomInt, seededRandom, shuffle } from './random.js';

/** A pair's package size (S) and how many of its sessions are completed (C). */
export interface PairShape {
  sessionCount: number;
  completions: number;
}

/** Draws the shape of one pair. */
export type ShapeOf = (random: Random) => PairShape;

/** Pairs of about `perPair` inputs whose autobook count does not depend on the order of the topics. */
export function orderIndependent(perPair: number): ShapeOf {
  const mean = Math.max(1, Math.round(perPair - 1)); // completions of a pair, on average
  const spread = Math.min(2, mean - 1);
  const exhaustShare = Math.min(1, 0.1 * mean);
  return (random) => {
    const sessionCount = Math.max(1, randomInt(random, mean - spread, mean + spread));
    const exhausting = random() < exhaustShare;
    return { sessionCount, completions: exhausting ? sessionCount : sessionCount - 1 };
  };
}

/** Pairs of `sessionCount` sessions and 0 to `sessionCount + extra` completions; packages must be applied first. */
export function pastTheEnd({ sessionCount = 3, extra = 4 }: { sessionCount?: number; extra?: number } = {}): ShapeOf {
  return (random) => ({ sessionCount, completions: Math.floor(random() * (sessionCount + extra + 1)) });
}

/** What a pair books with its package applied before its completions (R5). */
export const autobooksOf = ({ sessionCount, completions }: PairShape): number => Math.max(0, completions - sessionCount + 1);

export interface WorkloadPair {
  index: number;
  clientId: string;
  coachId: string;
  sessionCount: number;
  package: PackageBooked;
  /** In the order they are completed. */
  completions: SessionCompleted[];
  /** Autobooks the pair must end with. */
  expected: number;
}

const BASE_TIME = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const EMAIL_DOMAIN = 'workload.example';

/** One pair's inputs. Each pair has its own addresses, so that every email names its pair. */
export function pairInputs(label: string, index: number, shape: PairShape): WorkloadPair {
  const clientId = `${label}-client-${index}`;
  const coachId = `${label}-coach-${index % 97}`;
  const packageId = `${label}-pkg-${index}`;
  const at = BASE_TIME + index * 1000;
  const pkg = aPackageBooked({
    eventId: `${packageId}-evt`,
    occurredAt: iso(at),
    packageId,
    clientId,
    coachId,
    sessionCount: shape.sessionCount,
    price: { amount: shape.sessionCount * 8000 + (index % 7) * 100, currency: 'USD' },
    autoRenewal: true,
    ongoingTraining: true,
    client: { name: `Client ${index}`, email: `client-${index}@${EMAIL_DOMAIN}` },
    coach: { name: `Coach ${index % 97}`, email: `coach-${index}@${EMAIL_DOMAIN}` },
  });
  const completions = Array.from({ length: shape.completions }, (_, s) => {
    const sessionId = `${clientId}-s${s}`;
    return aSessionCompleted({ eventId: `${sessionId}-evt`, occurredAt: iso(at + (s + 1) * 3_600_000), sessionId, clientId, coachId, packageId });
  });
  return { index, clientId, coachId, sessionCount: shape.sessionCount, package: pkg, completions, expected: autobooksOf(shape) };
}

/** The pair an email recipient belongs to (client-<i>@ / coach-<i>@ the workload's domain), or null. */
export function pairOfAddress(address: string | undefined): { recipient: 'client' | 'coach'; pair: number } | null {
  const m = /^(client|coach)-(\d+)@workload\.example$/i.exec(address ?? '');
  return m ? { recipient: m[1].toLowerCase() as 'client' | 'coach', pair: Number(m[2]) } : null;
}

export interface Workload {
  label: string;
  pairs: WorkloadPair[];
  packages: PackageBooked[];
  /** In rounds: every pair's 1st completion in a shuffled order, then every 2nd..., as many clients interleave. */
  completions: SessionCompleted[];
  /** Autobooks each pair must end with, by clientId. */
  expected: Map<string, number>;
  expectedTotal: number;
  inputs: number;
}

/** `pairs` pairs shaped by `shape`, their packages to be produced before their completions. */
export function aWorkload(label: string, { pairs, shape, seed = 42 }: { pairs: number; shape: ShapeOf; seed?: number }): Workload {
  const random = seededRandom(seed);
  const all = Array.from({ length: pairs }, (_, i) => pairInputs(label, i, shape(random)));
  const completions: SessionCompleted[] = [];
  const rounds = Math.max(0, ...all.map((p) => p.completions.length));
  for (let r = 0; r < rounds; r++) {
    for (const p of shuffle(
      random,
      all.filter((q) => q.completions.length > r),
    ))
      completions.push(p.completions[r]);
  }
  const expected = new Map(all.map((p) => [p.clientId, p.expected]));
  return {
    label,
    pairs: all,
    packages: all.map((p) => p.package),
    completions,
    expected,
    expectedTotal: all.reduce((n, p) => n + p.expected, 0),
    inputs: all.length + completions.length,
  };
}

export interface SteadyInput {
  topic: 'package.booked' | 'session.completed';
  key: string;
  payload: PackageBooked | SessionCompleted;
  eventId: string;
  /** The pair's index. */
  pair: number;
  /** When to send it, in seconds from the start. */
  at: number;
}

export interface SteadyWorkload {
  label: string;
  /** In production order. */
  sequence: SteadyInput[];
  pairs: WorkloadPair[];
  inputs: number;
  completions: number;
  expectedTotal: number;
  /** The pairs whose produced inputs book a session. */
  bookingPairs: Set<number>;
  /** Finds the input an autobook's trigger names. */
  byEventId: Map<string, number>;
}

/**
 * `rate` inputs per second for `seconds`, drawn from `active` order-independent pairs in progress at a
 * time (a finished pair is replaced by a new one), each pair's package before its completions.
 */
export function aSteadyWorkload(
  label: string,
  { rate, seconds, active = 50, perPair = 10, seed = 7 }: { rate: number; seconds: number; active?: number; perPair?: number; seed?: number },
): SteadyWorkload {
  const random = seededRandom(seed);
  const shape = orderIndependent(perPair);
  const total = Math.round(rate * seconds);
  const pairs: WorkloadPair[] = [];
  const queues: Omit<SteadyInput, 'at'>[][] = [];
  const newPair = () => {
    const p = pairInputs(label, pairs.length, shape(random));
    pairs.push(p);
    const queue: Omit<SteadyInput, 'at'>[] = [
      { topic: 'package.booked', key: p.clientId, payload: p.package, eventId: p.package.eventId, pair: p.index },
      ...p.completions.map((c) => ({ topic: 'session.completed' as const, key: p.clientId, payload: c, eventId: c.eventId, pair: p.index })),
    ];
    queues.push(queue);
    return p.index;
  };
  const live = Array.from({ length: active }, newPair);
  const sequence: SteadyInput[] = [];
  while (sequence.length < total) {
    const slot = Math.floor(random() * live.length);
    const queue = queues[live[slot]];
    sequence.push({ ...queue.shift()!, at: sequence.length / rate });
    if (queue.length === 0) live[slot] = newPair();
  }
  // What the produced inputs must book: a pair whose completions were all produced books what it must.
  const produced = new Map<number, number>();
  for (const s of sequence) if (s.topic === 'session.completed') produced.set(s.pair, (produced.get(s.pair) ?? 0) + 1);
  const booking = pairs.filter((p) => p.expected > 0 && produced.get(p.index) === p.completions.length);
  return {
    label,
    sequence,
    pairs,
    inputs: sequence.length,
    completions: sequence.filter((s) => s.topic === 'session.completed').length,
    expectedTotal: booking.reduce((n, p) => n + p.expected, 0),
    bookingPairs: new Set(booking.map((p) => p.index)),
    byEventId: new Map(sequence.map((s, i) => [s.eventId, i])),
  };
}

export interface AutobookAudit {
  messages: number;
  distinct: number;
  /** Extra copies of an autobook on the topic (same eventId): harmless, consumers dedupe on eventId. */
  redelivered: number;
  /** Different eventIds for one (pair, sequence), or more autobooks than expected: extra sessions. */
  doubled: number;
  /** Autobooks expected and never seen. */
  lost: number;
}

/** Compares what reached `session.autobooked` with what the workload must produce. */
export function audit(workload: Pick<Workload, 'expected'>, published: SessionAutobooked[]): AutobookAudit {
  const distinct = new Map(published.map((a) => [a.eventId, a]));
  const perPair = new Map<string, Set<number>>();
  let doubled = 0;
  for (const a of distinct.values()) {
    const sequences = perPair.get(a.clientId) ?? new Set<number>();
    if (sequences.has(a.sequence)) doubled++;
    sequences.add(a.sequence);
    perPair.set(a.clientId, sequences);
  }
  let lost = 0;
  for (const [clientId, count] of workload.expected) {
    const seen = perPair.get(clientId)?.size ?? 0;
    if (seen > count) doubled += seen - count;
    if (seen < count) lost += count - seen;
  }
  return { messages: published.length, distinct: distinct.size, redelivered: published.length - distinct.size, doubled, lost };
}
