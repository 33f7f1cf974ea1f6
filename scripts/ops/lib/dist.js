'use strict';
// The compiled project code the scripts reuse (contracts, domain, notifier classes), loaded from dist/
// with a clear error when the build is missing. Paths are those `npm run build` (nest build) writes.

const fs = require('node:fs');
const path = require('node:path');
const { CliError } = require('./errors');

const ROOT = path.resolve(__dirname, '..', '..', '..');

const PATHS = {
  contracts: 'dist/libs/contracts/index.js',
  domain: 'dist/apps/ongoing-training/domain/index.js',
  pairSchema: 'dist/apps/ongoing-training/renewal/pair.schema.js',
  pairRepository: 'dist/apps/ongoing-training/renewal/pair.repository.js',
  moneyFormat: 'dist/apps/notifier/mail/money-format.js',
  notifierConfig: 'dist/apps/notifier/config.js',
  notificationService: 'dist/apps/notifier/delivery/notification.service.js',
  deliveryRepository: 'dist/apps/notifier/delivery/delivery.repository.js',
  deliverySchema: 'dist/apps/notifier/delivery/delivery.schema.js',
  mailer: 'dist/apps/notifier/delivery/mailer.js',
  emailRenderer: 'dist/apps/notifier/mail/email-renderer.js',
  notifierMetrics: 'dist/apps/notifier/observability/notifier.metrics.js',
  platform: 'dist/libs/platform/index.js',
};

const { APP_ENTRIES, appArgs } = require('../../app-processes');

function load(name) {
  const file = path.join(ROOT, PATHS[name]);
  if (!fs.existsSync(file)) throw new CliError(`${PATHS[name]} is missing: build the project first (npm run build)`);
  return require(file);
}

module.exports = { ROOT, PATHS, APP_ENTRIES, appArgs, load };
