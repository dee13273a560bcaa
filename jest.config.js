/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // These suites run on their own: npm run test:reliability, npm run test:browser, npm run test:moto.
  testPathIgnorePatterns: [
    '/node_modules/',
    '<rootDir>/test/reliability/',
    '<rootDir>/test/browser/',
    '<rootDir>/test/moto/',
  ],
  setupFiles: ['<rootDir>/test/setup-env.js'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '/node_modules/(oidc-provider|jose)/.+\\.js$': '<rootDir>/test/esm-to-cjs.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!(oidc-provider|jose)/)'],
  testTimeout: 30000,
};
