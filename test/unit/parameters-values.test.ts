import { DEFAULT_PARAMETERS, ParameterError, parseRuleParameters } from '../../rule/parameters';

/** Values Config or a template can hand over for "not set", and the errors a wrong type gets. */
describe('rule parameters: not set, and the wrong type', () => {
  test.each([
    ['blank JSON text (a template that passes spaces)', '   '],
    ['a null value', { RequiredEvents: null }],
    ['an undefined value', { RequiredEvents: undefined }],
  ])('%s means the default', (_, input) => {
    expect(parseRuleParameters(input as string | Record<string, unknown>)).toEqual({ ...DEFAULT_PARAMETERS, requiredEvents: [...DEFAULT_PARAMETERS.requiredEvents] });
  });

  test.each([
    ['RequiredEvents', /^rule parameter RequiredEvents must be a string \(POLICY, CIS or a comma list of S3 event names\), got 5$/],
    ['TrailOwnerReadRoleName', /^rule parameter TrailOwnerReadRoleName must be a string \(an IAM role name\), got 5$/],
  ])('%s given as a number: a ParameterError that says what is allowed', (key, message) => {
    const error = (() => {
      try {
        parseRuleParameters({ [key]: 5 });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(ParameterError);
    expect(error.name).toBe('ParameterError');
    expect(error.message).toMatch(message);
  });
});
