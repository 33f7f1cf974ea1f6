'use strict';
// How the two apps run (entry in dist/, node flags), for the scripts: libs/testing/src/app-processes.ts,
// from the build.

module.exports = require('../dist/libs/testing/app-processes.js');
