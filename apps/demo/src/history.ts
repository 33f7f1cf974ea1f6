// What the demo reads of the service's HTTP API: a pair's history and its current state, as the service's
// domain types them.
export type { HistoryEntry, PairView } from '#ongoing-training/domain/index';

/** An API call the service refused: it records nothing, so the demo notes it beside the history. */
export interface Note {
  at: string;
  text: string;
  detail?: string;
}
