import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ONGOING_TRAINING_CONFIG, type OngoingTrainingConfig } from '../config.js';
import { RenewalMetrics } from '../observability/renewal.metrics.js';
import { Clock } from './clock.js';
import { PairRepository } from './pair.repository.js';
import { RenewalService } from './renewal.service.js';

/**
 * Ends pauses whose time came (R14), within `PAUSE_CHECK_MS` of it. Nothing lives only in memory: a
 * pause is part of its pair's stored history, and each pause set is also kept in `pauses` until its end
 * has been seen to, so the due ones are one query, for the pairs this process holds and those it does not.
 * Several instances may end the same pause at once: each applies a resume for that `until` as an input,
 * and one writer wins the pair's next change (the unique `_id`), so the pair is resumed, and evaluated,
 * exactly once; the others find it resumed and change nothing.
 *
 * Why no scheduling library: those that keep their jobs in MongoDB (Agenda, Pulse) take a job with
 * `findOneAndUpdate`, which FerretDB does not isolate. `pauses` is only an index of the history, never
 * updated (inserted, and deleted once seen to); exactly once comes from the history's fence.
 */
@Injectable()
export class PauseScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PauseScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly everyMs: number;

  constructor(
    private readonly renewals: RenewalService,
    private readonly pairs: PairRepository,
    private readonly clock: Clock,
    private readonly metrics: RenewalMetrics,
    @Inject(ONGOING_TRAINING_CONFIG) config: Pick<OngoingTrainingConfig, 'PAUSE_CHECK_MS'>,
  ) {
    this.everyMs = config.PAUSE_CHECK_MS;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Ends every pause due by now; resolves when done (one pass at a time). */
  tick(): Promise<void> {
    this.running ??= this.endDuePauses().finally(() => (this.running = null));
    return this.running;
  }

  private async endDuePauses(): Promise<void> {
    try {
      await this.pairs.restore();
      const now = this.clock.now();
      // Every pause set is in `pauses`, whether its pair is held in memory or not (the query also forgets those seen to).
      for (const pause of await this.pairs.pausesDue(now)) {
        await this.renewals.endPause(pause.clientId, pause.coachId, pause.until);
        this.logger.log({ message: 'pause ended: its time came', ...pause });
      }
      this.metrics.pausesActive.set(this.pairs.paused().length);
    } catch (error) {
      this.logger.warn({ message: 'ending due pauses failed; tried again at the next check', error: String(error) });
    }
  }
}
