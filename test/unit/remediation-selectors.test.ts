import { parseSelector, select, SelectorError } from '../../remediation/selectors';
import { referencesIn, resolveTemplates, UnresolvedReferenceError } from '../../remediation/templates';

// The DescribeInstances response of the Automation JSONPath documentation.
const RESPONSE = {
  NextToken: 'abcdefg',
  Reservations: [
    {
      OwnerId: '123456789012',
      Instances: [{ ImageId: 'ami-12345678', BlockDeviceMappings: [{ Ebs: { DeleteOnTermination: true, VolumeId: 'vol-000000000000' } }], State: { Code: 16, Name: 'running' } }],
    },
    {
      OwnerId: '123456789012',
      Instances: [{ ImageId: 'ami-12345678', BlockDeviceMappings: [{ Ebs: { DeleteOnTermination: true, VolumeId: 'vol-111111111111' } }], State: { Code: 80, Name: 'stopped' } }],
    },
  ],
};

describe('Outputs selectors (the JSONPath subset of Automation)', () => {
  test.each([
    ['$.Reservations[0].Instances[0].ImageId', 'ami-12345678'],
    ['$.Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.DeleteOnTermination', true],
    ['$.Reservations[1].Instances[0].State.Code', 80],
    ['$.Reservations..BlockDeviceMappings..VolumeId', ['vol-000000000000', 'vol-111111111111']],
    ['$.Reservations..Instances..State', [{ Code: 16, Name: 'running' }, { Code: 80, Name: 'stopped' }]],
    ['$.Reservations[0].Instances[0].BlockDeviceMappings[0]', { Ebs: { DeleteOnTermination: true, VolumeId: 'vol-000000000000' } }],
  ])('%s', (selector, expected) => {
    expect(select(selector, RESPONSE)).toEqual({ found: true, value: expected });
  });

  test('a path that is not in the response selects nothing; a deep scan selects an empty list', () => {
    expect(select('$.Reservations[2].OwnerId', RESPONSE)).toEqual({ found: false });
    expect(select('$.Missing', RESPONSE)).toEqual({ found: false });
    expect(select('$.logGroups[0].logGroupName', { logGroups: [] })).toEqual({ found: false });
    expect(select('$.Subscriptions..Endpoint', { Subscriptions: [] })).toEqual({ found: true, value: [] });
  });

  test.each([
    ['Reservations[0]', 'must start with "$"'],
    ['$', 'selects the whole response'],
    ['$.Reservations[*].OwnerId', 'cannot read "[*].OwnerId" at position 15'],
    ["$['Reservations']", 'expected .Name, [index] or ..Name'],
    ['$.Reservations[-1]', 'cannot read "[-1]"'],
  ])('%s is refused: %s', (selector, message) => {
    expect(() => parseSelector(selector)).toThrow(SelectorError);
    expect(() => parseSelector(selector)).toThrow(message);
  });
});

describe('{{ }} references', () => {
  const values: Record<string, string | number | string[]> = { LogGroupName: 'CloudTrail/Default', Period: 300, 'List.Endpoints': ['a@example.com'] };
  const lookup = (name: string) => values[name];

  test('are found in nested inputs, in order', () => {
    expect(referencesIn({ a: '{{ A }} and {{B.C}}', b: [{ c: '{{  D  }}' }], n: 1 })).toEqual(['A', 'B.C', 'D']);
  });

  test('a whole-string reference keeps the value type; inside text it is spliced', () => {
    expect(resolveTemplates({ Period: '{{ Period }}', Endpoints: '{{ List.Endpoints }}' }, lookup)).toEqual({ Period: 300, Endpoints: ['a@example.com'] });
    expect(resolveTemplates('group {{ LogGroupName }} every {{Period}}s', lookup)).toBe('group CloudTrail/Default every 300s');
  });

  test('an unknown reference is an error naming it; a list cannot be spliced into text', () => {
    expect(() => resolveTemplates(['{{ Nope }}'], lookup)).toThrow(UnresolvedReferenceError);
    expect(() => resolveTemplates(['{{ Nope }}'], lookup)).toThrow('{{ Nope }} has no value');
    expect(() => resolveTemplates('to {{ List.Endpoints }}', lookup)).toThrow('is a list or map and cannot be spliced');
  });
});
