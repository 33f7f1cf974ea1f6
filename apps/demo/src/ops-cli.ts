// What the demo shares with the ops CLI: how a pair's history and state are printed, and the API token
// of an operator.
export { money, pairViewLines, timelineLines } from '#ops/cli/timeline';
export { opsToken } from '#ops/cli/ops-token';
