/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The reliability suite runs on its own: npm run test:reliability.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
  setupFiles: ['<rootDir>/test/setup-env.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
};
