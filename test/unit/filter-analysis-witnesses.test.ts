import { analyzeFilterPattern } from '../../rule/filter-pattern';

/**
 * The JSON analysis tries, for each field a pattern reads that varies from call to call, the values that could
 * defeat it, and names the one that does. Which values are possible is CloudTrail's record contents: some
 * fields are always a string (awsRegion, sourceIPAddress, userIdentity.type), others can be missing (an AWS
 * service acting for a user, as CloudFormation does, has userIdentity.invokedBy and no userIdentity.arn).
 */
const analysis = (condition: string) => analyzeFilterPattern(`{ ($.eventName = "PutBucketPolicy") && (${condition}) }`, ['PutBucketPolicy']);

describe('values that can and cannot defeat a filter', () => {
  test.each(['$.awsRegion = *', '$.sourceIPAddress = *', '$.userIdentity.type = *', '$.requestParameters.bucketName = *'])(
    '%s: the field is a string in every record, so the filter covers every call',
    (condition) => {
      expect(analysis(condition)).toMatchObject({ valid: true, coversRequiredEvents: true, missedEvents: [] });
    },
  );

  test('$.userIdentity.arn = *: a record without userIdentity.arn (an AWS service acting for a user) escapes, and the reason says so', () => {
    const result = analysis('$.userIdentity.arn = *');
    expect(result.coversRequiredEvents).toBe(false);
    expect(result.missReasons.PutBucketPolicy).toBe('does not match a PutBucketPolicy record whose $.userIdentity.arn is absent');
  });

  test('a call from an address that is not an IP escapes; the value named is printable text a person can read', () => {
    const result = analysis('$.sourceIPAddress != %[^0-9a-f:.]%');
    expect(result.coversRequiredEvents).toBe(false);
    const shown = /whose \$\.sourceIPAddress is (".*")$/.exec(result.missReasons.PutBucketPolicy!)?.[1];
    expect(shown).toBeDefined();
    const value = JSON.parse(shown!) as string;
    expect(value).toMatch(/[^0-9a-f:.]/);
    expect(value).toMatch(/^[\x20-\x7e]+$/);
  });
});
