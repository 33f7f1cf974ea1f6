#!/usr/bin/env node
'use strict';
// node scripts/infra/cli.js up|down|status   (npm run infra:up / infra:down / infra:status)
// Exit code 0 on success (status: whatever the state), 1 with a message on failure.

const infra = require('./index');

const commands = {
  up: () => infra.up(),
  down: () => infra.down(),
  status: () => infra.status(),
};

const cmd = process.argv[2];
if (!commands[cmd]) {
  process.stderr.write('usage: node scripts/infra/cli.js up|down|status\n');
  process.exit(1);
}

const started = Date.now();
commands[cmd]().then(
  () => {
    if (cmd === 'up') process.stdout.write(`[infra] up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    // The daemons are unref'd and detached, but the probe sockets/timers are not: exit explicitly.
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`[infra] ${cmd} failed: ${err.message}\n`);
    process.exit(1);
  },
);
