import { SessionAutobooked, TOPICS } from '#contracts';
import { PermanentError } from '#platform';
import { Injectable, Logger } from '@nestjs/common';
import {
  Decision,
  HistoryEntry,
  PairState,
  PairView,
  RenewalInput,
  UnknownAutobookError,
  decide,
  emptyPair,
  isEventInput,
  pairOf,
  toPairView,
} from '../domain/index.js';
import { RenewalMetrics } from '../observability/renewal.metrics.js';
import { autobookEventId, upcomingEventId } from './autobook-id.js';
import { AutobookOutbox } from './autobook.outbox.js';
import { Clock } from './clock.js';
import { ChangeWrite, PairRepository, StoredPair, VersionConflictError } from './pair.repository.js';
import { PairLocks } from './pair-locks.js';
import { eventsOf, OutboxEvent, pairKey } from './pair.schema.js';

const MAX_CONFLICTS = 20;

export interface ApplyOptions {
  /** Throw when the broker does not acknowledge the autobooks (the outbox retries them either way). */
  mustPublish: boolean;
  /** Take pairs this process holds nothing of to be new, unread (see PairRepository.load). */
  unknownAsNew: boolean;
}

export interface AppliedPair {
  stored: StoredPair;
  entries: HistoryEntry[];
  outbox: OutboxEvent[];
}

/**
 * Feeds inputs to the renewal policy and carries out its decisions: for a chunk of inputs, each pair
 * is taken from memory (restored at start, or written by this process since) or taken to be new,
 * decided, and the pairs that changed are written with one insert of a change per pair, all in one round
 * trip; inputs already applied write nothing (R10); pairs whose change another writer took first are
 * read and decided again; then the new autobooks are published.
 */
@Injectable()
export class RenewalService {
  private readonly logger = new Logger(RenewalService.name);
  private readonly locks = new PairLocks();

  constructor(
    private readonly pairs: PairRepository,
    private readonly outbox: AutobookOutbox,
    private readonly clock: Clock,
    private readonly metrics: RenewalMetrics,
  ) {}

  /**
   * Applies inputs (in order within each pair) and resolves once their effects are durable and their
   * autobooks acknowledged by the broker; throws (to be retried) otherwise.
   */
  async apply(inputs: RenewalInput[], options: ApplyOptions = { mustPublish: true, unknownAsNew: true }): Promise<AppliedPair[]> {
    const groups = new Map<string, RenewalInput[]>();
    for (const input of inputs) {
      const { clientId, coachId } = pairOf(input);
      const key = pairKey(clientId, coachId);
      const group = groups.get(key);
      if (group) group.push(input);
      else groups.set(key, [input]);
    }
    // Pairs shared with a chunk of another partition (or an API call) wait for it: no version conflict
    // within this process, and each pair's autobooks reach the topic in sequence order.
    return this.locks.run(groups.keys(), () => this.applyGroups(groups, options));
  }

  private async applyGroups(groups: Map<string, RenewalInput[]>, options: ApplyOptions): Promise<AppliedPair[]> {
    let pending = [...groups.keys()];
    const applied: AppliedPair[] = [];
    const toPublish: OutboxEvent[] = [];
    for (let round = 0; pending.length > 0; round++) {
      if (round > MAX_CONFLICTS) throw new VersionConflictError(`pairs kept changing under this writer: ${pending.join(', ')}`);
      if (round > 0) this.metrics.versionConflicts.inc(pending.length);
      const now = this.clock.now();
      // A guess that a pair is new is checked by the insert; after a conflict the pair is read.
      const loaded = await this.pairs.load(pending, { unknownAsNew: options.unknownAsNew && round === 0 });
      const decided = pending.map((key) => this.decideAll(loaded.get(key) ?? null, groups.get(key)!, now));
      // A pair read cold may hold events of a crashed writer that never reached the broker.
      for (const key of pending) {
        const stored = loaded.get(key);
        if (stored?.cold) toPublish.push(...(await this.outbox.unacknowledged(stored.cold.outbox, now)));
      }
      // Pairs whose inputs were all ignored (applied already, or changing nothing) write nothing.
      const { saved, conflicts } = await this.pairs.append(
        decided.flatMap((d) => (d.write.entries.length > 0 ? [d.write] : [])),
        now,
      );
      const byKey = new Map(saved.map((s) => [s.key, s]));
      const retried = new Set(conflicts);
      for (const { write, decisions } of decided) {
        const key = pairKey(write.clientId, write.coachId);
        if (retried.has(key)) continue;
        const stored = byKey.get(key) ?? write.previous ?? { key, version: 0, state: write.state };
        applied.push({ stored, entries: write.entries, outbox: write.outbox });
        toPublish.push(...write.outbox);
        this.record(decisions);
      }
      pending = conflicts;
    }
    await this.outbox.publish(toPublish).catch((error) => {
      // Stored either way: the outbox retries. A consumer does not move its offsets until the broker has them.
      if (options.mustPublish) throw error;
    });
    return applied;
  }

