import { remediationDocument } from '../../remediation/document';
import { assertValidDocument, InvalidDocumentError, validateDocument } from '../../remediation/validate';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A small valid document: read a log group, branch on a parameter, write, verify. */
function base(): Json {
  return {
    schemaVersion: '0.3',
    description: 'test document',
    assumeRole: '{{ Role }}',
    parameters: {
      Role: { type: 'String', description: 'role', default: '' },
      Group: { type: 'String', description: 'log group', allowedPattern: '^[a-z/]+$' },
      Mode: { type: 'String', description: 'mode', default: 'fast', allowedValues: ['fast', 'slow'] },
      Period: { type: 'Integer', description: 'period', default: 60, allowedPattern: '^(60|120)$' },
    },
    mainSteps: [
      {
        name: 'Read',
        action: 'aws:executeAwsApi',
        inputs: { Service: 'logs', Api: 'DescribeLogGroups', logGroupNamePrefix: '{{ Group }}' },
        outputs: [{ Name: 'Names', Selector: '$.logGroups..logGroupName', Type: 'StringList' }],
      },
      {
        name: 'Choose',
        action: 'aws:branch',
        inputs: { Choices: [{ NextStep: 'Slow', Variable: '{{ Mode }}', StringEquals: 'slow' }], Default: 'Write' },
      },
      { name: 'Slow', action: 'aws:executeAwsApi', inputs: { Service: 'logs', Api: 'DescribeLogGroups', limit: '{{ Period }}' }, nextStep: 'Write' },
      {
        name: 'Write',
        action: 'aws:executeAwsApi',
        inputs: { Service: 'logs', Api: 'PutRetentionPolicy', logGroupName: '{{ Group }}', retentionInDays: 30, names: '{{ Read.Names }}' },
        onFailure: 'step:Verify',
      },
      {
        name: 'Verify',
        action: 'aws:assertAwsResourceProperty',
        inputs: { Service: 'logs', Api: 'DescribeLogGroups', logGroupNamePrefix: '{{ Group }}', PropertySelector: '$.logGroups[0].retentionInDays', DesiredValues: ['30'] },
        isEnd: true,
      },
    ],
    outputs: ['Read.Names'],
  };
}

function problems(document: unknown): string[] {
  return validateDocument(document).map((problem) => `${problem.where}: ${problem.message}`);
}

/** Applies a change to a fresh base document; the validator must report exactly what the change broke. */
function broken(change: (document: Json) => void): string[] {
  const document = base();
  change(document);
  return problems(document);
}

const step = (document: Json, name: string): Json => document.mainSteps.find((candidate: Json) => candidate.name === name);

