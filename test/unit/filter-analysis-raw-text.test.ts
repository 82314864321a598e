import { analyzeFilterPattern } from '../../rule/filter-pattern';

/**
 * Term patterns read the raw text of a record, so who made the call changes whether they match. AWS's term
 * rules (Filter pattern syntax: unstructured log events): a `-term` excludes every event that contains it. Each
 * pattern below excludes one kind of caller that really changes bucket policies; the analysis must find the
 * change that escapes the filter, so each kind of caller has to be among the records it tries.
 */
describe('an exclusion that silences one kind of caller is found', () => {
  test.each([
    ['the usual assumed role (SecurityAdmin) from the AWS CLI', 'PutBucketPolicy -SecurityAdmin', /assumed role/i],
    ['IAM users (a Terraform pipeline user)', 'PutBucketPolicy -IAMUser', /IAM user/i],
    ['the root user', 'PutBucketPolicy -Root', /root/i],
    ['a role assumed from another account of the organization', 'PutBucketPolicy -OrganizationAccountAccessRole', /another account/i],
    ['callers whose new policy names GetBucketPolicy (a Deny statement written by CloudFormation)', 'PutBucketPolicy -GetBucketPolicy', /CloudFormation/i],
  ])('excluding %s: PutBucketPolicy is not covered', (_, pattern, who) => {
    const analysis = analyzeFilterPattern(pattern, ['PutBucketPolicy']);
    expect(analysis.valid).toBe(true);
    expect(analysis.coversRequiredEvents).toBe(false);
    expect(analysis.missedEvents).toEqual(['PutBucketPolicy']);
    expect(analysis.missReasons.PutBucketPolicy).toMatch(who);
  });

  test('without the exclusion the same term covers every caller', () => {
    expect(analyzeFilterPattern('PutBucketPolicy', ['PutBucketPolicy']).coversRequiredEvents).toBe(true);
  });
});