  /** The client's switch through the API (R1, R2, R6, R8); domain refusals are thrown as DomainError. */
  async setEnrollment(clientId: string, coachId: string, enrolled: boolean): Promise<{ view: PairView; autobooked: SessionAutobooked | null }> {
    // Read, not guessed: a refusal (no package yet) must come from what is stored.
    return this.applyOne({ type: 'enrollment', clientId, coachId, enrolled });
  }

  /** A pause until a time (R14); `null` ends it. Refusals (not enrolled, no package) are thrown as DomainError. */
  async setPause(clientId: string, coachId: string, until: string | null): Promise<{ view: PairView; autobooked: SessionAutobooked | null }> {
    return this.applyOne(until === null ? { type: 'resume', clientId, coachId, cause: 'api' } : { type: 'pause', clientId, coachId, until });
  }

  /** A pause whose time came (R14): ended if it is still the pair's pause. Nothing is thrown for a pair that moved on. */
  async endPause(clientId: string, coachId: string, until: string): Promise<void> {
    await this.apply([{ type: 'resume', clientId, coachId, cause: 'time', until }], { mustPublish: true, unknownAsNew: false });
  }

  private async applyOne(input: RenewalInput): Promise<{ view: PairView; autobooked: SessionAutobooked | null }> {
    // Read, not guessed: a refusal (no package yet) must come from what is stored.
    const [result] = await this.apply([input], { mustPublish: false, unknownAsNew: false });
    const autobooked = result.outbox.find((e) => e.topic === TOPICS.SESSION_AUTOBOOKED);
    return { view: toPairView(result.stored.state), autobooked: autobooked ? (autobooked.payload as SessionAutobooked) : null };
  }

  private decideAll(
    stored: StoredPair | null,
    inputs: RenewalInput[],
    now: Date,
  ): { write: ChangeWrite; decisions: { input: RenewalInput; decision: Decision }[] } {
    const { clientId, coachId } = pairOf(inputs[0]);
    let state: PairState = stored?.state ?? emptyPair(clientId, coachId);
    const entries: HistoryEntry[] = [];
    const outbox: OutboxEvent[] = [];
    const decisions: { input: RenewalInput; decision: Decision }[] = [];
    for (const input of inputs) {
      let decision: Decision;
      try {
        decision = decide(state, input, { now: now.toISOString(), autobookEventId, upcomingEventId });
      } catch (error) {
        // An event about an autobook the pair never made can never be applied: dead-lettered with the reason.
        if (error instanceof UnknownAutobookError && isEventInput(input)) throw new PermanentError(error.code, error.message);
        throw error;
      }
      decisions.push({ input, decision });
      state = decision.state;
      if (decision.entry) entries.push(decision.entry);
      outbox.push(...eventsOf(decision));
    }
    return { write: { previous: stored, clientId, coachId, state, entries, outbox }, decisions };
  }

  private record(decisions: { input: RenewalInput; decision: Decision }[]): void {
    let duplicates = 0;
    for (const { input, decision } of decisions) {
      const outcome = decision.ignored ?? (decision.entry.outcome === 'autobooked' ? 'autobooked' : decision.entry.reason);
      this.metrics.inputsApplied.inc({ input: input.type, outcome });
      if (decision.ignored !== 'duplicate') continue;
      duplicates++;
      this.logger.debug?.({
        message: 'duplicate ignored (R10)',
        input: input.type,
        ...pairOf(input),
        ...('event' in input ? { eventId: input.event.eventId } : {}),
      });
    }
    // Stored nowhere (R10): counted, and logged once per pair and chunk (each at debug level).
    if (duplicates > 0) this.logger.log({ message: 'duplicates ignored (R10)', count: duplicates, ...pairOf(decisions[0].input) });
    for (const { input, decision } of decisions) {
      const a = decision.autobooked;
      if (a) {
        this.metrics.autobooks.inc();
        this.logger.log({ message: 'autobooked', clientId: a.clientId, coachId: a.coachId, sequence: a.sequence, eventId: a.eventId, trigger: a.trigger });
      }
      if (decision.upcoming) this.metrics.headsUps.inc();
      if (decision.voided) {
        this.metrics.voids.inc();
        this.logger.log({
          message: 'autobook voided',
          clientId: decision.voided.clientId,
          coachId: decision.voided.coachId,
          sequence: decision.voided.sequence,
          eventId: decision.voided.eventId,
        });
      }
      const payment = decision.entry?.changes.payment;
      if (payment) this.metrics.payments.inc({ status: payment.status });
      const paused = decision.entry?.changes.pausedUntil;
      if (paused && paused.to === null) this.metrics.resumes.inc({ cause: input.type === 'resume' ? input.cause : 'switched-off' });
    }
    this.metrics.pausesActive.set(this.pairs.paused().length);
  }
}
