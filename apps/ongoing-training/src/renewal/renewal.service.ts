import { SessionAutobooked } from '@app/contracts';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Decision, HistoryEntry, PairState, PairView, RenewalInput, decide, emptyPair, pairOf, toPairView } from '../domain';
import { RenewalMetrics } from '../observability/renewal.metrics';
import { autobookEventId } from './autobook-id';
import { AutobookOutbox } from './autobook.outbox';
import { Clock } from './clock';
import { ChangeWrite, PairRepository, StoredPair, VersionConflictError } from './pair.repository';
import { PairLocks } from './pair-locks';
import { pairKey } from './pair.schema';

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
  autobooked: SessionAutobooked[];
}

/**
 * Feeds inputs to the renewal policy and carries out its decisions: for a chunk of inputs, each pair
 * is taken from memory (restored at start, or written by this process since) or taken to be new,
 * decided, and the pairs that changed are written with one insert of a change per pair, all in one round
 * trip; inputs already applied write nothing (R10); pairs whose change another writer took first are
 * read and decided again; then the new autobooks are published.
 */
@Injectable()
export class RenewalService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RenewalService.name);
  private readonly locks = new PairLocks();

  constructor(
    private readonly pairs: PairRepository,
    private readonly outbox: AutobookOutbox,
    private readonly clock: Clock,
    private readonly metrics: RenewalMetrics,
  ) {}

  /** Pairs stored before this start are read once, before the first input is applied. */
  onApplicationBootstrap(): void {
    void this.pairs.restore();
  }

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
    const toPublish: SessionAutobooked[] = [];
    for (let round = 0; pending.length > 0; round++) {
      if (round > MAX_CONFLICTS) throw new VersionConflictError(`pairs kept changing under this writer: ${pending.join(', ')}`);
      if (round > 0) this.metrics.versionConflicts.inc(pending.length);
      const now = this.clock.now();
      // A guess that a pair is new is checked by the insert; after a conflict the pair is read.
      const loaded = await this.pairs.load(pending, { unknownAsNew: options.unknownAsNew && round === 0 });
      const decided = pending.map((key) => this.decideAll(loaded.get(key) ?? null, groups.get(key)!, now));
      // A pair read cold may hold autobooks of a crashed writer that never reached the broker.
      for (const key of pending) {
        const stored = loaded.get(key);
        if (stored?.cold) toPublish.push(...(await this.outbox.unacknowledged(stored.cold.autobooked, now)));
      }
      // Pairs whose inputs were all ignored (applied already, or changing nothing) write nothing.
      const { saved, conflicts } = await this.pairs.append(decided.flatMap((d) => (d.write.entries.length > 0 ? [d.write] : [])), now);
      const byKey = new Map(saved.map((s) => [s.key, s]));
      const retried = new Set(conflicts);
      for (const { write, decisions } of decided) {
        const key = pairKey(write.clientId, write.coachId);
        if (retried.has(key)) continue;
        const stored = byKey.get(key) ?? write.previous ?? { key, version: 0, state: write.state };
        applied.push({ stored, entries: write.entries, autobooked: write.autobooked });
        toPublish.push(...write.autobooked);
        this.record(decisions, write.autobooked);
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
    const [result] = await this.apply([{ type: 'enrollment', clientId, coachId, enrolled }], { mustPublish: false, unknownAsNew: false });
    return { view: toPairView(result.stored.state), autobooked: result.autobooked[0] ?? null };
  }

  private decideAll(stored: StoredPair | null, inputs: RenewalInput[], now: Date): { write: ChangeWrite; decisions: { input: RenewalInput; decision: Decision }[] } {
    const { clientId, coachId } = pairOf(inputs[0]);
    let state: PairState = stored?.state ?? emptyPair(clientId, coachId);
    const entries: HistoryEntry[] = [];
    const autobooked: SessionAutobooked[] = [];
    const decisions: { input: RenewalInput; decision: Decision }[] = [];
    for (const input of inputs) {
      const decision = decide(state, input, { now: now.toISOString(), autobookEventId });
      decisions.push({ input, decision });
      state = decision.state;
      if (decision.entry) entries.push(decision.entry);
      if (decision.autobooked) autobooked.push(decision.autobooked);
    }
    return { write: { previous: stored, clientId, coachId, state, entries, autobooked }, decisions };
  }

  private record(decisions: { input: RenewalInput; decision: Decision }[], autobooked: SessionAutobooked[]): void {
    let duplicates = 0;
    for (const { input, decision } of decisions) {
      const outcome = decision.ignored ?? (decision.entry.outcome === 'autobooked' ? 'autobooked' : decision.entry.reason);
      this.metrics.inputsApplied.inc({ input: input.type, outcome });
      if (decision.ignored !== 'duplicate') continue;
      duplicates++;
      this.logger.debug?.({ message: 'duplicate ignored (R10)', input: input.type, ...pairOf(input), ...('event' in input ? { eventId: input.event.eventId } : {}) });
    }
    // Stored nowhere (R10): counted, and logged once per pair and chunk (each at debug level).
    if (duplicates > 0) this.logger.log({ message: 'duplicates ignored (R10)', count: duplicates, ...pairOf(decisions[0].input) });
    for (const a of autobooked) {
      this.metrics.autobooks.inc();
      this.logger.log({ message: 'autobooked', clientId: a.clientId, coachId: a.coachId, sequence: a.sequence, eventId: a.eventId, trigger: a.trigger });
    }
  }
}
