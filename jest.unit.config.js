/**
 * Unit tests only: no moto server, no global setup. Used by Stryker (`npm run mutate`), which reruns these
 * tests for every mutant; the unit tests mock AWS at the SDK edge and never need moto.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  // Sources and test support are roots too, so that Jest sees every import chain from a test to the module
  // Stryker mutates (its findRelatedTests): a test reaching evaluate.ts through test/support still counts.
  roots: ['<rootDir>/rule', '<rootDir>/remediation', '<rootDir>/cli', '<rootDir>/test/unit', '<rootDir>/test/support'],
  testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
  transform: base.transform,
  setupFiles: base.setupFiles,
  testTimeout: base.testTimeout,
};
