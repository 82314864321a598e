import { DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { FOREIGN_ORGANIZATION_TRAIL, MOCK_REGION, useSeedChainMocks } from '../support/mock-aws';
import { runCli } from '../support/cli';

/**
 * `check`'s exit code is what a pipeline branches on (README "Exit codes"): 0 for COMPLIANT and for
 * NOT_APPLICABLE (nothing of this account to fix; the reason is printed), 1 for NON_COMPLIANT, 2 for an error.
 * The account is mocked at the SDK edge; the endpoint is one nothing listens on, so nothing leaves the process.
 */
const CHECK = ['check', '--region', MOCK_REGION, '--endpoint-url', 'http://127.0.0.1:9'];

describe('check exits 0 COMPLIANT or NOT_APPLICABLE, 1 NON_COMPLIANT', () => {
  const mocks = useSeedChainMocks();

  test('the seed chain: COMPLIANT, exit 0', async () => {
    const { code, stdout } = await runCli([...CHECK, '--format', 'json']);
    expect(JSON.parse(stdout).compliance).toBe('COMPLIANT');
    expect(code).toBe(0);
  });

  test('a stopped trail: NON_COMPLIANT, exit 1', async () => {
    mocks.cloudTrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const { code, stdout } = await runCli([...CHECK, '--format', 'json']);
    expect(JSON.parse(stdout).compliance).toBe('NON_COMPLIANT');
    expect(code).toBe(1);
  });

  test("a member account that sees only its organization's trail: NOT_APPLICABLE, exit 0, and the text says whose it is", async () => {
    mocks.cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [FOREIGN_ORGANIZATION_TRAIL] });
    const json = await runCli([...CHECK, '--format', 'json']);
    expect(JSON.parse(json.stdout).compliance).toBe('NOT_APPLICABLE');
    expect(json.code).toBe(0);
    const text = await runCli(CHECK);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/NOT_APPLICABLE/);
    expect(text.stdout).toMatch(/organization trail of account 999988887777/);
  });
});
