import { Logger } from '@aws-lambda-powertools/logger';
import { testMetricFilter } from '../../rule/filter-pattern';
import { publishFinding } from '../../rule/publish';
import { offlineClients } from '../support/mock-aws';
import {
  auditNag,
  cfnLint,
  grantsByAction,
  logicalIdOf,
  removeOutdir,
  render,
  resourceTypesOf,
  roleStatements,
  ruleSdkCalls,
  serviceAuthorizationReference,
  synthesize,
  type NagAudit,
  type Synthesized,
} from './synth';

/**
 * The stack with securityHubFindings=true: the rule parameter, the two Security Hub actions on this account's own
 * product and hub only, and a failed import counted by the rule-errors alarm.
 */

let synthesized: Synthesized;
let nag: NagAudit;

beforeAll(() => {
  synthesized = synthesize({ trailLogGroupName: 'CloudTrail/DefaultLogGroup', notificationEmail: 'secops@example.com', securityHubFindings: 'true' });
  nag = auditNag(synthesized.app);
});
afterAll(() => removeOutdir(synthesized));

const resourcesOf = (type: string) => Object.entries(synthesized.json.Resources).filter(([, resource]) => resource.Type === type);

test('the Config rule gets SecurityHubFindings=true', () => {
  const [[, rule]] = resourcesOf('AWS::Config::ConfigRule') as unknown as [[string, { Properties: Record<string, any> }]];
  expect(rule.Properties.InputParameters).toEqual({ RequiredEvents: 'POLICY', SecurityHubParity: 'false', SecurityHubFindings: 'true' });
});

test("the rule role may import into this account's own product and read this account's hub, nothing more", () => {
  const grants = grantsByAction(roleStatements(synthesized.json, logicalIdOf(synthesized.stack.ruleRole)));
  expect(grants.get('securityhub:BatchImportFindings')).toEqual(['arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default']);
  expect(grants.get('securityhub:GetFindings')).toEqual(['arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default']);
  // The resource types IAM authorizes these actions on (Service Authorization Reference, as cfn-lint ships it).
  const sar = serviceAuthorizationReference();
  expect(resourceTypesOf(sar, 'securityhub:BatchImportFindings')).toEqual(['product']);
  expect(resourceTypesOf(sar, 'securityhub:GetFindings')).toContain('hub');
  const calls = new Set([...ruleSdkCalls('gather.ts'), ...ruleSdkCalls('handler.ts'), ...ruleSdkCalls('publish.ts')]);
  calls.delete('sts:GetCallerIdentity');
  calls.delete('sts:AssumeRole');
  const granted = [...grants.keys()].filter((action) => !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(action));
  expect(granted.sort()).toEqual([...calls].sort());
});

test('a failed import raises the rule-errors alarm: a metric filter on the rule log group counts the line the rule writes', async () => {
  const [[, filter], ...others] = resourcesOf('AWS::Logs::MetricFilter') as [string, { Properties: Record<string, any> }][];
  expect(others).toHaveLength(0);
  expect(filter!.Properties.LogGroupName).toEqual({ Ref: logicalIdOf(synthesized.stack.ruleLogGroup) });
  const { MetricNamespace: namespace, MetricName: name } = filter!.Properties.MetricTransformations[0];

  // The line Powertools writes when rule/publish.ts cannot import (here: no partition, so nothing is called).
  const written: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
  const log = new Logger({ serviceName: 's3-policy-watch', logLevel: 'INFO' });
  const outcome = await publishFinding({
    clients: offlineClients(),
    region: 'us-east-1',
    accountId: '111122223333',
    partition: undefined,
    verdict: { compliance: 'COMPLIANT', annotation: 'ok' },
    requiredEvents: [],
    now: new Date(),
    log,
  });
  stderr.mockRestore();
  expect(outcome.imported).toBe(false);
  const lines = written.join('').trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', securityHubFindingImport: 'FAILED' });
  const pattern = render(filter!.Properties.FilterPattern);
  expect(testMetricFilter(pattern, [...lines, JSON.stringify({ level: 'INFO', message: 'Security Hub finding imported' })]).matches.map((match) => match.eventNumber)).toEqual([1]);

  const alarm = resourcesOf('AWS::CloudWatch::Alarm')
    .map(([, resource]) => resource.Properties!)
    .find((properties) => JSON.stringify(properties.Metrics ?? []).includes(name))!;
  expect(alarm.AlarmDescription).toMatch(/could not import its Security Hub finding/);
  const metrics = alarm.Metrics as Record<string, any>[];
  expect(metrics.find((metric) => metric.ReturnData !== false)!.Expression).toBe('FILL(errors, 0) + FILL(importFailures, 0)');
  expect(metrics.find((metric) => metric.Id === 'importFailures')!.MetricStat).toMatchObject({ Metric: { Namespace: namespace, MetricName: name }, Stat: 'Sum' });
  expect(metrics.find((metric) => metric.Id === 'errors')!.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' }, Stat: 'Sum' });
  expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
  expect(alarm.AlarmActions).toEqual([{ Ref: logicalIdOf(synthesized.stack.alertTopic) }]);
});

test('cfn-lint passes and cdk-nag has nothing unacknowledged', () => {
  expect(cfnLint(synthesized.templatePath)).toEqual({ status: 0, output: '' });
  expect(nag.unused).toEqual([]);
});
