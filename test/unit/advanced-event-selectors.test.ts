import type { AdvancedEventSelector } from '../../rule/snapshot';
import { account, evaluate, management, trail, withTrail } from '../support/seed-snapshot';

/**
 * Advanced event selector operators as the CloudTrail API reference defines them (AdvancedFieldSelector):
 * StartsWith / EndsWith / Equals include an event when the field matches one of the values; NotStartsWith /
 * NotEndsWith / NotEquals exclude it when the field matches any of them. A PutBucketPolicy record has
 * eventSource s3.amazonaws.com and eventName PutBucketPolicy (and no resources.type: that field exists on data
 * events only). On a trail, AWS accepts today only `eventSource NotEquals` for management events (the other
 * operators there are event-data-store features), so these cases pin the operators' documented meaning: a
 * selector the evaluator sees is read as CloudTrail would read it.
 */

const S3 = 's3.amazonaws.com';

function verdictWith(...fieldSelectors: AdvancedEventSelector['fieldSelectors']) {
  return evaluate(account(withTrail({ selectors: management(...fieldSelectors) })));
}

describe('a management selector records bucket policy changes exactly when each of its conditions keeps them', () => {
  test.each([
    ['eventSource StartsWith "s3."', { field: 'eventSource', startsWith: ['s3.'] }],
    ['eventSource StartsWith one of two prefixes', { field: 'eventSource', startsWith: ['kms.', 's3.'] }],
    ['eventSource EndsWith "s3.amazonaws.com"', { field: 'eventSource', endsWith: [S3] }],
    ['eventName EndsWith "BucketPolicy"', { field: 'eventName', endsWith: ['BucketPolicy'] }],
    ['eventType Equals AwsApiCall', { field: 'eventType', equals: ['AwsApiCall'] }],
    ['eventSource NotStartsWith another service', { field: 'eventSource', notStartsWith: ['kms.'] }],
    ['eventSource NotStartsWith "s3express" (directory buckets only)', { field: 'eventSource', notStartsWith: ['s3express'] }],
    ['eventSource NotEndsWith another service', { field: 'eventSource', notEndsWith: ['rdsdata.amazonaws.com'] }],
    ['eventName StartsWith "Put" and "Delete"', { field: 'eventName', startsWith: ['Put', 'Delete'] }],
    ['eventName NotStartsWith "Get"', { field: 'eventName', notStartsWith: ['Get'] }],
    ['eventName NotEndsWith "Acl"', { field: 'eventName', notEndsWith: ['Acl'] }],
  ])('%s: recorded, COMPLIANT', (_, field) => {
    const verdict = verdictWith(field);
    expect(verdict.compliance).toBe('COMPLIANT');
    expect(verdict.chains[0]!.links[0]).toMatchObject({ link: 'trail', status: 'ok' });
  });

  test.each([
    ['eventSource StartsWith another service', { field: 'eventSource', startsWith: ['kms.'] }, /keeps only eventSource StartsWith kms\./],
    ['eventSource StartsWith "s3" but the end of the name', { field: 'eventSource', startsWith: ['amazonaws.com'] }, /keeps only eventSource StartsWith amazonaws\.com/],
    ['eventSource EndsWith another service', { field: 'eventSource', endsWith: ['kms.amazonaws.com'] }, /keeps only eventSource EndsWith kms\.amazonaws\.com/],
    ['eventName EndsWith "Put" (a prefix, not an ending)', { field: 'eventName', endsWith: ['Put', 'Delete'] }, /keeps only eventName EndsWith Put, Delete/],
    ['eventSource NotStartsWith "s3."', { field: 'eventSource', notStartsWith: ['s3.'] }, /keeps only eventSource NotStartsWith s3\./],
    ['eventSource NotStartsWith a list that names S3 second', { field: 'eventSource', notStartsWith: ['kms.', 's3'] }, /keeps only eventSource NotStartsWith kms\., s3/],
    ['eventSource NotEndsWith ".amazonaws.com" (every AWS service)', { field: 'eventSource', notEndsWith: ['.amazonaws.com'] }, /keeps only eventSource NotEndsWith \.amazonaws\.com/],
    ['eventSource NotEndsWith a list that names S3 second', { field: 'eventSource', notEndsWith: ['kms.amazonaws.com', S3] }, /keeps only eventSource NotEndsWith kms\.amazonaws\.com, s3\.amazonaws\.com/],
    ['eventName NotStartsWith "Put" or "Delete"', { field: 'eventName', notStartsWith: ['Put', 'Delete'] }, /keeps only eventName NotStartsWith Put, Delete/],
    ['eventName NotEndsWith "Policy"', { field: 'eventName', notEndsWith: ['Policy'] }, /keeps only eventName NotEndsWith Policy/],
  ])('%s: not recorded, NON_COMPLIANT and the condition is named', (_, field, reason) => {
    const verdict = verdictWith(field);
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/^Trail main does not record PutBucketPolicy, DeleteBucketPolicy \(advanced event selector "Management events"/);
    expect(verdict.annotation).toMatch(reason);
  });

  test('eventName StartsWith "PutBucket": PutBucketPolicy is recorded, DeleteBucketPolicy is not', () => {
    const verdict = verdictWith({ field: 'eventName', startsWith: ['PutBucket'] });
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/^Trail main does not record DeleteBucketPolicy \(advanced event selector "Management events" keeps only eventName StartsWith PutBucket\)/);
  });

  test('a positive and a negative operator on one field: both must hold', () => {
    expect(verdictWith({ field: 'eventSource', startsWith: ['s3'], notEndsWith: ['kms.amazonaws.com'] }).compliance).toBe('COMPLIANT');
    const verdict = verdictWith({ field: 'eventSource', startsWith: ['s3'], notStartsWith: ['s3.'] });
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/keeps only eventSource StartsWith s3 and NotStartsWith s3\./);
  });

  test('several management selectors that each drop the change are all named, and an unnamed one is called so', () => {
    const selectors = {
      classic: [],
      advanced: [
        { name: 'Reads', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, { field: 'readOnly', equals: ['true'] }] },
        { fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, { field: 'readOnly', equals: ['true'] }] },
      ],
    };
    const verdict = evaluate(account(withTrail({ selectors })));
    expect(verdict.annotation).toMatch(
      /^Trail main does not record PutBucketPolicy, DeleteBucketPolicy \(advanced event selector "Reads" keeps only readOnly Equals true; selector "unnamed" keeps only readOnly Equals true\)/,
    );
  });

  test('resources.type is a data-event field: a management record has none, so a selector that demands it records nothing', () => {
    const verdict = verdictWith({ field: 'resources.type', startsWith: ['AWS::S3::'] });
    expect(verdict.compliance).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toMatch(/keeps only resources\.type StartsWith AWS::S3::/);
  });

  test('S3 object-level logging (data events, resources.ARN StartsWith a bucket) beside management events: the management selector records the change', () => {
    const dataEvents: AdvancedEventSelector = {
      name: 'Objects of example-bucket',
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::S3::Object'] },
        { field: 'resources.ARN', startsWith: ['arn:aws:s3:::example-bucket/'] },
      ],
    };
    const both = { classic: [], advanced: [...management().advanced, dataEvents] };
    expect(evaluate(account((parts) => void (parts.trails = [trail({ selectors: both })]))).compliance).toBe('COMPLIANT');
    const dataOnly = evaluate(account((parts) => void (parts.trails = [trail({ selectors: { classic: [], advanced: [dataEvents] } })])));
    expect(dataOnly.compliance).toBe('NON_COMPLIANT');
    expect(dataOnly.annotation).toMatch(/records no management events/);
  });
});
