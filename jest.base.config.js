// Shared by the three suites: TypeScript through ts-jest, and the `@app/*` aliases of tsconfig.json.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
    '^@app/platform(|/.*)$': '<rootDir>/libs/platform/src$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
