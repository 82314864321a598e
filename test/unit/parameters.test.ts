import { CIS_EVENT_NAMES, POLICY_EVENT_NAMES } from '../../rule/events/canonical';
import { DEFAULT_PARAMETERS, ParameterError, parseRuleParameters } from '../../rule/parameters';

describe('parseRuleParameters', () => {
  test('no parameters: the documented defaults', () => {
    for (const input of [undefined, null, '', '{}', {}]) {
      expect(parseRuleParameters(input)).toEqual({
        requiredEventsSpec: 'POLICY',
        requiredEvents: [...POLICY_EVENT_NAMES],
        allowOverBroadFilter: false,
        requireMultiRegionTrail: true,
        requireConfirmedSubscription: true,
        securityHubParity: false,
        securityHubFindings: false,
        // the protocols whose endpoint is a person or a paging/chat service; machine-to-machine ones opt in
        subscriberProtocols: ['email', 'email-json', 'sms', 'https', 'application'],
      });
    }
  });

  test('every parameter from a Config event (a JSON string of strings)', () => {
    const parameters = parseRuleParameters(
      JSON.stringify({
        RequiredEvents: 'CIS',
        AllowOverBroadFilter: 'true',
        RequireMultiRegionTrail: 'FALSE',
        RequireConfirmedSubscription: 'False',
        SecurityHubParity: 'TRUE',
        SecurityHubFindings: 'True',
        SubscriberProtocols: 'email, lambda,sqs',
        TrailOwnerReadRoleName: 'OrgTrailReader',
      }),
    );
    expect(parameters).toEqual({
      requiredEventsSpec: 'CIS',
      requiredEvents: [...CIS_EVENT_NAMES],
      allowOverBroadFilter: true,
      requireMultiRegionTrail: false,
      requireConfirmedSubscription: false,
      securityHubParity: true,
      securityHubFindings: true,
      subscriberProtocols: ['email', 'lambda', 'sqs'],
      trailOwnerReadRoleName: 'OrgTrailReader',
    });
  });

  test('a comma list of event names', () => {
    expect(parseRuleParameters({ RequiredEvents: 'PutBucketPolicy, PutBucketAcl' }).requiredEvents).toEqual(['PutBucketPolicy', 'PutBucketAcl']);
  });

  test('an empty value means the default (templates pass "" for "not set")', () => {
    expect(parseRuleParameters({ RequiredEvents: '', TrailOwnerReadRoleName: '' })).toEqual(DEFAULT_PARAMETERS);
  });

  test.each([
    [{ RequiredEvent: 'CIS' }, /unknown rule parameter "RequiredEvent"; the rule takes RequiredEvents, AllowOverBroadFilter, RequireMultiRegionTrail/],
    [{ requiredevents: 'CIS' }, /unknown rule parameter "requiredevents" \(did you mean RequiredEvents\? names are case-sensitive\)/],
    [{ RequiredEvents: 'PutBucketPolicy,DeleteBucketPolcy' }, /RequiredEvents: "DeleteBucketPolcy" is not an S3 change event this rule knows/],
    [{ RequiredEvents: 'PutBucketPolicy,,' }, /RequiredEvents "PutBucketPolicy,," has an empty name/],
    [{ AllowOverBroadFilter: 'yes' }, /AllowOverBroadFilter must be "true" or "false", got "yes"/],
    [{ RequireMultiRegionTrail: 'TRUE ' }, /RequireMultiRegionTrail must be "true" or "false", got "TRUE "/],
    [{ SecurityHubParity: '1' }, /SecurityHubParity must be "true" or "false", got "1"/],
    [{ SecurityHubFindings: 'on' }, /SecurityHubFindings must be "true" or "false", got "on"/],
    [{ securityHubFindings: 'true' }, /unknown rule parameter "securityHubFindings" \(did you mean SecurityHubFindings\?/],
    [{ RequireConfirmedSubscription: 0 }, /RequireConfirmedSubscription must be "true" or "false", got 0/],
    [{ RequiredEvents: ['CIS'] }, /RequiredEvents must be a string/],
    [{ SubscriberProtocols: 'email,pagerduty' }, /SubscriberProtocols: "pagerduty" is not an SNS protocol; use a comma list of email, email-json, sms, https, http, application, lambda, sqs, firehose/],
    [{ TrailOwnerReadRoleName: 'arn:aws:iam::111122223333:role/Reader' }, /TrailOwnerReadRoleName: "arn:aws:iam::111122223333:role\/Reader" is not an IAM role name/],
    [{ TrailOwnerReadRoleName: 'x'.repeat(65) }, /is not an IAM role name/],
    ['{"RequiredEvents": "CIS"', /rule parameters are not valid JSON/],
    ['["CIS"]', /rule parameters must be a JSON object of strings/],
  ] as [unknown, RegExp][])('%j is an error naming the problem', (input, message) => {
    expect(() => parseRuleParameters(input as string)).toThrow(ParameterError);
    expect(() => parseRuleParameters(input as string)).toThrow(message);
  });

  test('JSON booleans are accepted where a person types them (check --parameters)', () => {
    expect(parseRuleParameters({ AllowOverBroadFilter: true, RequireMultiRegionTrail: false })).toMatchObject({
      allowOverBroadFilter: true,
      requireMultiRegionTrail: false,
    });
  });
});
