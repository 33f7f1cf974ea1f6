// Stops what the global setup started and removes its data.
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const state = globalThis.__TEST_INFRA__;
  if (!state) return;
  await Promise.all(state.started.map((s) => s.stop().catch(() => undefined)));
  fs.rmSync(state.dir, { recursive: true, force: true });
};
