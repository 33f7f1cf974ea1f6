'use strict';
// What the bench takes from the build (`npm run build`): libs/testing's workload generator, SMTP sink
// and wait helpers, and the service's range of a pair's change ids, loaded once.

const fs = require('node:fs');
const path = require('node:path');

const ENTRY = path.resolve(__dirname, '..', '..', 'dist', 'libs', 'testing', 'index.js');
if (!fs.existsSync(ENTRY)) throw new Error(`${path.relative(process.cwd(), ENTRY)} is missing: build the project first (npm run build)`);

const SCHEMA = path.resolve(__dirname, '..', '..', 'dist', 'apps', 'ongoing-training', 'renewal', 'pair.schema.js');

module.exports = { ...require(ENTRY), changeIdRange: require(SCHEMA).changeIdRange };
