import type { RuleParameters } from '../parameters';
import type { AdvancedEventSelector, EventSelectors, TrailOwnerSnapshot, TrailSnapshot } from '../snapshot';
import type { LinkReport } from './report';

/**
 * The trail link: is the trail multi-region (unless RequireMultiRegionTrail=false), logging, and do its event
 * selectors keep every required S3 management write event?
 */

/** `owner`: the trail owner's account, when the trail is another account's, read through its role. */
export function judgeTrail(trail: TrailSnapshot, parameters: RuleParameters, owner?: TrailOwnerSnapshot): LinkReport {
  if (!trail.status || !trail.selectors) throw new Error(`incomplete snapshot: status and event selectors of trail ${trail.name} were not read`);
  const problems: string[] = [];
  if (parameters.requireMultiRegionTrail && !trail.isMultiRegionTrail) {
    problems.push(`is a single-region trail (${trail.homeRegion}): bucket policy changes in other regions are not recorded (RequireMultiRegionTrail=true)`);
  }
  if (!trail.status.isLogging) problems.push('is not logging (run StartLogging)');
  const selectorProblem = managementWriteProblem(trail.selectors, parameters.requiredEvents);
  if (selectorProblem) problems.push(selectorProblem);
  const subject = `Trail ${trail.name}`;
  if (problems.length) return { link: 'trail', status: 'broken', subject, detail: problems.join('; ') };
  const scope = trail.isMultiRegionTrail ? 'multi-region' : `single-region (${trail.homeRegion})`;
  const whose = owner ? `${trail.isOrganizationTrail ? 'an organization trail' : 'a trail'} of account ${owner.accountId} (read through ${owner.roleArn}), ` : '';
  return { link: 'trail', status: 'ok', subject, detail: `is ${whose}${scope}, logging, and records management write events` };
}

/** Why the trail's event selectors drop S3 management write events, or undefined when they keep them all. */
function managementWriteProblem(selectors: EventSelectors, requiredEvents: readonly string[]): string | undefined {
  if (selectors.advanced.length > 0) return advancedSelectorProblem(selectors.advanced, requiredEvents);
  if (selectors.classic.length === 0) return 'records no events (it has no event selectors)';
  const management = selectors.classic.filter((selector) => selector.includeManagementEvents !== false);
  if (management.length === 0) return 'records no management events (IncludeManagementEvents is false)';
  const writes = management.filter((selector) => (selector.readWriteType ?? 'All') !== 'ReadOnly');
  if (writes.length === 0) return 'records only read-only management events (ReadWriteType ReadOnly), not bucket policy changes';
  if (writes.every((selector) => selector.excludeManagementEventSources?.includes(S3_EVENT_SOURCE))) {
    return `excludes ${S3_EVENT_SOURCE} management events (ExcludeManagementEventSources)`;
  }
  return undefined;
}

const S3_EVENT_SOURCE = 's3.amazonaws.com';

/** The advanced-selector fields of a successful S3 management write event; any other field varies between calls. */
function managementWriteFields(eventName: string): Record<string, string> {
  return { eventCategory: 'Management', readOnly: 'false', eventSource: S3_EVENT_SOURCE, eventName, eventType: 'AwsApiCall' };
}

function advancedSelectorProblem(selectors: AdvancedEventSelector[], requiredEvents: readonly string[]): string | undefined {
  const dropping = (selector: AdvancedEventSelector, eventName: string) =>
    selector.fieldSelectors.find((field) => !fieldSelectorMatches(field, managementWriteFields(eventName)));
  const missed = requiredEvents.filter((eventName) => !selectors.some((selector) => dropping(selector, eventName) === undefined));
  if (missed.length === 0) return undefined;
  const management = selectors.filter((selector) =>
    selector.fieldSelectors.some((field) => field.field === 'eventCategory' && (field.equals ?? []).includes('Management')),
  );
  if (management.length === 0) return 'records no management events (no advanced event selector has eventCategory Equals Management)';
  const reasons = management.map((selector) => {
    const field = dropping(selector, missed[0]!)!;
    return `selector "${selector.name ?? 'unnamed'}" keeps only ${conditionText(field)}`;
  });
  return `does not record ${missed.join(', ')} (advanced event ${reasons.join('; ')})`;
}

type FieldSelector = AdvancedEventSelector['fieldSelectors'][number];

/**
 * An advanced field selector on a record: positive operators (Equals, StartsWith, EndsWith) need one value to
 * hold, negative ones (NotEquals, NotStartsWith, NotEndsWith) need every value to hold. A condition on a field
 * the record does not fix (who made the call, which bucket) keeps only some of the changes.
 */
function fieldSelectorMatches(field: FieldSelector, record: Record<string, string>): boolean {
  const value = record[field.field];
  if (value === undefined) return false;
  const positive = [
    ...(field.equals ?? []).map((x) => value === x),
    ...(field.startsWith ?? []).map((x) => value.startsWith(x)),
    ...(field.endsWith ?? []).map((x) => value.endsWith(x)),
  ];
  if (positive.length > 0 && !positive.includes(true)) return false;
  return (
    !(field.notEquals ?? []).includes(value) &&
    !(field.notStartsWith ?? []).some((x) => value.startsWith(x)) &&
    !(field.notEndsWith ?? []).some((x) => value.endsWith(x))
  );
}

function conditionText(field: FieldSelector): string {
  const operators = ['equals', 'startsWith', 'endsWith', 'notEquals', 'notStartsWith', 'notEndsWith'] as const;
  const parts = operators
    .filter((operator) => field[operator]?.length)
    .map((operator) => `${operator[0]!.toUpperCase()}${operator.slice(1)} ${field[operator]!.join(', ')}`);
  return `${field.field} ${parts.join(' and ') || '(no condition)'}`;
}
