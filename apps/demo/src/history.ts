// What the demo reads of the service's HTTP API: a pair's history and its current state.
import type { Money } from '#contracts';

export interface HistoryEntry {
  at: string;
  input: { type: string; sessionId?: string; [field: string]: unknown };
  changes: { voided?: unknown; headsUp?: unknown; payment?: unknown; [field: string]: unknown };
  outcome: 'autobooked' | 'no-autobook';
  reason?: string;
  autobook?: { sequence: number; eventId: string; rate: Money };
}

/** An API call the service refused: it records nothing, so the demo notes it beside the history. */
export interface Note {
  at: string;
  text: string;
  detail?: string;
}

/** A pair's entry of GET /v1/clients/{clientId}/ongoing-training. */
export interface PairView {
  coachId: string;
  [field: string]: unknown;
}
