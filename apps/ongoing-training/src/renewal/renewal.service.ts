import { SessionAutobooked } from '@app/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { HistoryEntry, PairState, PairView, RenewalInput, decide, pairOf, toPairView } from '../domain';
import { RenewalMetrics } from '../observability/renewal.metrics';
import { autobookEventId } from './autobook-id';
import { AutobookOutbox } from './autobook.outbox';
import { Clock } from './clock';
import { OutboxItem, PairRepository, StoredPair, VersionConflictError } from './pair.repository';
import { pairKey } from './pair.schema';

const MAX_CONFLICTS = 20;
const PAIR_CONCURRENCY = 16;

export interface AppliedPair {
  stored: StoredPair;
  entries: HistoryEntry[];
  autobooked: SessionAutobooked[];
  outbox: OutboxItem | null;
}

/**
 * Feeds inputs to the renewal policy and carries out its decisions: one read and one conditional write
 * per pair for any number of its inputs, then the new autobooks are published from the outbox.
 */
@Injectable()
export class RenewalService {
  private readonly logger = new Logger(RenewalService.name);

  constructor(
    private readonly pairs: PairRepository,
    private readonly outbox: AutobookOutbox,
    private readonly clock: Clock,
    private readonly metrics: RenewalMetrics,
  ) {}

  /** Applies inputs (in order within each pair) and makes their effects durable before resolving. */
  async apply(inputs: RenewalInput[]): Promise<AppliedPair[]> {
    const groups = new Map<string, RenewalInput[]>();
    for (const input of inputs) {
      const { clientId, coachId } = pairOf(input);
      const key = pairKey(clientId, coachId);
      groups.set(key, [...(groups.get(key) ?? []), input]);
    }
    const known = await this.pairs.findMany([...groups.keys()]);
    const applied: AppliedPair[] = [];
    const queue = [...groups];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [key, pairInputs] = next;
        applied.push(await this.applyToPair(known.get(key) ?? null, pairInputs));
      }
    };
    await Promise.all(Array.from({ length: Math.min(PAIR_CONCURRENCY, queue.length) }, worker));
    // Durable already; publishing now only saves the sweep a trip. A failure here is left to the sweep.
    await this.outbox.publish(applied.flatMap((a) => (a.outbox ? [a.outbox] : []))).catch((error) =>
      this.logger.warn({ message: 'publishing autobooks failed; the outbox sweep retries', error: String(error) }),
    );
    return applied;
  }

  /** The client's switch through the API (R1, R2, R6, R8); domain refusals are thrown as DomainError. */
  async setEnrollment(clientId: string, coachId: string, enrolled: boolean): Promise<{ view: PairView; autobooked: SessionAutobooked | null }> {
    const [result] = await this.apply([{ type: 'enrollment', clientId, coachId, enrolled }]);
    return { view: toPairView(result.stored.state), autobooked: result.autobooked[0] ?? null };
  }

  private async applyToPair(stored: StoredPair | null, inputs: RenewalInput[]): Promise<AppliedPair> {
    const { clientId, coachId } = pairOf(inputs[0]);
    for (let conflicts = 0; ; conflicts++) {
      const now = this.clock.now();
      let state: PairState | null = stored?.state ?? null;
      const entries: HistoryEntry[] = [];
      const autobooked: SessionAutobooked[] = [];
      for (const input of inputs) {
        const decision = decide(state, input, { now: now.toISOString(), autobookEventId });
        state = decision.state;
        entries.push(decision.entry);
        if (decision.autobooked) autobooked.push(decision.autobooked);
      }
      try {
        const saved = await this.pairs.save(stored, clientId, coachId, { state: state!, entries, autobooked }, now);
        this.record(inputs, entries, autobooked);
        return { stored: saved.stored, entries, autobooked, outbox: saved.outbox };
      } catch (error) {
        if (!(error instanceof VersionConflictError) || conflicts >= MAX_CONFLICTS) throw error;
        this.metrics.versionConflicts.inc();
        stored = await this.pairs.find(clientId, coachId);
      }
    }
  }

  private record(inputs: RenewalInput[], entries: HistoryEntry[], autobooked: SessionAutobooked[]): void {
    entries.forEach((entry, i) => {
      this.metrics.inputsApplied.inc({ input: inputs[i].type, outcome: entry.outcome === 'autobooked' ? 'autobooked' : entry.reason });
    });
    for (const a of autobooked) {
      this.metrics.autobooks.inc();
      this.logger.log({ message: 'autobooked', clientId: a.clientId, coachId: a.coachId, sequence: a.sequence, eventId: a.eventId, trigger: a.trigger });
    }
  }
}
