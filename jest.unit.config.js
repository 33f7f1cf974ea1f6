// Unit suite: the pure domain core and in-process pieces. No Kafka, no database, no SMTP.
module.exports = {
  ...require('./jest.base.config'),
  displayName: 'unit',
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
};
