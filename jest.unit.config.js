/**
 * Unit tests only: no moto server, no global setup. Used by Stryker (`npm run mutate`), which reruns these
 * tests for every mutant; the unit tests mock AWS at the SDK edge and never need moto.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  roots: ['<rootDir>/test/unit'],
  testMatch: base.testMatch,
  transform: base.transform,
  setupFiles: base.setupFiles,
  testTimeout: base.testTimeout,
};
