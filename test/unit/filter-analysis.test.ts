import { analyzeFilterPattern, analyzeMetricValue, resolveRequiredEvents, RequiredEventsError } from '../../rule/filter-pattern';
import { CIS_EVENT_NAMES, CIS_FILTER_PATTERN, POLICY_EVENT_NAMES, POLICY_FILTER_PATTERN } from '../../rule/events/canonical';

const POLICY = POLICY_EVENT_NAMES;
const EITHER = '($.eventName = PutBucketPolicy || $.eventName = DeleteBucketPolicy)';

describe('"for any principal and any incidental values" is decided exactly for JSON patterns', () => {
  test('a miss is shown as a record CloudTrail can write: the root user with the root ARN, not another identity\'s', () => {
    const analysis = analyzeFilterPattern(`{ ${EITHER} && $.userIdentity.type != "Root" && ($.userIdentity.arn NOT EXISTS || $.userIdentity.arn != "*:user/*") }`, POLICY);
    expect(analysis.missReasons.PutBucketPolicy).toBe('does not match a PutBucketPolicy record whose $.userIdentity.type is "Root" and $.userIdentity.arn is "arn:aws:iam::111122223333:root"');
  });


  test.each([
    [`{ ${EITHER} && $.userIdentity.type = IAMUser }`, '$.userIdentity.type is "AssumedRole"'],
    [`{ ${EITHER} && $.requestParameters.bucketName = "prod-*" }`, '$.requestParameters.bucketName is "example-bucket"'],
    [`{ ${EITHER} && $.userIdentity.arn != "arn:aws:sts::111122223333:assumed-role/ci/deploy" }`, '$.userIdentity.arn is "arn:aws:sts::111122223333:assumed-role/ci/deploy"'],
    [`{ ${EITHER} && $.awsRegion = us-east-1 }`, '$.awsRegion is "'],
    [`{ ${EITHER} && $.sourceIPAddress != %^10\\.% }`, '$.sourceIPAddress is "10.'],
    [`{ ${EITHER} && $.userIdentity.sessionContext.attributes.mfaAuthenticated = "true" }`, 'mfaAuthenticated is'],
    [`{ ${EITHER} && $.tlsDetails.tlsVersion = * }`, '$.tlsDetails.tlsVersion is'],
    [`{ ${EITHER} && $.additionalEventData.bytesTransferredIn > 0 }`, '$.additionalEventData.bytesTransferredIn is'],
    [`{ ${EITHER} && $.resources[0].ARN = "arn:aws:s3:::example-bucket" }`, '$.resources[0].ARN is'],
    [`{ ${EITHER} && $.requestParameters.* != "example-bucket" }`, 'requestParameters'],
  ])('%s does not cover: %s', (pattern, witness) => {
    const analysis = analyzeFilterPattern(pattern, POLICY);
    expect(analysis.valid).toBe(true);
    expect(analysis.coversRequiredEvents).toBe(false);
    expect(analysis.missReasons.PutBucketPolicy).toContain(witness);
  });

  test.each([
    `{ ${EITHER} && $.errorCode NOT EXISTS }`,
    `{ ${EITHER} && $.readOnly IS FALSE && $.managementEvent IS TRUE && $.eventCategory = Management }`,
    `{ ${EITHER} && ($.userIdentity.type = IAMUser || $.userIdentity.type != IAMUser) }`,
    `{ ${EITHER} && ($.awsRegion = "us-*" || $.awsRegion != "us-e*") }`,
    `{ ${EITHER} && ($.sourceIPAddress = %^1% || $.sourceIPAddress != %^1%) }`,
    `{ ${EITHER} && $.resources[*].type = "AWS::S3::Bucket" }`,
    `{ ${EITHER} && $.userIdentity.type = * }`,
    `{ ($.eventName = PutBucketPolicy && $.userIdentity.type = Root) || ($.eventName = PutBucketPolicy && $.userIdentity.type != Root) || $.eventName = DeleteBucketPolicy }`,
    // F11: an assumed role's ARN is always arn:…:sts::…:assumed-role/…, so the two fields agree.
    `{ ${EITHER} && ($.userIdentity.type != "AssumedRole" || $.userIdentity.arn NOT EXISTS || $.userIdentity.arn = "*:assumed-role/*") }`,
  ])('%s covers both policy events', (pattern) => {
    const analysis = analyzeFilterPattern(pattern, POLICY);
    expect(analysis.missReasons).toEqual({});
    expect(analysis.coversRequiredEvents).toBe(true);
  });

  test('a filter that also needs a varying field only for one event misses exactly that event', () => {
    const analysis = analyzeFilterPattern('{ $.eventName = DeleteBucketPolicy || ($.eventName = PutBucketPolicy && $.requestParameters.bucketName = "a") }', POLICY);
    expect(analysis.coveredEvents).toEqual(['DeleteBucketPolicy']);
    expect(analysis.missedEvents).toEqual(['PutBucketPolicy']);
  });
});

