#!/usr/bin/env node
'use strict';
// Prints the table of a saved bench result again and rewrites its markdown next to it (after a change
// to bench/lib/report.js, or to compare runs):   node bench/render-report.js .artifacts/bench/latest-full.json

const fs = require('node:fs');
const { evaluateTargets, renderMarkdown, renderTable } = require('./lib/report');

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/render-report.js <result.json>\n');
  process.exit(2);
}
const results = JSON.parse(fs.readFileSync(file, 'utf8'));
results.targets = evaluateTargets(results);
const table = renderTable(results);
process.stdout.write(`${table}\n`);
fs.writeFileSync(file.replace(/\.json$/, '.md'), renderMarkdown(results, table));
