/** @type {import('jest').Config} */
const base = require('./jest.config.js');

// The consent page in headless Chromium (playwright-core, the system's /usr/bin/chromium): npm run test:browser.
module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 60000,
};
