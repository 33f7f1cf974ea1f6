'use strict';
// The bench's inputs, from a seeded generator, and what they must produce, computed here from the
// rules (R5) and not by asking the service.
//
// Each pair: one package of S sessions (enrolled at checkout, auto-renewal offered), then C
// completions. An "exhausting" pair has C = S: its S-th completion brings on deck to 0 and books
// exactly one session. The others have C = S - 1 and book nothing. That count does not depend on
// the order in which the service happens to read the two topics: had its package been read after
// all of its completions, the package itself brings on deck to 0 and books the one session (R5,
// R11). (With C > S it would depend on that order: completions applied before the package take on
// deck below 0, and then the package books nothing. So the bench does not use such pairs.)
// Exhausting pairs are drawn with probability 0.1 x (mean C), so that about one completion in ten
// books a session.

const { randomInt, seededRandom, shuffle } = require('./util');

const BASE_TIME = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** One pair's inputs, package first. */
function pairInputs(label, i, sessionCount, completions) {
  const clientId = `${label}-client-${i}`;
  const coachId = `${label}-coach-${i % 97}`;
  const packageId = `${label}-pkg-${i}`;
  const at = BASE_TIME + i * 1000;
  const pkg = {
    eventId: `${packageId}-evt`,
    occurredAt: iso(at),
    packageId,
    clientId,
    coachId,
    sessionCount,
    price: { amount: sessionCount * 8000 + (i % 7) * 100, currency: 'USD' },
    autoRenewal: true,
    ongoingTraining: true,
    client: { name: `Client ${i}`, email: `client-${i}@bench.example` },
    // One address per pair: every email the sink accepts names its pair in its recipient.
    coach: { name: `Coach ${i % 97}`, email: `coach-${i}@bench.example` },
  };
  const done = [];
  for (let s = 0; s < completions; s++) {
    const sessionId = `${clientId}-s${s}`;
    done.push({ eventId: `${sessionId}-evt`, occurredAt: iso(at + (s + 1) * 3_600_000), sessionId, clientId, coachId, packageId });
  }
  return { index: i, clientId, coachId, sessionCount, exhausting: completions === sessionCount, package: pkg, completions: done };
}

/** Draws S and C of each pair so that a pair has about `perPair` inputs. */
function pairShapes(random, pairs, perPair) {
  const mean = Math.max(1, Math.round(perPair - 1)); // completions of a pair, on average
  const spread = Math.min(2, mean - 1);
  const exhaustShare = Math.min(1, 0.1 * mean);
  return Array.from({ length: pairs }, () => {
    const sessionCount = Math.max(1, randomInt(random, mean - spread, mean + spread));
    const exhausting = random() < exhaustShare;
    return { sessionCount, completions: exhausting ? sessionCount : sessionCount - 1 };
  });
}

/**
 * The replay workload: `pairs` pairs, about `inputs` inputs. Packages are produced first; completions
 * after them in rounds (every pair's 1st completion, in a shuffled order, then every 2nd...), the way a
 * stream of many clients interleaves.
 */
function replayWorkload(label, { inputs, pairs, seed = 42 }) {
  const random = seededRandom(seed);
  const all = pairShapes(random, pairs, inputs / pairs).map((shape, i) => pairInputs(label, i, shape.sessionCount, shape.completions));
  const packages = all.map((p) => ({ key: p.clientId, value: JSON.stringify(p.package) }));
  const completions = [];
  const rounds = Math.max(...all.map((p) => p.completions.length));
  for (let r = 0; r < rounds; r++) {
    const order = shuffle(random, all.filter((p) => p.completions.length > r));
    for (const p of order) completions.push({ key: p.clientId, value: JSON.stringify(p.completions[r]) });
  }
  const expectedAutobooks = all.filter((p) => p.exhausting).length;
  return {
    label,
    pairs: all.length,
    packages,
    completions,
    inputs: packages.length + completions.length,
    expectedAutobooks,
    exhaustingShare: expectedAutobooks / completions.length,
  };
}

/**
 * The steady workload: `rate` inputs per second for `seconds`, drawn from `active` pairs in progress at
 * a time (a finished pair is replaced by a new one), each pair's package before its completions.
 * Returns the inputs in production order; `byEventId` finds the input an autobook's trigger names.
 */
function steadyWorkload(label, { rate, seconds, active = 50, perPair = 10, seed = 7 }) {
  const random = seededRandom(seed);
  const total = Math.round(rate * seconds);
  const shapes = [];
  const pairs = [];
  const newPair = () => {
    const [shape] = pairShapes(random, 1, perPair);
    const p = pairInputs(label, pairs.length, shape.sessionCount, shape.completions);
    p.queue = [
      { topic: 'package.booked', key: p.clientId, payload: p.package },
      ...p.completions.map((c) => ({ topic: 'session.completed', key: p.clientId, payload: c })),
    ];
    pairs.push(p);
    shapes.push(shape);
    return p;
  };
  const live = Array.from({ length: active }, newPair);
  const sequence = [];
  while (sequence.length < total) {
    const slot = Math.floor(random() * live.length);
    const p = live[slot];
    const next = p.queue.shift();
    sequence.push({ ...next, pair: p.index, eventId: next.payload.eventId, value: JSON.stringify(next.payload), at: sequence.length / rate });
    if (p.queue.length === 0) live[slot] = newPair();
  }
  // What the produced inputs must book: a pair whose S completions were all produced books one.
  const produced = new Map();
  for (const s of sequence) if (s.topic === 'session.completed') produced.set(s.pair, (produced.get(s.pair) ?? 0) + 1);
  const booking = pairs.filter((p) => p.exhausting && produced.get(p.index) === p.sessionCount);
  return {
    label,
    sequence,
    pairs,
    inputs: sequence.length,
    completions: sequence.filter((s) => s.topic === 'session.completed').length,
    expectedAutobooks: booking.length,
    bookingPairs: new Set(booking.map((p) => p.index)),
    byEventId: new Map(sequence.map((s, i) => [s.eventId, i])),
  };
}

/** The pair an email recipient belongs to (client-<i>@ / coach-<i>@bench.example), or null. */
function pairOfAddress(address) {
  const m = /^(client|coach)-(\d+)@bench\.example$/i.exec(address ?? '');
  return m ? { recipient: m[1].toLowerCase(), pair: Number(m[2]) } : null;
}

module.exports = { replayWorkload, steadyWorkload, pairOfAddress };
