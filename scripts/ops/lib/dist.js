'use strict';
// The compiled project code the scripts reuse (contracts, domain, notifier classes), loaded from dist/
// with a clear error when the build is missing. Paths are those `npm run build` (nest build) writes.

const fs = require('node:fs');
const path = require('node:path');
const { CliError } = require('./errors');

const ROOT = path.resolve(__dirname, '..', '..', '..');

const PATHS = {
  contracts: 'dist/apps/ongoing-training/libs/contracts/src/index.js',
  domain: 'dist/apps/ongoing-training/apps/ongoing-training/src/domain/index.js',
  pairSchema: 'dist/apps/ongoing-training/apps/ongoing-training/src/renewal/pair.schema.js',
  pairRepository: 'dist/apps/ongoing-training/apps/ongoing-training/src/renewal/pair.repository.js',
  moneyFormat: 'dist/apps/notifier/apps/notifier/src/mail/money-format.js',
  notifierConfig: 'dist/apps/notifier/apps/notifier/src/config.js',
  notificationService: 'dist/apps/notifier/apps/notifier/src/delivery/notification.service.js',
  deliveryRepository: 'dist/apps/notifier/apps/notifier/src/delivery/delivery.repository.js',
  deliverySchema: 'dist/apps/notifier/apps/notifier/src/delivery/delivery.schema.js',
  mailer: 'dist/apps/notifier/apps/notifier/src/delivery/mailer.js',
  emailRenderer: 'dist/apps/notifier/apps/notifier/src/mail/email-renderer.js',
  notifierMetrics: 'dist/apps/notifier/apps/notifier/src/observability/notifier.metrics.js',
  platform: 'dist/apps/notifier/libs/platform/src/index.js',
};

const { APP_ENTRIES, appArgs } = require('../../app-processes');

function load(name) {
  const file = path.join(ROOT, PATHS[name]);
  if (!fs.existsSync(file)) throw new CliError(`${PATHS[name]} is missing: build the project first (npm run build)`);
  return require(file);
}

module.exports = { ROOT, PATHS, APP_ENTRIES, appArgs, load };
