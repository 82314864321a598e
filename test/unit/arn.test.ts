import { ArnError, isSnsTopicArn, parseLogGroupArn, parseTopicArn, parseTrailArn } from '../../rule/arn';

describe('ARNs the chain links by', () => {
  test.each([
    ['arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/Default:*', 'aws', 'us-east-1'],
    ['arn:aws:logs:eu-west-1:111122223333:log-group:CloudTrail/Default', 'aws', 'eu-west-1'],
    ['arn:aws-cn:logs:cn-north-1:111122223333:log-group:CloudTrail/Default:*', 'aws-cn', 'cn-north-1'],
    ['arn:aws-us-gov:logs:us-gov-west-1:111122223333:log-group:CloudTrail/Default:*', 'aws-us-gov', 'us-gov-west-1'],
  ])('log group %s: region and account from the ARN, trailing :* dropped', (text, partition, region) => {
    expect(parseLogGroupArn(text)).toEqual({
      arn: `arn:${partition}:logs:${region}:111122223333:log-group:CloudTrail/Default`,
      partition,
      region,
      accountId: '111122223333',
      name: 'CloudTrail/Default',
    });
  });

  test.each([
    ['CloudTrail/Default', /does not have the form arn:partition:service:region:account:resource/],
    ['arn:aws:logs:us-east-1:111122223333:CloudTrail/Default', /does not name a log group; expected arn:aws:logs:REGION:ACCOUNT:log-group:NAME:\*/],
    ['arn:aws:s3:us-east-1:111122223333:log-group:x:*', /service is "s3", not "logs"/],
    ['arn:azure:logs:us-east-1:111122223333:log-group:x:*', /unknown partition "azure"/],
    ['arn:aws:logs:useast1:111122223333:log-group:x:*', /"useast1" is not a region/],
    ['arn:aws:logs:us-east-1:1111-2222-3333:log-group:x:*', /"1111-2222-3333" is not a 12-digit account id/],
    ['arn:aws:logs:us-east-1:111122223333:log-group:bad name:*', /does not name a log group/],
  ])('malformed log group ARN %s: an error saying what is wrong', (text, message) => {
    expect(() => parseLogGroupArn(text)).toThrow(ArnError);
    expect(() => parseLogGroupArn(text)).toThrow(message);
  });

  test('trails and topics', () => {
    expect(parseTrailArn('arn:aws:cloudtrail:eu-west-1:999988887777:trail/org-trail')).toMatchObject({ accountId: '999988887777', region: 'eu-west-1', name: 'org-trail' });
    expect(parseTopicArn('arn:aws-cn:sns:cn-north-1:111122223333:alerts.fifo')).toMatchObject({ partition: 'aws-cn', name: 'alerts.fifo' });
    expect(() => parseTrailArn('arn:aws:cloudtrail:us-east-1:111122223333:main')).toThrow(/does not name a trail/);
    expect(isSnsTopicArn('arn:aws-us-gov:sns:us-gov-east-1:111122223333:alerts')).toBe(true);
    expect(isSnsTopicArn('arn:aws:automate:us-east-1:ec2:stop')).toBe(false);
  });
});
