// End-to-end suite: the built apps as processes, driven through Kafka and HTTP from outside.
import base from './jest.base.config.js';

export default {
  ...base,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
  testTimeout: 300000,
  maxWorkers: 1,
};
