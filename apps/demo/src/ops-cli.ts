// What the demo shares with the ops CLI (scripts/ops, CommonJS): how a pair's history and state are
// printed, and the API token of an operator.
import type { Money } from '#contracts';
import { createRequire } from 'node:module';
import type { HistoryEntry, Note, PairView } from './history.js';

const require = createRequire(import.meta.url);

// apps/demo/src/ and dist/apps/demo/ are both three levels below the root.
const timeline = require('../../../scripts/ops/lib/timeline.js') as {
  money(m: Money | null | undefined): string;
  timelineLines(entries: HistoryEntry[], notes?: Note[]): string[];
  pairViewLines(view: PairView, options?: { indent?: string }): string[];
};
const pair = require('../../../scripts/ops/commands/pair.js') as { opsToken(secret: string, sub?: string): string };

export const { money, timelineLines, pairViewLines } = timeline;
export const { opsToken } = pair;
