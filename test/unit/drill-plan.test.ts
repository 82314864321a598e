import { drillNames, planText } from '../../cli/drill/plan';
import { drillTarget } from '../../cli/drill/run';
import type { ChainReport } from '../../rule/evaluate';

/** From `check`'s complete chain and the alarm to what the drill touches, and the plan a person confirms. */

const CHAIN: ChainReport = {
  status: 'complete',
  links: [],
  trailArn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-main',
  logGroupArn: 'arn:aws:logs:eu-west-1:111122223333:log-group:aws-cloudtrail-logs:*',
  filterName: 'bucket-policy',
  alarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:bucket-policy-changes',
  topicArn: 'arn:aws-us-gov:sns:eu-west-1:111122223333:secops',
};

describe('the drill target', () => {
  test('regions and names come from the ARNs: bucket in the log group\'s region, queue in the topic\'s, the partition kept', () => {
    const target = drillTarget({ ...CHAIN, topicArn: 'arn:aws:sns:eu-west-1:111122223333:secops' }, '111122223333', {
      Namespace: 'CISBenchmark',
      MetricName: 'S3PolicyChanges',
      Dimensions: [{ Name: 'Source', Value: 'trail' }],
      Period: 60,
      StateValue: 'INSUFFICIENT_DATA',
      OKActions: ['arn:aws:sns:eu-west-1:111122223333:secops'],
    });
    expect(target).toMatchObject({
      region: 'eu-west-1',
      logGroupName: 'aws-cloudtrail-logs',
      alarmName: 'bucket-policy-changes',
      topicRegion: 'eu-west-1',
      metrics: [{ namespace: 'CISBenchmark', name: 'S3PolicyChanges', dimensions: { Source: 'trail' } }],
      alarmPeriod: 60,
      notifiesOnOk: true,
    });
    expect(drillNames('0a1b2c3d4e5f', target)).toEqual({
      bucket: 's3-policy-watch-drill-0a1b2c3d4e5f',
      queue: 's3-policy-watch-drill-0a1b2c3d4e5f',
      queueArn: 'arn:aws:sqs:eu-west-1:111122223333:s3-policy-watch-drill-0a1b2c3d4e5f',
    });
  });

  test('a metric-math alarm: every metric it reads is watched', () => {
    const target = drillTarget(CHAIN, '111122223333', {
      Metrics: [
        { MetricStat: { Metric: { Namespace: 'A', MetricName: 'Puts' }, Period: 300 } },
        { MetricStat: { Metric: { Namespace: 'A', MetricName: 'Deletes' }, Period: 300 } },
      ],
    });
    expect(target.metrics.map((m) => m.name)).toEqual(['Puts', 'Deletes']);
    expect(target.alarmPeriod).toBe(300);
    expect(target.partition).toBe('aws');
  });

  test('an alarm on no readable metric is an error that names it', () => {
    expect(() => drillTarget(CHAIN, '111122223333', { Metrics: [] })).toThrow('alarm bucket-policy-changes watches no metric the drill can read');
  });

  test('a bucket name suffix must keep the name a valid bucket name', () => {
    expect(() => drillNames('Not_Valid', { partition: 'aws', topicRegion: 'eu-west-1', accountId: '111122223333' })).toThrow('lower-case letters and digits');
  });
});

describe('the plan', () => {
  const target = drillTarget(CHAIN, '111122223333', { Namespace: 'N', MetricName: 'M', Period: 300, StateValue: 'OK' });
  const names = drillNames('0a1b2c3d4e5f', { ...target, partition: 'aws' });

  test('says what is created, that it grants nothing, and that the team gets a real notification', () => {
    const plan = planText(target, names, 900, []);
    expect(plan).toContain('SQS queue s3-policy-watch-drill-0a1b2c3d4e5f in eu-west-1');
    expect(plan).toContain('a bucket policy on it that grants nothing');
    expect(plan).toContain('It modifies nothing it did not create.');
    expect(plan).toContain("Your team's subscribers to the topic will receive ONE REAL ALARM notification for bucket-policy-changes.");
    expect(plan).not.toContain('--timeout 900 is shorter');
  });

  test('warns when the timeout is shorter than CloudTrail\'s typical 5 minutes plus two alarm periods', () => {
    expect(planText(target, names, 600, [])).toContain('Note: --timeout 600 is shorter than that; a healthy chain may be reported as not delivered.');
  });
});
