/**
 * Reading what AWS hands back during a drill (pure): the CloudTrail record in the log group, the alarm's history
 * items, and the SNS notification delivered to the SQS queue. Formats: docs/aws-behaviour.md, "Drill and live
 * conformance".
 */

/**
 * The FilterLogEvents pattern that finds the drill's own PutBucketPolicy record: the bucket name is random, so
 * no one else's record matches.
 */
export function trailRecordPattern(bucket: string): string {
  return `{ ($.eventSource = "s3.amazonaws.com") && ($.eventName = "PutBucketPolicy") && ($.requestParameters.bucketName = "${bucket}") }`;
}

export interface TrailRecord {
  eventId: string;
  eventTime: string;
  /** When CloudWatch Logs ingested it (ms since the epoch). */
  ingestedAt: Date;
  message: string;
}

/** A FilterLogEvents event, if it is the drill's record (a CloudTrail record as JSON); otherwise undefined. */
export function parseTrailRecord(event: { message?: string; ingestionTime?: number }, bucket: string): TrailRecord | undefined {
  if (event.message === undefined || event.ingestionTime === undefined) return undefined;
  let record: { eventID?: unknown; eventTime?: unknown; eventName?: unknown; requestParameters?: { bucketName?: unknown } | null };
  try {
    record = JSON.parse(event.message);
  } catch {
    return undefined;
  }
  if (record.eventName !== 'PutBucketPolicy' || record.requestParameters?.bucketName !== bucket || typeof record.eventID !== 'string') return undefined;
  return { eventId: record.eventID, eventTime: String(record.eventTime), ingestedAt: new Date(event.ingestionTime), message: event.message };
}

export interface AlarmTransition {
  at: Date;
  from: string;
  to: string;
  reason: string;
}

/**
 * A DescribeAlarmHistory StateUpdate item: `HistoryData` is a JSON string with `oldState.stateValue` and
 * `newState.stateValue` / `stateReason`. Undefined for other items or unreadable data.
 */
export function parseAlarmHistoryItem(item: { Timestamp?: Date; HistoryItemType?: string; HistoryData?: string }): AlarmTransition | undefined {
  if (item.HistoryItemType !== 'StateUpdate' || !item.Timestamp || !item.HistoryData) return undefined;
  try {
    const data = JSON.parse(item.HistoryData) as { oldState?: { stateValue?: string }; newState?: { stateValue?: string; stateReason?: string } };
    if (!data.newState?.stateValue) return undefined;
    return { at: item.Timestamp, from: data.oldState?.stateValue ?? 'unknown', to: data.newState.stateValue, reason: data.newState.stateReason ?? '' };
  } catch {
    return undefined;
  }
}

/** The first transition to ALARM at or after `since`, in time order. */
export function firstAlarmTransition(
  items: readonly { Timestamp?: Date; HistoryItemType?: string; HistoryData?: string }[],
  since: Date,
): AlarmTransition | undefined {
  return items
    .map(parseAlarmHistoryItem)
    .filter((t): t is AlarmTransition => t !== undefined && t.to === 'ALARM' && t.at.getTime() >= since.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
}

export interface AlarmNotification {
  alarmName: string;
  newState: string;
  oldState: string;
  /** The alarm's StateChangeTime. */
  stateChangeAt: Date | undefined;
  /** When SNS published it (the envelope's Timestamp). */
  publishedAt: Date | undefined;
  subject: string;
}

/**
 * An SQS message body as SNS delivers it without raw message delivery: a JSON envelope (`Type` Notification,
 * `TopicArn`, `Subject`, `Message`, `Timestamp`) whose `Message` is CloudWatch's alarm JSON (`AlarmName`,
 * `NewStateValue`, `OldStateValue`, `StateChangeTime` such as `2015-06-03T17:43:27.123+0000`).
 * Returns the notification, or a reason it is not one from this topic.
 */
export function parseAlarmNotification(body: string, topicArn: string): AlarmNotification | { ignored: string } {
  let envelope: { Type?: unknown; TopicArn?: unknown; Message?: unknown; Subject?: unknown; Timestamp?: unknown };
  try {
    envelope = JSON.parse(body);
  } catch {
    return { ignored: 'the message is not an SNS notification (not JSON)' };
  }
  if (envelope.Type !== 'Notification') return { ignored: `SNS message of type ${String(envelope.Type)}, not a Notification` };
  if (envelope.TopicArn !== topicArn) return { ignored: `notification from ${String(envelope.TopicArn)}, not ${topicArn}` };
  let alarm: { AlarmName?: unknown; NewStateValue?: unknown; OldStateValue?: unknown; StateChangeTime?: unknown };
  try {
    alarm = JSON.parse(String(envelope.Message));
  } catch {
    return { ignored: 'the notification is not a CloudWatch alarm message (its Message is not JSON)' };
  }
  if (typeof alarm.AlarmName !== 'string' || typeof alarm.NewStateValue !== 'string') {
    return { ignored: 'the notification is not a CloudWatch alarm message (no AlarmName / NewStateValue)' };
  }
  return {
    alarmName: alarm.AlarmName,
    newState: alarm.NewStateValue,
    oldState: String(alarm.OldStateValue ?? 'unknown'),
    stateChangeAt: parseAwsTime(alarm.StateChangeTime),
    publishedAt: parseAwsTime(envelope.Timestamp),
    subject: typeof envelope.Subject === 'string' ? envelope.Subject : '',
  };
}

/** ISO 8601 as AWS writes it, including CloudWatch's `+0000` offset without a colon. */
export function parseAwsTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
