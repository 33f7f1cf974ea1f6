import type { Money } from '#contracts';
import { autoRenewalOffered, lastPackage, PairState, paymentPending, sessionsOnDeck } from './pair-state.js';

/** One coach's entry in `GET /v1/clients/{clientId}/ongoing-training`. */
export interface PairView {
  coachId: string;
  enrolled: boolean;
  autoRenewalOffered: boolean;
  rate: Money | null;
  ratePackageId: string | null;
  sessionsOnDeck: number;
  /** Auto-booking paused until (R14), or null. */
  pausedUntil: string | null;
  /** Autobooks whose charge failed and has not succeeded since (R16). */
  paymentPending: string[];
  updatedAt: string | null;
}

export function toPairView(state: PairState): PairView {
  const last = lastPackage(state);
  return {
    coachId: state.coachId,
    enrolled: state.enrolled,
    autoRenewalOffered: autoRenewalOffered(state),
    rate: last ? { ...last.rate } : null,
    ratePackageId: last ? last.packageId : null,
    sessionsOnDeck: sessionsOnDeck(state),
    pausedUntil: state.pausedUntil,
    paymentPending: paymentPending(state).map((p) => p.autobookEventId),
    updatedAt: state.updatedAt,
  };
}
