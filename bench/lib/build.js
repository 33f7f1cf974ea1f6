'use strict';
// What the bench takes from the build (`npm run build`): libs/testing's workload generator, SMTP sink
// and wait helpers, loaded once.

const fs = require('node:fs');
const path = require('node:path');

const ENTRY = path.resolve(__dirname, '..', '..', 'dist', 'libs', 'testing', 'index.js');
if (!fs.existsSync(ENTRY)) throw new Error(`${path.relative(process.cwd(), ENTRY)} is missing: build the project first (npm run build)`);

module.exports = require(ENTRY);
