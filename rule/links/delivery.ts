import { ArnError, parseLogGroupArn, parseTrailArn, type LogGroupRef } from '../arn';
import type { AccountParts, LogGroupSnapshot, TrailSnapshot } from '../snapshot';
import type { LinkReport } from './report';

/**
 * The delivery link: does the trail send its events to a log group this rule can read, and does CloudTrail
 * deliver there now? GetTrailStatus keeps the last CloudWatch Logs delivery error, but gives it no time, so an
 * error is judged against the latest successful delivery: one within DELIVERY_RECENT_MS of the evaluation shows
 * that delivery works now and the error is history.
 */

/** CloudTrail delivers to CloudWatch Logs within minutes of an event; an hour without delivery is not "now". */
const DELIVERY_RECENT_MS = 60 * 60 * 1000;

export function judgeDelivery(
  trail: TrailSnapshot,
  parts: AccountParts,
  evaluatedRegion: string,
  readAt: string | undefined,
): { link: LinkReport; logGroup?: LogGroupSnapshot } {
  const broken = (detail: string, subject?: string) => ({ link: { link: 'delivery', status: 'broken', subject, detail } as LinkReport });
  if (!trail.cloudWatchLogsLogGroupArn) return broken('sends no events to CloudWatch Logs (the trail has no CloudWatchLogsLogGroupArn)');
  let ref: LogGroupRef;
  try {
    ref = parseLogGroupArn(trail.cloudWatchLogsLogGroupArn);
  } catch (error) {
    if (error instanceof ArnError) return broken(`sends its events to a destination this rule cannot follow: ${error.message}`);
    throw error;
  }
  const subject = `log group ${ref.name}${ref.region === evaluatedRegion ? '' : ` (${ref.region})`}`;
  const trailPartition = parseTrailArn(trail.arn).partition;
  if (ref.partition !== trailPartition) {
    return broken(
      `is in partition ${ref.partition}, but the trail is in ${trailPartition}: CloudTrail cannot deliver across partitions, so it receives nothing (its filters were not read)`,
      subject,
    );
  }
  if (ref.accountId !== parts.accountId) {
    return broken(`is in account ${ref.accountId}, not ${parts.accountId}, so its filters cannot be read here`, subject);
  }
  const logGroup = parts.logGroups.find((group) => group.arn === ref.arn);
  if (!logGroup) throw new Error(`incomplete snapshot: log group ${ref.arn} of trail ${trail.name} was not read`);
  if (!logGroup.exists) return broken(`does not exist in ${ref.region} (account ${ref.accountId})`, subject);
  const problems: string[] = [];
  if (!trail.cloudWatchLogsRoleArn) problems.push('receives nothing: the trail has no CloudWatchLogsRoleArn to deliver with');
  const error = trail.status?.latestCloudWatchLogsDeliveryError;
  const delivered = trail.status?.latestCloudWatchLogsDeliveryTime;
  const recent = delivered !== undefined && readAt !== undefined && Date.parse(readAt) - Date.parse(delivered) <= DELIVERY_RECENT_MS;
  if (error && !recent) {
    const last = delivered ? `; the last successful delivery was at ${delivered}` : '; CloudTrail has never delivered';
    problems.push(`receives nothing: CloudTrail fails to deliver (${error})${last}`);
  }
  if (problems.length) return { link: { link: 'delivery', status: 'broken', subject, detail: problems.join('; ') }, logGroup };
  const history = error ? `; the delivery error "${error}" is history: CloudTrail delivered since, at ${delivered}` : '';
  return { link: { link: 'delivery', status: 'ok', subject, detail: `receives the trail's events (${ref.arn})${history}` }, logGroup };
}
