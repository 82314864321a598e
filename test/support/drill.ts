/**
 * CloudWatch alarm notifications as a drill's queue receives them: the SNS envelope (SNS developer guide, "Fanout to
 * Amazon SQS queues") around CloudWatch's alarm JSON (the fields of aws-lambda-go's recorded
 * cloudwatch-alarm-sns-payload-single-metric.json).
 */

/** An SQS message body as SNS delivers a CloudWatch alarm notification (raw message delivery off). */
const REGION_NAMES: Record<string, string> = { 'us-east-1': 'US East (N. Virginia)', 'eu-west-1': 'EU (Ireland)' };

export function alarmNotificationBody(alarmName: string, newState: string, topicArn: string, stateChangeTime = '2026-11-30T12:05:05.123+0000'): string {
  const [, , , region, account] = topicArn.split(':') as [string, string, string, string, string];
  const alarm = {
    AlarmName: alarmName,
    AlarmDescription: null,
    AWSAccountId: account,
    AlarmConfigurationUpdatedTimestamp: '2026-11-01T09:00:00.000+0000',
    NewStateValue: newState,
    NewStateReason: 'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (30/11/26 12:04:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    StateChangeTime: stateChangeTime,
    Region: REGION_NAMES[region],
    AlarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`,
    OldStateValue: newState === 'ALARM' ? 'OK' : 'ALARM',
    OKActions: [],
    AlarmActions: [topicArn],
    InsufficientDataActions: [],
    Trigger: { MetricName: 'S3BucketPolicyChanges', Namespace: 'CloudTrailMetrics', StatisticType: 'Statistic', Statistic: 'SUM', Unit: null, Dimensions: [], Period: 300, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1.0, TreatMissingData: 'notBreaching', EvaluateLowSampleCountPercentile: '' },
  };
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '63a3f6b6-d533-4a47-aef9-fcf5cf758c76',
    TopicArn: topicArn,
    Subject: `${newState}: "${alarmName}" in ${REGION_NAMES[region]}`,
    Message: JSON.stringify(alarm),
    Timestamp: '2026-11-30T12:05:11.901Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLEnTrFPa3...',
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:c7fe3a54-ab0e-4ec2-88e0-db410a0f2bee`,
  });
}
