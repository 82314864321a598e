import { parse } from 'yaml';
import { CIS_FILTER_PATTERN, FILTER_PATTERNS, POLICY_FILTER_PATTERN } from '../../rule/events/canonical';
import { executeAwsApi, outputOf, parameterReferences, type Step } from '../../remediation/builder';
import { remediationDocument, RESOURCE_PREFIX } from '../../remediation/document';
import { main } from '../../cli/main';
import { capture } from '../support/cli';

const steps = remediationDocument.mainSteps;
const stepNamed = (name: string): Step => {
  const found = steps.find((step) => step.name === name);
  if (!found) throw new Error(`no step ${name}`);
  return found;
};
const inputsOf = (name: string) => stepNamed(name).inputs as Record<string, unknown>;


describe('the remediation document', () => {
  test('is an Automation 0.3 document that assumes the given role and uses only the three supported actions', () => {
    expect(remediationDocument.schemaVersion).toBe('0.3');
    expect(remediationDocument.assumeRole).toBe('{{ AutomationAssumeRole }}');
    expect(new Set(steps.map((step) => step.action))).toEqual(new Set(['aws:executeAwsApi', 'aws:branch', 'aws:assertAwsResourceProperty']));
  });

  test('step 1 only reads: it asserts the exact log group name among those with that prefix', () => {
    expect(steps[0]).toMatchObject({
      name: 'CheckLogGroupExists',
      action: 'aws:assertAwsResourceProperty',
      inputs: { Service: 'logs', Api: 'DescribeLogGroups', logGroupNamePrefix: '{{ LogGroupName }}', PropertySelector: '$.logGroups[0].logGroupName', DesiredValues: ['{{ LogGroupName }}'] },
    });
    expect(steps[0]).not.toHaveProperty('onFailure');
  });

  test('the filter patterns are the canonical texts, one path per profile, CIS by default', () => {
    expect(inputsOf('PutCisMetricFilter').filterPattern).toBe(CIS_FILTER_PATTERN);
    expect(inputsOf('PutPolicyMetricFilter').filterPattern).toBe(POLICY_FILTER_PATTERN);
    expect(inputsOf('VerifyCisMetricFilter').DesiredValues).toEqual([FILTER_PATTERNS.CIS]);
    expect(inputsOf('VerifyPolicyMetricFilter').DesiredValues).toEqual([FILTER_PATTERNS.POLICY]);
    expect(inputsOf('ChooseFilterPattern')).toEqual({
      Choices: [{ NextStep: 'PutPolicyMetricFilter', Variable: '{{ PatternProfile }}', StringEquals: 'POLICY' }],
      Default: 'PutCisMetricFilter',
    });
    expect(remediationDocument.parameters.PatternProfile.default).toBe('CIS');
    expect(inputsOf('PutCisMetricFilter').metricTransformations).toEqual([{ metricNamespace: '{{ MetricNamespace }}', metricName: '{{ MetricName }}', metricValue: '1' }]);
  });

  test('every filter, alarm and topic name must carry the prefix, defaults included', () => {
    for (const name of ['FilterName', 'AlarmName', 'TopicName']) {
      const definition = remediationDocument.parameters[name];
      expect(String(definition.default).startsWith(RESOURCE_PREFIX)).toBe(true);
      expect(definition.allowedPattern?.startsWith(`^${RESOURCE_PREFIX}`)).toBe(true);
    }
    expect(inputsOf('PutCisMetricFilter').filterName).toBe('{{ FilterName }}');
    expect(inputsOf('CreateAlertTopic').Name).toBe('{{ TopicName }}');
    expect(inputsOf('PutAlertAlarm').AlarmName).toBe('{{ AlarmName }}');
  });

  test('the topic policy lets only CloudWatch of this account publish and denies access without TLS', () => {
    const ownTopic = 'arn:{{ global:AWS_PARTITION }}:sns:{{ global:REGION }}:{{ AccountId }}:{{ TopicName }}';
    expect(inputsOf('SetAlertTopicPolicy')).toMatchObject({ TopicArn: ownTopic, AttributeName: 'Policy' });
    const policy = JSON.parse(inputsOf('SetAlertTopicPolicy').AttributeValue as string);
    expect(policy.Statement).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: ownTopic,
        Condition: { StringEquals: { 'aws:SourceAccount': '{{ AccountId }}' } },
      },
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  test('KMS: only with a key ARN; the key must be enabled and its policy must name CloudWatch, else the run refuses', () => {
    expect(inputsOf('ChooseTopicEncryption')).toEqual({
      Choices: [{ NextStep: 'CheckTopicKeyEnabled', Variable: '{{ KmsKeyArn }}', StartsWith: 'arn:' }],
      Default: 'CountAlertTopicSubscribers',
    });
    expect(inputsOf('CheckTopicKeyEnabled')).toMatchObject({ Service: 'kms', Api: 'DescribeKey', PropertySelector: '$.KeyMetadata.KeyState', DesiredValues: ['Enabled'] });
    expect(inputsOf('ChooseTopicKeyPolicy')).toEqual({
      Choices: [{ NextStep: 'EncryptAlertTopic', Variable: '{{ ReadTopicKeyPolicy.Policy }}', Contains: '"cloudwatch.amazonaws.com"' }],
      Default: 'RefuseTopicKey',
    });
    expect(inputsOf('EncryptAlertTopic')).toMatchObject({ Api: 'SetTopicAttributes', AttributeName: 'KmsMasterKeyId', AttributeValue: '{{ KmsKeyArn }}' });
  });

  test('the email is subscribed only when the topic has nobody, confirmed or pending; counts come from selectors every topic answers', () => {
    expect(stepNamed('CountAlertTopicSubscribers')).toMatchObject({
      outputs: [
        { Name: 'SubscriptionsConfirmed', Selector: '$.Attributes.SubscriptionsConfirmed', Type: 'String' },
        { Name: 'SubscriptionsPending', Selector: '$.Attributes.SubscriptionsPending', Type: 'String' },
      ],
    });
    expect(inputsOf('ChooseSubscription').Choices).toEqual([
      {
        NextStep: 'SubscribeNotificationEmail',
        And: [
          { Variable: '{{ CountAlertTopicSubscribers.SubscriptionsConfirmed }}', StringEquals: '0' },
          { Variable: '{{ CountAlertTopicSubscribers.SubscriptionsPending }}', StringEquals: '0' },
        ],
      },
    ]);
  });

  test('no step compares a list: every branch Variable is a String parameter or String output', () => {
    const outputs = new Map<string, string>(steps.flatMap((step) => (step.action === 'aws:executeAwsApi' ? (step.outputs ?? []).map((output) => [`${step.name}.${output.Name}`, output.Type] as const) : [])));
    const variables = JSON.stringify(steps.filter((step) => step.action === 'aws:branch')).match(/"Variable":"\{\{ [^}]+ \}\}"/g) ?? [];
    for (const variable of variables) {
      const name = variable.slice('"Variable":"{{ '.length, -' }}"'.length);
      expect([name, outputs.get(name) ?? remediationDocument.parameters[name]?.type]).toEqual([name, 'String']);
    }
  });

  test.each([
    ['PutAlertAlarm', 'arn:{{ global:AWS_PARTITION }}:sns:{{ global:REGION }}:{{ AccountId }}:{{ TopicName }}'],
    ['PutAlarmOnNotificationTopic', '{{ NotificationTopicArn }}'],
  ])('%s: Sum >= 1 over one standard-resolution period, one datapoint, missing data not breaching, actions on', (name, topic) => {
    expect(inputsOf(name)).toMatchObject({
      Namespace: '{{ MetricNamespace }}',
      MetricName: '{{ MetricName }}',
      Statistic: 'Sum',
      Period: '{{ AlarmPeriodSeconds }}',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: [topic],
    });
    expect(remediationDocument.parameters.AlarmPeriodSeconds).toMatchObject({ type: 'Integer', default: 300 });
  });

  test('only a run that builds re-evaluates: the two ends that change nothing are read-only steps', () => {
    for (const name of ['EndWhileConfirmationPending', 'EndChainInPlace']) {
      expect(stepNamed(name)).toMatchObject({ action: 'aws:executeAwsApi', isEnd: true });
      expect(inputsOf(name).Api).toMatch(/^(Get|Describe)/);
    }
  });

  test('the Config re-evaluation is the last step and cannot fail the remediation', () => {
    expect(steps.at(-1)).toMatchObject({
      name: 'StartConfigRuleEvaluation',
      inputs: { Service: 'config', Api: 'StartConfigRulesEvaluation', ConfigRuleNames: ['{{ ConfigRuleName }}'] },
      isCritical: false,
      onFailure: 'Continue',
      isEnd: true,
    });
  });

  test('every parameter has a description and a pattern', () => {
    for (const [name, definition] of Object.entries(remediationDocument.parameters)) {
      expect([name, definition.description.length > 20, typeof definition.allowedPattern]).toEqual([name, true, 'string']);
    }
  });
});

describe('the builder', () => {
  test('refers to parameters by name and to outputs only a step declares', () => {
    expect(parameterReferences({ A: { type: 'String', description: 'a' } })).toEqual({ A: '{{ A }}' });
    const step = executeAwsApi('Create', 'sns', 'CreateTopic', { Name: 'x' }, { outputs: [{ Name: 'TopicArn', Selector: '$.TopicArn', Type: 'String' }] });
    expect(step).toEqual({
      name: 'Create',
      action: 'aws:executeAwsApi',
      inputs: { Service: 'sns', Api: 'CreateTopic', Name: 'x' },
      outputs: [{ Name: 'TopicArn', Selector: '$.TopicArn', Type: 'String' }],
    });
    expect(outputOf(step, 'TopicArn')).toBe('{{ Create.TopicArn }}');
    expect(() => outputOf(step, 'Arn')).toThrow('step Create declares no output Arn');
  });
});

describe('s3-policy-watch document', () => {
  test('prints the document as JSON by default', async () => {
    const io = capture();
    expect(await main(['document'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toEqual(remediationDocument);
  });

  test('prints YAML that reads back to the same document, filter patterns byte for byte', async () => {
    const io = capture();
    expect(await main(['document', '--format', 'yaml'], io)).toBe(0);
    expect(parse(io.stdout)).toEqual(remediationDocument);
  });

  test('an unknown format is a usage error', async () => {
    const io = capture();
    expect(await main(['document', '--format', 'xml'], io)).toBe(2);
    expect(io.stderr).toContain('--format must be one of json, yaml (got "xml")');
  });

  test('refuses to print a broken document: exit 2 and every problem on stderr', async () => {
    const broken = { ...remediationDocument, mainSteps: [{ ...remediationDocument.mainSteps[0], action: 'aws:executeScript' }, ...remediationDocument.mainSteps.slice(1)] };
    const io = capture();
    let code: number | undefined;
    await jest.isolateModulesAsync(async () => {
      jest.doMock('../../remediation/document', () => ({ remediationDocument: broken }));
      const isolated = await import('../../cli/main');
      code = await isolated.main(['document'], io);
    });
    expect(code).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr).toContain('s3-policy-watch document: invalid Automation document:');
    expect(io.stderr).toContain('mainSteps[0] CheckLogGroupExists: action "aws:executeScript" is not supported');
  });
});