describe('the validator', () => {
  test('passes the fixture and the remediation document', () => {
    expect(problems(base())).toEqual([]);
    expect(problems(remediationDocument)).toEqual([]);
    expect(() => assertValidDocument(remediationDocument)).not.toThrow();
  });

  test('assertValidDocument lists every problem', () => {
    const document = base();
    document.schemaVersion = '2.2';
    document.mainSteps[0].action = 'aws:runCommand';
    expect(() => assertValidDocument(document)).toThrow(InvalidDocumentError);
    expect(() => assertValidDocument(document)).toThrow(/schemaVersion: must be '0.3'[\s\S]*mainSteps\[0\] Read: action "aws:runCommand" is not supported/);
  });

  describe('document shape', () => {
    test.each<[string, (document: Json) => void, string]>([
      ['schemaVersion other than 0.3', (d) => (d.schemaVersion = '2.2'), "schemaVersion: must be '0.3'"],
      ['no description', (d) => delete d.description, 'description: must say what the document does'],
      ['unknown top-level key', (d) => (d.mainsteps = []), 'document: unknown top-level property "mainsteps" (supported here: schemaVersion, description, assumeRole, parameters, mainSteps, outputs)'],
      ['no steps', (d) => (d.mainSteps = []), 'mainSteps: must be a non-empty list of steps'],
      ['document output of no step', (d) => (d.outputs = ['Nope.Out']), 'outputs[0]: {{ Nope.Out }} names no step Nope'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toEqual([expect.stringContaining(message)]);
    });

    test('not an object at all', () => {
      expect(problems('schemaVersion: 0.3')).toEqual(['document: must be an object']);
    });
  });

  describe('parameters', () => {
    test.each<[string, (document: Json) => void, string]>([
      ['unknown type', (d) => (d.parameters.Mode.type = 'Text'), 'parameters.Mode: type "Text" is not one of String, StringList'],
      ['no description', (d) => delete d.parameters.Group.description, 'parameters.Group: needs a description'],
      ['a pattern that does not compile', (d) => (d.parameters.Group.allowedPattern = '^[a-z$'), 'parameters.Group: allowedPattern does not compile'],
      ['a default of the wrong type', (d) => (d.parameters.Period.default = '60'), 'parameters.Period: default "60" is not a Integer'],
      ['a default breaking its own pattern', (d) => (d.parameters.Period.default = 90), 'parameters.Period: the default breaks its own rule: Period "90" is not allowed'],
      ['a default outside allowedValues', (d) => (d.parameters.Mode.default = 'medium'), 'parameters.Mode: the default breaks its own rule: Mode "medium" is not one of fast, slow'],
      ['an unknown property', (d) => (d.parameters.Mode.allowedPatern = '^x$'), 'parameters.Mode: unknown parameter property "allowedPatern"'],
      ['a name with a dash', (d) => (d.parameters['Log-Group'] = { type: 'String', description: 'x', default: 'x' }), 'parameters.Log-Group: a parameter name may contain only letters'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringContaining(message));
    });

    test('a declared parameter no step uses', () => {
      expect(broken((d) => (d.parameters.Unused = { type: 'String', description: 'x', default: 'x' }))).toEqual([
        'parameters.Unused: is declared but no step uses it',
      ]);
    });
  });

  describe('steps and actions', () => {
    test.each<[string, (document: Json) => void, string]>([
      ['an action we do not support', (d) => (step(d, 'Slow').action = 'aws:executeScript'), 'mainSteps[2] Slow: action "aws:executeScript" is not supported: use one of aws:executeAwsApi, aws:branch, aws:assertAwsResourceProperty'],
      ['a misspelt step property', (d) => (step(d, 'Slow').nextstep = 'Write'), 'mainSteps[2] Slow: unknown aws:executeAwsApi step property "nextstep"'],
      ['two steps with one name', (d) => (step(d, 'Slow').name = 'Write'), 'the step name Write is used twice'],
      ['a step name with spaces', (d) => (step(d, 'Slow').name = 'Slow path'), 'mainSteps[2] Slow path: name must contain only letters, digits and _'],
      ['executeAwsApi without Api', (d) => delete step(d, 'Write').inputs.Api, 'mainSteps[3] Write.inputs: aws:executeAwsApi requires Api'],
      ['assert without DesiredValues', (d) => delete step(d, 'Verify').inputs.DesiredValues, 'mainSteps[4] Verify.inputs: aws:assertAwsResourceProperty requires DesiredValues'],
      ['assert with empty DesiredValues', (d) => (step(d, 'Verify').inputs.DesiredValues = []), 'Verify.inputs.DesiredValues: must be a non-empty list of strings'],
      ['assert with a selector Automation cannot read', (d) => (step(d, 'Verify').inputs.PropertySelector = '$.logGroups[*].retentionInDays'), 'Verify.inputs.PropertySelector: selector "$.logGroups[*].retentionInDays": cannot read'],
      ['branch without Choices', (d) => delete step(d, 'Choose').inputs.Choices, 'mainSteps[1] Choose.inputs: aws:branch requires Choices'],
      ['a service that is not a namespace', (d) => (step(d, 'Slow').inputs.Service = 'CloudWatch Logs'), 'Slow.inputs.Service: "CloudWatch Logs" is not a service namespace'],
      ['an API that is not an operation name', (d) => (step(d, 'Slow').inputs.Api = 'describe_log_groups'), 'Slow.inputs.Api: "describe_log_groups" is not an API operation name'],
      ['an output property', (d) => (step(d, 'Read').outputs[0].Selectr = '$.x'), 'Read.outputs[0]: unknown output property "Selectr"'],
      ['outputs on an assert', (d) => (step(d, 'Verify').outputs = []), 'mainSteps[4] Verify: unknown aws:assertAwsResourceProperty step property "outputs"'],
      ['an output without a valid selector', (d) => (step(d, 'Read').outputs[0].Selector = 'logGroups'), 'Read.outputs[0].Selector: selector "logGroups" must start with "$"'],
      ['an output of an unknown type', (d) => (step(d, 'Read').outputs[0].Type = 'List'), 'Read.outputs[0]: Type "List" is not one of'],
      ['an output declared twice', (d) => step(d, 'Read').outputs.push({ Name: 'Names', Selector: '$.x', Type: 'String' }), 'Read.outputs[1]: output Names is declared twice'],
      ['maxAttempts of zero', (d) => (step(d, 'Slow').maxAttempts = 0), 'Slow: maxAttempts must be a whole number of at least 1'],
      ['isCritical as text', (d) => (step(d, 'Slow').isCritical = 'false'), 'Slow: isCritical must be true or false'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringContaining(message));
    });
  });

  describe('branch choices', () => {
    const choice = (d: Json) => step(d, 'Choose').inputs.Choices[0];
    test.each<[string, (document: Json) => void, string]>([
      ['a choice without NextStep', (d) => delete choice(d).NextStep, 'Choose.inputs.Choices[0]: a choice needs NextStep'],
      ['a condition without an operator', (d) => delete choice(d).StringEquals, 'Choices[0]: a condition needs exactly one operator of StringEquals'],
      ['two operators in one condition', (d) => (choice(d).StartsWith = 's'), 'Choices[0]: a condition needs exactly one operator of StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains, NumericEquals'],
      ['an unknown operator', (d) => ((choice(d).Equals = 'slow'), delete choice(d).StringEquals), '(found Equals)'],
      ['a numeric operator given text', (d) => ((choice(d).NumericEquals = 'ten'), delete choice(d).StringEquals), 'Choices[0]: NumericEquals takes a number, got "ten"'],
      ['a Variable that is not a reference', (d) => (choice(d).Variable = 'Mode'), 'Choices[0]: Variable must be one {{ Parameter }} or {{ Step.Output }} reference'],
      ['an empty And', (d) => (step(d, 'Choose').inputs.Choices[0] = { NextStep: 'Slow', And: [] }), 'Choices[0]: And needs a non-empty list of conditions'],
      ['And beside a comparison', (d) => (choice(d).And = [{ Variable: '{{ Mode }}', StringEquals: 'x' }]), 'Choices[0]: And must stand alone in its condition'],
      ['NextStep inside Not', (d) => (step(d, 'Choose').inputs.Choices[0] = { NextStep: 'Slow', Not: { NextStep: 'Slow', Variable: '{{ Mode }}', StringEquals: 'x' } }), 'Choices[0].Not: NextStep belongs to the choice'],
      ['an unknown branch input', (d) => (step(d, 'Choose').inputs.Otherwise = 'Write'), 'Choose.inputs: unknown aws:branch input property "Otherwise" (supported here: Choices, Default)'],
      ['nextStep on a branch', (d) => (step(d, 'Choose').nextStep = 'Write'), 'Choose: unknown aws:branch step property "nextStep"'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringContaining(message));
    });
  });

  describe('flow', () => {
    test.each<[string, (document: Json) => void, string]>([
      ['nextStep to no step', (d) => (step(d, 'Slow').nextStep = 'Wirte'), 'mainSteps[2] Slow: nextStep "Wirte" is not a step of this document'],
      ['a choice to no step', (d) => (step(d, 'Choose').inputs.Choices[0].NextStep = 'Fast'), 'Choose: Choices[0].NextStep "Fast" is not a step of this document'],
      ['Default to no step', (d) => (step(d, 'Choose').inputs.Default = 'Fast'), 'Choose: Default "Fast" is not a step of this document'],
      ['onFailure to no step', (d) => (step(d, 'Write').onFailure = 'step:Cleanup'), 'Write: onFailure "Cleanup" is not a step of this document'],
      ['onFailure that is not Abort, Continue or step:', (d) => (step(d, 'Write').onFailure = 'Retry'), 'Write: onFailure must be Abort, Continue or step:<name>, got "Retry"'],
      ['isEnd with nextStep', (d) => Object.assign(step(d, 'Slow'), { isEnd: true }), 'Slow: isEnd and nextStep contradict each other'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringContaining(message));
    });

    test('a step nothing leads to', () => {
      // Slow is reached only through the choice; without it nothing leads there.
      expect(broken((d) => (step(d, 'Choose').inputs.Choices[0].NextStep = 'Write'))).toEqual([
        'mainSteps[2] Slow: is unreachable: no nextStep, branch choice, onFailure or preceding step leads to it',
      ]);
    });

    test('a loop', () => {
      expect(broken((d) => (step(d, 'Slow').nextStep = 'Read'))).toEqual(['mainSteps Read: the steps Read -> Choose -> Slow -> Read form a loop']);
    });
  });

  describe('references', () => {
    test.each<[string, (document: Json) => void, string]>([
      ['an undeclared parameter', (d) => (step(d, 'Write').inputs.logGroupName = '{{ LogGroup }}'), 'mainSteps[3] Write: inputs: {{ LogGroup }} is not a declared parameter'],
      ['a step that does not exist', (d) => (step(d, 'Write').inputs.names = '{{ Reed.Names }}'), 'Write: inputs: {{ Reed.Names }} names no step Reed'],
      ['an output the step does not declare', (d) => (step(d, 'Write').inputs.names = '{{ Read.Groups }}'), 'Write: inputs: {{ Read.Groups }}: step Read declares no output Groups'],
      ['an output of a step that may not have run', (d) => (step(d, 'Verify').inputs.logGroupNamePrefix = '{{ Slow.Names }}', (step(d, 'Slow').outputs = [{ Name: 'Names', Selector: '$.x', Type: 'String' }])), 'Verify: inputs: {{ Slow.Names }} is used by Verify, but Slow does not run before it on every path'],
      ['a step using its own output', (d) => (step(d, 'Read').inputs.logGroupNamePrefix = '{{ Read.Names }}'), 'Read: inputs: {{ Read.Names }} is used by Read, but Read does not run before it'],
      ['an undeclared assumeRole parameter', (d) => (d.assumeRole = '{{ AutomationAssumeRole }}'), 'assumeRole: {{ AutomationAssumeRole }} is not a declared parameter'],
      ['a system variable the runner does not substitute', (d) => (step(d, 'Write').inputs.logGroupName = '{{ global:DATE_TIME }}'), 'Write: inputs: {{ global:DATE_TIME }} is not a system variable this project uses (global:REGION, global:AWS_PARTITION)'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringContaining(message));
    });

    test('the system variables Automation substitutes (global:REGION, global:AWS_PARTITION) need no declaration', () => {
      expect(broken((d) => (step(d, 'Write').inputs.logGroupName = 'arn:{{ global:AWS_PARTITION }}:logs:{{ global:REGION }}'))).toEqual([]);
    });
  });

  describe('operand types, as the aws:branch reference groups the operators', () => {
    test.each<[string, (document: Json) => void, string]>([
      [
        'Contains on a StringList output (the reference lists Contains among the string operations)',
        (d) => (step(d, 'Choose').inputs.Choices[0] = { NextStep: 'Slow', Variable: '{{ Read.Names }}', Contains: 'slow' }),
        'mainSteps[1] Choose: Choices[0]: Contains compares a String, but {{ Read.Names }} is a StringList',
      ],
      ['StringEquals on an Integer parameter', (d) => (step(d, 'Choose').inputs.Choices[0] = { NextStep: 'Slow', Variable: '{{ Period }}', StringEquals: '60' }), 'Choices[0]: StringEquals compares a String, but {{ Period }} is a Integer'],
      ['NumericEquals on a String parameter, inside Not', (d) => (step(d, 'Choose').inputs.Choices[0] = { NextStep: 'Slow', Not: { Variable: '{{ Mode }}', NumericEquals: 1 } }), 'Choices[0].Not: NumericEquals compares a Integer, but {{ Mode }} is a String'],
    ])('%s', (_name, change, message) => {
      expect(broken(change)).toContainEqual(expect.stringContaining(message));
    });
  });
});
