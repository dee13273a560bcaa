/** @type {import('jest').Config} */
const base = require('./jest.config.js');

// The key CLI's AWS path against moto_server (python): .ci/run runs it when moto_server is installed.
module.exports = {
  ...base,
  roots: ['<rootDir>/test/moto'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 60000,
};