describe('term, regex and space-delimited patterns are checked against realistic records', () => {
  test('an exclusion that a policy document or a user agent can contain covers neither event', () => {
    const analysis = analyzeFilterPattern('-GetBucketPolicy', POLICY);
    expect(analysis.missedEvents).toEqual(['PutBucketPolicy', 'DeleteBucketPolicy']);
    expect(analysis.missReasons.PutBucketPolicy).toContain('policy that names S3 actions');
    expect(analysis.missReasons.DeleteBucketPolicy).toContain('whose user agent contains "GetBucketPolicy"');
    expect(analysis.overBroad).toBe(true);
  });

  test('a standalone regex on the event name covers and catches the IAM look-alike', () => {
    const analysis = analyzeFilterPattern('%"eventName":"(Put|Delete)BucketPolicy"%'.replace('(Put|Delete)', '[PD][a-z]+'), POLICY);
    expect(analysis.valid).toBe(false); // '"' must be written \x22
    const escaped = analyzeFilterPattern('%\\x22eventName\\x22:\\x22[PD][a-z]+BucketPolicy\\x22%', POLICY);
    expect(escaped.coversRequiredEvents).toBe(true);
    expect(escaped.overBroad).toBe(false);
  });
});

describe('the report', () => {
  test('the canonical patterns: both cover their sets, nothing benign; only the CIS text satisfies Security Hub', () => {
    const cis = analyzeFilterPattern(CIS_FILTER_PATTERN, CIS_EVENT_NAMES);
    const policy = analyzeFilterPattern(POLICY_FILTER_PATTERN, POLICY);
    expect([cis.coversRequiredEvents, cis.overBroad, cis.securityHubExact]).toEqual([true, false, true]);
    expect([policy.coversRequiredEvents, policy.overBroad, policy.securityHubExact]).toEqual([true, false, false]);
    expect(policy.summary).toContain('Security Hub CloudWatch.8 will still fail');
    expect(analyzeFilterPattern(CIS_FILTER_PATTERN.replace(/\s+/g, ''), CIS_EVENT_NAMES).securityHubExact).toBe(true);
  });

  test('a benign read counts as over-broad unless it is itself required', () => {
    const pattern = '{ $.eventSource = s3.amazonaws.com && $.eventName = PutBucket* }';
    expect(analyzeFilterPattern(pattern, ['PutBucketPolicy']).benignMatched).toEqual(['ben-PutBucketTagging']);
  });
});

describe('required events', () => {
  test('POLICY, CIS and comma lists', () => {
    expect(resolveRequiredEvents('POLICY')).toEqual([...POLICY_EVENT_NAMES]);
    expect(resolveRequiredEvents(' cis ')).toEqual([...CIS_EVENT_NAMES]);
    expect(resolveRequiredEvents('PutBucketPolicy, PutBucketPublicAccessBlock,PutBucketPolicy')).toEqual(['PutBucketPolicy', 'PutBucketPublicAccessBlock']);
  });

  test.each([
    ['PutBucketPolicies', '"PutBucketPolicies" is not an S3 change event'],
    ['putbucketpolicy', 'did you mean PutBucketPolicy?'],
    ['PutBucketPolicy,,DeleteBucketPolicy', 'empty name'],
    ['', 'empty name'],
  ])('%j is an error, never a weaker rule', (spec, message) => {
    expect(() => resolveRequiredEvents(spec)).toThrow(RequiredEventsError);
    expect(() => resolveRequiredEvents(spec)).toThrow(message);
  });
});

describe('metric values', () => {
  test.each([
    ['1', true],
    ['0', false],
    ['-1', false],
    // S3 leaves additionalEventData out of some records, so even PutBucketPolicy does not always carry it.
    ['$.additionalEventData.bytesTransferredIn', false],
    ['$.requestParameters.bucketName', false],
    ['$.noSuchField', false],
    ['$missing', false],
    ['one', false],
  ])('%s', (metricValue, rises) => {
    expect(analyzeMetricValue(POLICY_FILTER_PATTERN, metricValue, ['PutBucketPolicy']).rises).toBe(rises);
  });

  test('the reason names the value and the event', () => {
    expect(analyzeMetricValue(POLICY_FILTER_PATTERN, '$.noSuchField', POLICY).reason).toBe(
      'metric value $.noSuchField is missing from PutBucketPolicy events, so the metric does not rise',
    );
  });
});
