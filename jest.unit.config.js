// Unit suite: the pure domain core and in-process pieces. No Kafka, no database, no SMTP.
import base from './jest.base.config.js';

export default {
  ...base,
  displayName: 'unit',
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
};
