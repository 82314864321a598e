import type { ClientOptions } from '../../rule/clients';

/**
 * Client options for the moto server of this test run, in an account of the test file's own, so that
 * test files can run in parallel without seeing each other's resources. Give every file a distinct id.
 */
export function motoAccount(accountId: string, region = 'us-east-1'): ClientOptions {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: run the tests with `npm test` (jest globalSetup starts moto)');
  if (!/^\d{12}$/.test(accountId)) throw new Error(`account id must be 12 digits, got ${accountId}`);
  return { region, endpoint, headers: { 'x-moto-account-id': accountId }, maxAttempts: 2 };
}
