import { firstAlarmTransition, parseAlarmHistoryItem, parseAlarmNotification, parseAwsTime, parseTrailRecord, trailRecordPattern } from '../../cli/drill/messages';
import { testMetricFilter } from '../../rule/filter-pattern';
import { alarmNotificationBody } from '../support/drill';

/**
 * What the drill reads back from AWS, in the formats AWS documents: alarm history items (the AWS CLI's
 * describe-alarm-history example), the SNS envelope SQS receives (SNS developer guide, "Fanout to Amazon SQS
 * queues"), CloudWatch's alarm message inside it (aws-lambda-go's recorded cloudwatch-alarm-sns-payload), and
 * the CloudTrail record FilterLogEvents returns.
 */

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:s3-policy-watch-alerts';


/** Byte for byte the shape of the AWS CLI example (aws-cli awscli/examples/cloudwatch/describe-alarm-history.rst). */
const HISTORY = [
  {
    Timestamp: new Date('2014-04-09T18:59:06.442Z'),
    HistoryItemType: 'StateUpdate',
    AlarmName: 'myalarm',
    HistoryData:
      '{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":"testing purposes"},"newState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.958, 40.292].","stateReasonData":{"version":"1.0","queryDate":"2014-04-09T18:59:06.419+0000","startDate":"2014-04-09T18:44:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0}}}',
    HistorySummary: 'Alarm updated from ALARM to OK',
  },
  {
    Timestamp: new Date('2014-04-09T18:59:05.805Z'),
    HistoryItemType: 'StateUpdate',
    AlarmName: 'myalarm',
    HistoryData:
      '{"version":"1.0","oldState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.839999999999996, 39.714].","stateReasonData":{"version":"1.0","queryDate":"2014-03-11T22:45:41.569+0000","startDate":"2014-03-11T22:30:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.839999999999996,39.714],"threshold":70.0}},"newState":{"stateValue":"ALARM","stateReason":"testing purposes"}}',
    HistorySummary: 'Alarm updated from OK to ALARM',
  },
];

describe('alarm history', () => {
  test('a StateUpdate item gives the transition, its time and reason', () => {
    expect(parseAlarmHistoryItem(HISTORY[1]!)).toEqual({ at: new Date('2014-04-09T18:59:05.805Z'), from: 'OK', to: 'ALARM', reason: 'testing purposes' });
  });

  test('the first transition to ALARM since the drill began, not the return to OK nor an older one', () => {
    expect(firstAlarmTransition(HISTORY, new Date('2014-04-09T18:00:00Z'))?.at).toEqual(new Date('2014-04-09T18:59:05.805Z'));
    expect(firstAlarmTransition(HISTORY, new Date('2014-04-09T18:59:06Z'))).toBeUndefined();
  });

  test('other item types and unreadable data are skipped', () => {
    expect(parseAlarmHistoryItem({ ...HISTORY[1]!, HistoryItemType: 'Action' })).toBeUndefined();
    expect(parseAlarmHistoryItem({ ...HISTORY[1]!, HistoryData: 'not json' })).toBeUndefined();
  });
});

describe('the notification on the queue', () => {
  test('the ALARM notification of the alarm, with CloudWatch times (+0000 offsets) and the publish time', () => {
    expect(parseAlarmNotification(alarmNotificationBody('s3-policy-watch-bucket-policy-changes', 'ALARM', TOPIC), TOPIC)).toEqual({
      alarmName: 's3-policy-watch-bucket-policy-changes',
      newState: 'ALARM',
      oldState: 'OK',
      stateChangeAt: new Date('2026-11-30T12:05:05.123Z'),
      publishedAt: new Date('2026-11-30T12:05:11.901Z'),
      subject: 'ALARM: "s3-policy-watch-bucket-policy-changes" in EU (Ireland)',
    });
  });

  test('what is not this topic\'s alarm notification says why it is ignored', () => {
    expect(parseAlarmNotification(alarmNotificationBody('x', 'ALARM', 'arn:aws:sns:eu-west-1:111122223333:other'), TOPIC)).toEqual({
      ignored: `notification from arn:aws:sns:eu-west-1:111122223333:other, not ${TOPIC}`,
    });
    expect(parseAlarmNotification(JSON.stringify({ Type: 'SubscriptionConfirmation', TopicArn: TOPIC }), TOPIC)).toEqual({
      ignored: 'SNS message of type SubscriptionConfirmation, not a Notification',
    });
    // Raw message delivery would hand over the alarm JSON without the envelope.
    expect(parseAlarmNotification(JSON.parse(alarmNotificationBody('x', 'ALARM', TOPIC)).Message, TOPIC)).toEqual({ ignored: 'SNS message of type undefined, not a Notification' });
    expect(parseAlarmNotification(JSON.stringify({ Type: 'Notification', TopicArn: TOPIC, Message: 'Hello world!' }), TOPIC)).toEqual({
      ignored: 'the notification is not a CloudWatch alarm message (its Message is not JSON)',
    });
  });

  test('AWS times with and without a colon in the offset', () => {
    expect(parseAwsTime('2015-06-03T17:43:27.123+0000')).toEqual(new Date('2015-06-03T17:43:27.123Z'));
    expect(parseAwsTime('2015-06-03T19:43:27.123+0200')).toEqual(new Date('2015-06-03T17:43:27.123Z'));
    expect(parseAwsTime('2012-03-29T05:12:16.901Z')).toEqual(new Date('2012-03-29T05:12:16.901Z'));
    expect(parseAwsTime('yesterday')).toBeUndefined();
  });
});

describe('the CloudTrail record in the log group', () => {
  const bucket = 's3-policy-watch-drill-a1b2c3d4e5f6';
  const record = (name: string, bucketName: string) =>
    JSON.stringify({ eventVersion: '1.09', eventID: 'b1c2d3e4-0000-4000-8000-000000000001', eventTime: '2026-11-30T12:00:01Z', eventSource: 's3.amazonaws.com', eventName: name, requestParameters: { bucketName, policy: '' } });

  test('the FilterLogEvents pattern finds the drill\'s PutBucketPolicy and nothing else (as the engine judges it)', () => {
    const messages = [record('PutBucketPolicy', bucket), record('DeleteBucketPolicy', bucket), record('PutBucketPolicy', 'someone-elses-bucket'), record('GetBucketPolicy', bucket)];
    expect(testMetricFilter(trailRecordPattern(bucket), messages).matches.map((m) => m.eventNumber)).toEqual([1]);
  });

  test('the event id and CloudWatch Logs\' ingestion time', () => {
    expect(parseTrailRecord({ message: record('PutBucketPolicy', bucket), ingestionTime: Date.parse('2026-11-30T12:04:02Z') }, bucket)).toEqual({
      eventId: 'b1c2d3e4-0000-4000-8000-000000000001',
      eventTime: '2026-11-30T12:00:01Z',
      ingestedAt: new Date('2026-11-30T12:04:02Z'),
      message: record('PutBucketPolicy', bucket),
    });
    expect(parseTrailRecord({ message: record('PutBucketPolicy', 'other'), ingestionTime: 1 }, bucket)).toBeUndefined();
    expect(parseTrailRecord({ message: 'not json', ingestionTime: 1 }, bucket)).toBeUndefined();
  });
});
