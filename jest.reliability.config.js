/** @type {import('jest').Config} */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/reliability'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600000,
  // Figures go to RELIABILITY.md: see test/reliability/report.ts.
  globalSetup: '<rootDir>/test/reliability/global-setup.ts',
  globalTeardown: '<rootDir>/test/reliability/global-teardown.ts',
};
