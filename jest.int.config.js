// Integration suite: adapters against the real Kafka broker, FerretDB (MongoDB wire protocol) and SMTP.
module.exports = {
  ...require('./jest.base.config'),
  displayName: 'integration',
  testMatch: ['<rootDir>/apps/**/*.int-spec.ts', '<rootDir>/libs/**/*.int-spec.ts', '<rootDir>/test/int/**/*.int-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 120000,
  maxWorkers: 1,
};
