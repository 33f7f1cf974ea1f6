// Shared by the three suites: TypeScript as ES modules through ts-jest (run with
// --experimental-vm-modules, as Nest ships ES modules only), and the `#contracts`, `#platform`, `#testing`,
// `#ongoing-training`, `#notifier` and `#ops` imports of package.json mapped to their sources.
import { fileURLToPath } from 'node:url';

export default {
  rootDir: fileURLToPath(new URL('.', import.meta.url)),
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^#contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^#contracts/(.*)$': '<rootDir>/libs/contracts/src/$1',
    '^#platform$': '<rootDir>/libs/platform/src/index.ts',
    '^#platform/(.*)$': '<rootDir>/libs/platform/src/$1',
    '^#testing$': '<rootDir>/libs/testing/src/index.ts',
    '^#testing/(.*)$': '<rootDir>/libs/testing/src/$1',
    '^#ongoing-training/(.*)$': '<rootDir>/apps/ongoing-training/src/$1',
    '^#notifier/(.*)$': '<rootDir>/apps/notifier/src/$1',
    '^#ops/(.*)$': '<rootDir>/apps/ops/src/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
