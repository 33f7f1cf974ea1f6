import { CompactEntry, compactEntry, expandEntry, onDeckAfter } from './compact-entry.js';
import type { Decision, HistoryEntry } from './decision.js';
import { DomainError, UnknownAutobookError } from './errors.js';
import { evolve, foldHistory } from './evolve.js';
import { emptyPair, PairState, paymentPending, sessionsOnDeck } from './pair-state.js';
import type { RenewalInput } from './renewal-input.js';
import { decide } from './renewal-policy.js';
import {
  at,
  booked,
  CLIENT,
  CLIENT_ID,
  COACH,
  COACH_ID,
  completed,
  deepFreeze,
  enrollment,
  ENTRY_CONTEXT,
  entryOf,
  minute,
  pause,
  paymentFailed,
  paymentSucceeded,
  play,
  readableAutobookEventId,
  resume,
  reverted,
  storedEntries,
  usd,
} from './testing/builders.js';
// A seeded PRNG, so that a shuffled test fails the same way every time.
import { seededRandom } from '#testing/random';

const NOW = '2026-12-01T12:00:00Z';

describe('evolve: the state is folded from the history', () => {
  it('folds an empty history to a pair nothing is known about', () => {
    expect(foldHistory(CLIENT_ID, COACH_ID, [])).toEqual(emptyPair(CLIENT_ID, COACH_ID));
  });

  it('applies what a package entry says: sessions, dedupe key, rate package and updatedAt (R3, R4)', () => {
    const entry = entryOf(decide(null, booked({ packageId: 'p1', sessionCount: 3, price: usd(25000) }), at(NOW)));
    expect(evolve(emptyPair(CLIENT_ID, COACH_ID), entry)).toEqual({
      ...emptyPair(CLIENT_ID, COACH_ID),
      ratePackage: {
        packageId: 'p1',
        eventId: 'booked-p1',
        occurredAt: '2026-11-01T10:00:00Z',
        sessionCount: 3,
        price: usd(25000),
        rate: usd(8333),
        autoRenewal: true,
        client: CLIENT,
        coach: COACH,
      },
      sessionsBought: 3,
      packageIds: ['p1'],
      updatedAt: NOW,
    });
  });

  it('adds the sessions of an older package without taking its rate (R4)', () => {
    const played = play([
      booked({ packageId: 'p2', occurredAt: '2026-11-02T10:00:00Z', sessionCount: 2 }),
      booked({ packageId: 'p1', occurredAt: '2026-11-01T10:00:00Z', sessionCount: 4 }),
    ]);
    const folded = foldHistory(CLIENT_ID, COACH_ID, storedEntries(played.decisions));
    expect(folded).toMatchObject({ sessionsBought: 6, packageIds: ['p2', 'p1'], ratePackage: { packageId: 'p2' } });
  });

  it('rebuilds the latest autobook, contacts of the rate package included (R5, R9)', () => {
    const played = play([
      booked({ packageId: 'p1', sessionCount: 1, price: usd(30000), ongoingTraining: true }),
      completed({ sessionId: 's1', eventId: 'e-s1' }),
    ]);
    const folded = foldHistory(CLIENT_ID, COACH_ID, storedEntries(played.decisions));
    expect(folded.autobookCount).toBe(1);
    expect(folded.lastAutobook).toEqual({
      sequence: 1,
      eventId: 'autobook:client-1:coach-1:1',
      occurredAt: minute(2),
      rate: usd(30000),
      ratePackageId: 'p1',
      trigger: { type: 'session.completed', eventId: 'e-s1', sessionId: 's1' },
      client: CLIENT,
      coach: COACH,
    });
  });

  it('moves the switch register only when an entry says so (R2, R8)', () => {
    const played = play([
      booked({ packageId: 'p1', occurredAt: '2026-11-01T10:00:00Z', ongoingTraining: true }),
      booked({ packageId: 'p0', occurredAt: '2026-10-01T10:00:00Z', ongoingTraining: false }), // older: ignored
      enrollment(false),
    ]);
    const entries = storedEntries(played.decisions);
    expect(entries.map((e) => e.changes.enrolledChangedAt)).toEqual(['2026-11-01T10:00:00Z', undefined, minute(3)]);
    expect(foldHistory(CLIENT_ID, COACH_ID, entries)).toMatchObject({ enrolled: false, enrolledChangedAt: minute(3) });
  });

  it('never mutates the state or the entry it is given', () => {
    const played = play([booked({ packageId: 'p1', sessionCount: 1, ongoingTraining: true }), completed()]);
    const [first, second] = storedEntries(played.decisions) as [HistoryEntry, HistoryEntry];
    const state = deepFreeze(evolve(emptyPair(CLIENT_ID, COACH_ID), deepFreeze(first)));
    const snapshot = JSON.stringify([state, second]);
    const next = evolve(state, deepFreeze(second));
    expect(JSON.stringify([state, second])).toBe(snapshot);
    expect(next).not.toBe(state);
  });

  it('refuses an autobook recorded for a pair without a package', () => {
    const played = play([booked({ packageId: 'p1', sessionCount: 1, ongoingTraining: true }), completed()]);
    const autobooked = storedEntries(played.decisions)[1]!;
    expect(autobooked.outcome).toBe('autobooked');
    expect(() => evolve(emptyPair(CLIENT_ID, COACH_ID), autobooked)).toThrow(/without a package/);
  });

  describe('folding the entries of the decisions gives the state decide returned', () => {
    const NOV_1 = Date.UTC(2026, 10, 1);
    const HOUR = 3_600_000;

    /**
     * A long random-ish sequence of inputs of one pair: packages in any order (some checkouts stamped
     * after the decision clock, some custom, some choosing the switch), completions of sessions bought or
     * not yet, API switches either way (some refused, some unchanged), and duplicates of both topics;
     * completions undone (after or before they arrive, some twice), payment failures and successes of
     * autobooks made or not (those never made are dead-lettered), in any occurredAt order and redelivered,
     * and pauses and resumes (API, or by time with a due time that may be stale) (R13..R16).
     */
    function inputsOf(seed: number, length: number): RenewalInput[] {
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const inputs: RenewalInput[] = [];
      const packageIds: string[] = [];
      const sessionIds: string[] = [];
      const revertedIds: string[] = [];
      const payments: RenewalInput[] = [];
      const failedAutobooks: string[] = [];
      const pauseDates = ['2026-12-05T00:00:00.000Z', '2026-12-09T00:00:00.000Z', '2027-01-15T00:00:00.000Z'];
      let nextSession = 1;
      // The generator peeks at the pair as `run` will see it (same clock, refusals skipped), so that it can
      // end a pause or a hold right when on deck is 0, and undo the completion that made the latest autobook.
      let state = null as PairState | null;
      const push = (input: RenewalInput) => {
        const now = new Date(Date.UTC(2026, 11, 1, 9, inputs.length)).toISOString();
        inputs.push(input);
        try {
          state = decide(state, input, at(now)).state;
        } catch (error) {
          if (!(error instanceof DomainError) && !(error instanceof UnknownAutobookError)) throw error;
        }
      };
      for (let i = 0; i < length; i++) {
        const waiting = state !== null && (state.pausedUntil !== null || paymentPending(state).length > 0);
        if (state !== null && waiting && sessionsOnDeck(state) === 1 && random() < 0.3) {
          // The last session on deck completed while paused or held.
          const sessionId = `s${nextSession++}`;
          sessionIds.push(sessionId);
          push(completed({ sessionId, eventId: `c-${i}`, occurredAt: minute(i) }));
          continue;
        }
        if (state !== null && waiting && sessionsOnDeck(state) === 0 && random() < 0.7) {
          const pending = paymentPending(state);
          if (state.pausedUntil !== null) {
            push(random() < 0.5 ? resume('api') : resume('time', state.pausedUntil));
            continue;
          }
          if (pending.length > 0) {
            push(paymentSucceeded({ autobookEventId: pick(pending).autobookEventId, eventId: `pay-r-${i}`, occurredAt: minute(inputs.length) }));
            continue;
          }
        }
        const lastAutobook = state?.lastAutobook;
        if (lastAutobook?.trigger.sessionId !== undefined && !state!.voidedSequences.includes(lastAutobook.sequence) && random() < 0.04) {
          push(reverted({ sessionId: lastAutobook.trigger.sessionId, eventId: `rv-${i}`, occurredAt: minute(inputs.length) }));
          continue;
        }
        const roll = random();
        if (roll < 0.15) {
          const packageId = `p${packageIds.length + 1}`;
          packageIds.push(packageId);
          // Between Nov 1 and Dec 2: the clock runs from Dec 1 09:00, so some checkouts are ahead of it.
          const occurredAt = new Date(NOV_1 + Math.floor(random() * 31 * 24) * HOUR).toISOString();
          const sessionCount = 1 + Math.floor(random() * 4);
          push(
            booked({
              packageId,
              occurredAt,
              sessionCount,
              price: usd(1000 + Math.floor(random() * 50000)),
              autoRenewal: random() < 0.8,
              ...(random() < 0.5 ? {} : { ongoingTraining: random() < 0.7 }),
              client: { name: `Client ${i}`, email: `client${i}@example.com` },
            }),
          );
        } else if (roll < 0.2 && packageIds.length > 0) {
          // The same package again, under a new event id and other values: a duplicate (R10).
          push(booked({ packageId: pick(packageIds), eventId: `again-${i}`, sessionCount: 9 }));
        } else if (roll < 0.6) {
          const sessionId = `s${nextSession++}`;
          sessionIds.push(sessionId);
          push(completed({ sessionId, eventId: `c-${i}`, occurredAt: minute(i) }));
        } else if (roll < 0.64 && sessionIds.length > 0) {
          // The same session completed again, same or new event id: a duplicate (R10).
          const sessionId = pick(sessionIds);
          push(completed({ sessionId, eventId: random() < 0.5 ? `dup-${i}` : `completed-${sessionId}` }));
        } else if (roll < 0.69) {
          // A completion undone (R15): of the latest completion (which may have made the latest autobook), of an
          // older one, of one not completed yet (it comes later and is cancelled out), or of one already undone.
          const which = random();
          const latest = sessionIds[sessionIds.length - 1];
          const sessionId =
            which < 0.4 && latest !== undefined
              ? latest
              : which < 0.6 && sessionIds.length > 0
                ? pick(sessionIds)
                : which < 0.85 || revertedIds.length === 0
                  ? `s${nextSession}`
                  : pick(revertedIds);
          revertedIds.push(sessionId);
          push(reverted({ sessionId, eventId: `r-${i}`, occurredAt: minute(i) }));
        } else if (roll < 0.75) {
          if (payments.length > 0 && random() < 0.15) {
            // A payment event redelivered (R10).
            push(pick(payments));
            continue;
          }
          // The charge of one of the first autobooks, made or not yet (R16), mostly in order, some of them at
          // any time of November (older than what billing already told).
          const fails = random() < 0.4;
          // A success is mostly for an autobook whose charge failed before.
          const autobookEventId =
            !fails && failedAutobooks.length > 0 && random() < 0.7
              ? pick(failedAutobooks)
              : readableAutobookEventId(CLIENT_ID, COACH_ID, 1 + Math.floor(random() * 4));
          if (fails) failedAutobooks.push(autobookEventId);
          const occurredAt = random() < 0.75 ? minute(i) : new Date(NOV_1 + Math.floor(random() * 30 * 24) * HOUR).toISOString();
          const event = { autobookEventId, occurredAt, eventId: `pay-${i}` };
          const payment = fails ? paymentFailed(event) : paymentSucceeded(event);
          payments.push(payment);
          push(payment);
        } else if (roll < 0.765) {
          push(pause(pick(pauseDates)));
        } else if (roll < 0.83) {
          push(random() < 0.75 ? resume('api') : resume('time', pick(pauseDates)));
        } else {
          push(enrollment(random() < 0.6));
        }
      }
      return inputs;
    }

    interface Run {
      decisions: Decision[];
      refused: number;
      deadLettered: number;
      state: PairState | null;
    }

    /**
     * Like `play`, but a refused API request (R1, R6, R14) is skipped, and so is a payment of an autobook
     * never made (dead-lettered at the edge, R16): they store nothing.
     */
    function run(inputs: readonly RenewalInput[]): Run {
      const decisions: Decision[] = [];
      let state: PairState | null = null;
      let refused = 0;
      let deadLettered = 0;
      inputs.forEach((input, i) => {
        let decision: Decision;
        try {
          decision = decide(state, input, at(new Date(Date.UTC(2026, 11, 1, 9, i)).toISOString()));
        } catch (error) {
          if (error instanceof UnknownAutobookError) {
            deadLettered += 1;
            return;
          }
          if (!(error instanceof DomainError)) throw error;
          refused += 1;
          return;
        }
        if (decision.ignored !== null) expect(decision.state).toBe(state ?? decision.state);
        decisions.push(decision);
        state = decision.state;
      });
      return { decisions, refused, deadLettered, state };
    }

    const SEEDS = Array.from({ length: 40 }, (_, i) => 20261201 + i);
    const LENGTH = 120;

    it.each(SEEDS)('with seed %i, after every decision and at the end', (seed) => {
      const { decisions, state } = run(inputsOf(seed, LENGTH));
      const entries = storedEntries(decisions);

      // Step by step: the state folded so far is the state decide returned, and the entry's on deck agrees.
      let folded = emptyPair(CLIENT_ID, COACH_ID);
      for (const decision of decisions) {
        if (decision.entry === null) {
          expect(decision.state).toStrictEqual(folded);
          continue;
        }
        expect(decision.entry.changes.sessionsOnDeck.from).toBe(sessionsOnDeck(folded));
        folded = evolve(folded, decision.entry);
        expect(folded).toStrictEqual(decision.state);
        expect(decision.entry.changes.sessionsOnDeck.to).toBe(sessionsOnDeck(folded));
        // What is published is what the entry records: an autobook (R5), a heads-up (R13), a void (R15).
        const { entry } = decision;
        expect(decision.autobooked?.eventId ?? null).toBe(entry.outcome === 'autobooked' ? entry.autobook.eventId : null);
        expect(decision.upcoming?.eventId ?? null).toBe(entry.changes.headsUp?.eventId ?? null);
        expect(decision.voided?.eventId ?? null).toBe(entry.changes.voided?.eventId ?? null);
        // A heads-up is for the sequence the next autobook will have (R13).
        if (entry.changes.headsUp) expect(entry.changes.headsUp.sequence).toBe(folded.autobookCount + 1);
      }

      // The whole history at once, and as it comes back from storage (JSON), gives the final state.
      const final = state ?? emptyPair(CLIENT_ID, COACH_ID);
      expect(foldHistory(CLIENT_ID, COACH_ID, entries)).toStrictEqual(final);
      const stored: HistoryEntry[] = JSON.parse(JSON.stringify(entries));
      expect(foldHistory(CLIENT_ID, COACH_ID, stored)).toStrictEqual(final);
      // Stored compact (compact-entry.ts) and read back in order, each from the count on deck before it.
      let onDeck = 0;
      const compact: CompactEntry[] = JSON.parse(JSON.stringify(entries.map((entry) => compactEntry(entry, ENTRY_CONTEXT))));
      const read = compact.map((entry) => {
        const full = expandEntry(entry, onDeck, ENTRY_CONTEXT);
        onDeck = onDeckAfter(entry);
        return full;
      });
      expect(read).toStrictEqual(entries);

      // One autobook per autobooked entry, numbered 1, 2, 3..., a voided one never reused (R15).
      const autobooks = entries.flatMap((e) => (e.outcome === 'autobooked' ? [e.autobook.sequence] : []));
      expect(autobooks).toEqual(autobooks.map((_, i) => i + 1));
      expect(final.autobookCount).toBe(autobooks.length);
      const voids = entries.flatMap((e) => (e.changes.voided ? [e.changes.voided.sequence] : []));
      expect(new Set(voids).size).toBe(voids.length);
      expect(final.voidedSequences).toEqual(voids);
      // At most one heads-up per sequence (R13).
      const headsUps = entries.flatMap((e) => (e.changes.headsUp ? [e.changes.headsUp.sequence] : []));
      expect(new Set(headsUps).size).toBe(headsUps.length);
    });

    it('covers what it claims: duplicates, unchanged and refused switches, autobooks, late older packages, R13..R16', () => {
      const totals = { decisions: 0, duplicate: 0, unchanged: 0, refused: 0, autobooked: 0, olderPackages: 0 };
      const r13to16 = {
        deadLettered: 0,
        headsUps: 0,
        voided: 0,
        pendingReverts: 0,
        paused: 0,
        paymentPending: 0,
        resumeTriggered: 0,
        paymentTriggered: 0,
        pausesEndedBySwitch: 0,
      };
      for (const seed of SEEDS) {
        const { decisions, refused, deadLettered } = run(inputsOf(seed, LENGTH));
        const entries = storedEntries(decisions);
        totals.decisions += decisions.length;
        totals.duplicate += decisions.filter((d) => d.ignored === 'duplicate').length;
        totals.unchanged += decisions.filter((d) => d.ignored === 'unchanged').length;
        totals.refused += refused;
        totals.autobooked += entries.filter((e) => e.outcome === 'autobooked').length;
        totals.olderPackages += entries.filter((e) => e.changes.packageAdded && !e.changes.rate).length;
        r13to16.deadLettered += deadLettered;
        r13to16.headsUps += entries.filter((e) => e.changes.headsUp).length;
        r13to16.voided += entries.filter((e) => e.changes.voided).length;
        r13to16.pendingReverts += entries.filter((e) => e.changes.completionReverted?.pending).length;
        r13to16.paused += entries.filter((e) => e.outcome === 'no-autobook' && e.reason === 'paused').length;
        r13to16.paymentPending += entries.filter((e) => e.outcome === 'no-autobook' && e.reason === 'payment-pending').length;
        r13to16.resumeTriggered += entries.filter((e) => e.outcome === 'autobooked' && e.autobook.trigger.type === 'resume').length;
        r13to16.paymentTriggered += entries.filter((e) => e.outcome === 'autobooked' && e.autobook.trigger.type === 'payment.succeeded').length;
        r13to16.pausesEndedBySwitch += entries.filter((e) => e.changes.pausedUntil?.to === null && e.changes.enrolled?.to === false).length;
      }
      expect(totals.decisions).toBeGreaterThan(SEEDS.length * 100);
      expect(totals.duplicate).toBeGreaterThan(100);
      expect(totals.unchanged).toBeGreaterThan(50);
      expect(totals.refused).toBeGreaterThan(10);
      expect(totals.autobooked).toBeGreaterThan(50);
      expect(totals.olderPackages).toBeGreaterThan(20);
      // R13..R16: payments of autobooks never made (dead-lettered), heads-ups, voids, reverts before their
      // completion, holds and pauses, and autobooks made when a pause or a hold ends.
      expect(r13to16.deadLettered).toBeGreaterThan(50);
      expect(r13to16.headsUps).toBeGreaterThan(10);
      expect(r13to16.voided).toBeGreaterThan(10);
      expect(r13to16.pendingReverts).toBeGreaterThan(20);
      expect(r13to16.paused).toBeGreaterThan(50);
      expect(r13to16.paymentPending).toBeGreaterThan(30);
      expect(r13to16.resumeTriggered).toBeGreaterThan(0);
      expect(r13to16.paymentTriggered).toBeGreaterThan(0);
      expect(r13to16.pausesEndedBySwitch).toBeGreaterThan(0);
    });
  });
});
