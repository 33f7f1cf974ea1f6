// Integration suite: adapters against the real Kafka broker, FerretDB (MongoDB wire protocol) and SMTP.
import base from './jest.base.config.js';

export default {
  ...base,
  displayName: 'integration',
  testMatch: ['<rootDir>/apps/**/*.int-spec.ts', '<rootDir>/libs/**/*.int-spec.ts', '<rootDir>/test/int/**/*.int-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
  testTimeout: 120000,
  maxWorkers: 1,
};
