// End-to-end suite: the built apps as processes, driven through Kafka and HTTP from outside.
module.exports = {
  ...require('./jest.base.config'),
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 300000,
  maxWorkers: 1,
};
