import { isSnsTopicArn, parseTopicArn, parseTrailArn, ArnError } from './arn';
import { isSecurityHubExactText } from './events/canonical';
import { analyzeFilterPattern, type FilterAnalysis } from './filter-pattern';
import { judgeAlarm, watchesMetricNamed, type AlarmJudgement } from './links/alarm';
import { judgeDelivery } from './links/delivery';
import { changesText, eventsText, judgeFilter } from './links/filter';
import { judgeTopic, type AlarmNotification, type NotifyingAlarm } from './links/notification';
import { LINK_KINDS, metricText, type LinkReport } from './links/report';
import { judgeTrail } from './links/trail';
import type { RuleParameters } from './parameters';
import type {
  AccountParts,
  AccountSnapshot,
  AlarmSnapshot,
  CompositeAlarmSnapshot,
  LogGroupSnapshot,
  MetricFilterSnapshot,
  TrailOwnerSnapshot,
  TrailSnapshot,
} from './snapshot';

export { LINK_KINDS, metricText, type LinkKind, type LinkReport } from './links/report';

/**
 * The verdict, decided from a snapshot alone (pure): is there one complete chain
 * trail -> CloudWatch Logs delivery -> metric filter -> alarm -> SNS topic with a subscriber?
 * This file walks the chains and writes the annotation; each link is judged by its own module in rule/links/
 * (trail, delivery, filter, alarm, notification). Every chain the account offers is reported link by link; the
 * annotation describes the complete chain, or the most complete one and where it breaks.
 */

export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

export interface ChainReport {
  status: 'complete' | 'broken' | 'not-applicable';
  /** From the trail on, as far as the chain could be followed. */
  links: LinkReport[];
  trailArn: string;
  /** Set when the chain was followed in the trail owner's account (TrailOwnerReadRoleName), not the evaluated one. */
  readInAccount?: string;
  logGroupArn?: string;
  filterName?: string;
  alarmArn?: string;
  /** Set when the notification goes through a composite alarm whose rule names the chain's alarm. */
  compositeAlarmArn?: string;
  topicArn?: string;
  filterPattern?: string;
}

export interface Verdict {
  compliance: Compliance;
  /** At most 256 characters (AWS Config's limit). */
  annotation: string;
  chains: ChainReport[];
  /** When COMPLIANT with a filter Security Hub CloudWatch.8 will not accept. */
  securityHubNote?: string;
}

export const MAX_ANNOTATION_LENGTH = 256;

export function evaluateAccount(snapshot: AccountSnapshot, parameters: RuleParameters): Verdict {
  const chains = new ChainBuilder(snapshot, parameters).build();
  const complete = chains.find((chain) => chain.status === 'complete');
  if (complete) {
    return {
      compliance: 'COMPLIANT',
      annotation: fitAnnotation(
        complete.links.map(subjectOf),
        `${changesText(parameters.requiredEvents)} raise this alarm, which reaches a subscriber`,
        'every required change raises this alarm, which reaches a subscriber',
        readInLead(complete),
      ),
      chains,
      ...securityHubNote(complete),
    };
  }
  const foreign = chains.find((chain) => chain.status === 'not-applicable');
  if (foreign) return { compliance: 'NOT_APPLICABLE', annotation: fitAnnotation([], sentence(foreign.links[0]!)), chains };
  if (chains.length === 0) {
    return {
      compliance: 'NON_COMPLIANT',
      annotation: `No CloudTrail trail is visible from ${snapshot.region}, so S3 bucket policy changes are not recorded: create a multi-region trail that sends management events to CloudWatch Logs`,
      chains,
    };
  }
  return { compliance: 'NON_COMPLIANT', annotation: brokenChainAnnotation(byCompleteness(chains)[0]!), chains };
}

/** Whether a filter catches at least one required event, so that its alarms are worth reading. */
export function catchesRequiredEvent(filter: MetricFilterSnapshot, parameters: RuleParameters): boolean {
  return analyzeFilterPattern(filter.pattern, parameters.requiredEvents).coveredEvents.length > 0;
}

// ---------------------------------------------------------------- chains

/** Enumerates the chains an account offers, trail by trail, judging each link on the way. */
class ChainBuilder {
  private readonly analyses = new Map<string, FilterAnalysis>();

  constructor(
    private readonly snapshot: AccountSnapshot,
    private readonly parameters: RuleParameters,
  ) {}

  build(): ChainReport[] {
    const chains: ChainReport[] = [];
    for (const trail of this.snapshot.trails) {
      const readIn = this.readIn(trail);
      if (!readIn) {
        chains.push({ status: 'not-applicable', links: [this.foreignTrail(trail)], trailArn: trail.arn });
        continue;
      }
      const { parts, owner } = readIn;
      const base = { trailArn: trail.arn, ...(owner ? { readInAccount: owner.accountId } : {}) };
      const trailLink = judgeTrail(trail, this.parameters, owner);
      const delivery = judgeDelivery(trail, parts, this.snapshot.region, this.snapshot.readAt);
      if (!delivery.logGroup) {
        chains.push(chain(base, [trailLink, delivery.link]));
        continue;
      }
      const logGroup = delivery.logGroup;
      const toLogGroup = { ...base, logGroupArn: logGroup.arn };
      for (const filterStep of this.filterSteps(logGroup)) {
        const filter = filterStep.filter;
        const toFilter = { ...toLogGroup, filterName: filter?.name, filterPattern: filter?.pattern };
        if (!filter || !filterStep.followAlarms) {
          chains.push(chain(toFilter, [trailLink, delivery.link, filterStep.link]));
          continue;
        }
        const filterChains: { report: ChainReport; covers: string[] }[] = [];
        for (const alarmStep of this.alarmSteps(filter, logGroup, parts)) {
          const alarm = alarmStep.alarm;
          const toAlarm = { ...toFilter, alarmArn: alarm?.arn };
          if (!alarm) {
            chains.push(chain(toAlarm, [trailLink, delivery.link, filterStep.link, alarmStep.judgement.link]));
            continue;
          }
          for (const notification of this.notificationSteps(alarm, parts)) {
            const refs = { ...toAlarm, topicArn: notification.topicArn, compositeAlarmArn: notification.compositeAlarmArn };
            const report = chain(refs, [trailLink, delivery.link, filterStep.link, alarmStep.judgement.link, notification.link]);
            filterChains.push({ report, covers: alarmStep.judgement.covers });
          }
        }
        chains.push(...requireEveryEvent(filterChains, this.parameters.requiredEvents));
      }
    }
    return chains;
  }

  /**
   * Where the rest of the trail's chain was read: this account for its own trails, the owner's account for a trail
   * of another account read through TrailOwnerReadRoleName; undefined for one that was not read.
   */
  private readIn(trail: TrailSnapshot): { parts: AccountParts; owner?: TrailOwnerSnapshot } | undefined {
    const account = parseTrailArn(trail.arn).accountId;
    if (account === this.snapshot.accountId) return { parts: this.snapshot };
    const owner = this.snapshot.trailOwners?.find((candidate) => candidate.accountId === account);
    return owner && { parts: owner, owner };
  }

  /** A trail of another account (an organization trail seen from a member), not read there: not this account's to judge. */
  private foreignTrail(trail: TrailSnapshot): LinkReport {
    const owner = parseTrailArn(trail.arn).accountId;
    const kind = trail.isOrganizationTrail ? 'an organization trail' : 'a trail';
    return {
      link: 'trail',
      status: 'not-applicable',
      subject: `Trail ${trail.name}`,
      detail: `is ${kind} of account ${owner}: its log group, filter and alarm are that account's, and are judged there (or from here with the rule parameter TrailOwnerReadRoleName), not in ${this.snapshot.accountId}`,
    };
  }

  private filterSteps(logGroup: LogGroupSnapshot): { link: LinkReport; filter?: MetricFilterSnapshot; followAlarms?: boolean }[] {
    const required = this.parameters.requiredEvents;
    // Filters for other purposes (root logins, IAM changes...) are not chains of this rule; a filter is one if it
    // catches a required event or at least names one (an AND-ed pattern that can never fire, say).
    const candidates = logGroup.filters.filter(
      (filter) => this.analysisOf(filter).coveredEvents.length > 0 || required.some((name) => filter.pattern.includes(name)),
    );
    if (candidates.length === 0) {
      const count = logGroup.filters.length;
      const detail =
        count === 0
          ? `has no metric filter: add one that matches ${eventsText(required)}`
          : `has ${count} metric filter${count === 1 ? '' : 's'}, none of which matches ${eventsText(required)}: add one that does`;
      return [{ link: { link: 'filter', status: 'broken', detail } }];
    }
    return candidates.map((filter) => {
      const analysis = this.analysisOf(filter);
      return { link: judgeFilter(filter, analysis, this.parameters), filter, followAlarms: analysis.coveredEvents.length > 0 };
    });
  }

  private alarmSteps(filter: MetricFilterSnapshot, logGroup: LogGroupSnapshot, parts: AccountParts): { judgement: AlarmJudgement; alarm?: AlarmSnapshot }[] {
    const region = logGroup.region;
    const alarms = parts.alarms.filter((alarm) => alarm.region === region && watchesMetricNamed(alarm, filter.metric));
    if (alarms.length === 0) {
      const searchedMath = parts.alarmSearches.some((search) => search.region === region && search.metricMath);
      const detail = `has no alarm in ${region} on its metric ${metricText(filter.metric)}${searchedMath ? ' (standard, metric-math or Metrics Insights)' : ''}: alarms must be in the log group's region`;
      return [{ judgement: { link: { link: 'alarm', status: 'broken', detail }, covers: [] } }];
    }
    const written = parts.metricPublishers?.find((entry) => entry.region === region && entry.namespace === filter.metric.namespace && entry.name === filter.metric.name);
    if (!written) throw new Error(`incomplete snapshot: the writers of metric ${metricText(filter.metric)} in ${region} were not read`);
    const context = {
      filter,
      logGroupName: logGroup.name,
      publishers: written.filters,
      requiredEvents: this.parameters.requiredEvents,
      ...(this.snapshot.readAt ? { readAt: this.snapshot.readAt } : {}),
      matchesOtherRecords: (other: MetricFilterSnapshot) => {
        const analysis = this.analysisOf(other);
        return !analysis.valid || analysis.overBroad || analysis.coveredEvents.length === 0;
      },
    };
    return alarms.map((alarm) => ({ judgement: judgeAlarm(alarm, context), alarm }));
  }

  /** The alarm's own SNS topics, and those of composite alarms whose rule fires with it. */
  private notificationSteps(alarm: AlarmSnapshot, parts: AccountParts): NotificationStep[] {
    const composites = (parts.compositeAlarms ?? []).filter((composite) => composite.childArn === alarm.arn);
    const own = alarm.alarmActions.filter(isSnsTopicArn);
    if (own.length === 0 && composites.length === 0) {
      const others = alarm.alarmActions.length ? ` (its actions: ${alarm.alarmActions.join(', ')})` : ' (AlarmActions is empty)';
      return [{ link: { link: 'notification', status: 'broken', detail: `notifies no SNS topic${others}` } }];
    }
    const steps: NotificationStep[] = own.map((topicArn) => ({ ...this.topicStep(topicArn, alarm, parts, this.publisherOf(alarm, alarm)), topicArn }));
    for (const composite of composites) {
      const problem = compositeProblem(composite, alarm);
      const subject = `composite alarm "${composite.name}"`;
      if (problem) {
        steps.push({ link: { link: 'notification', status: 'broken', subject, detail: problem }, compositeAlarmArn: composite.arn });
        continue;
      }
      for (const topicArn of composite.alarmActions.filter(isSnsTopicArn)) {
        const step = this.topicStep(topicArn, composite, parts, this.publisherOf(composite, alarm));
        steps.push({ link: { ...step.link, subject: `${step.link.subject ?? 'topic'} (through ${subject})` }, topicArn, compositeAlarmArn: composite.arn });
      }
    }
    return steps;
  }

  private topicStep(topicArn: string, publisher: { name: string }, parts: AccountParts, as: NotifyingAlarm): { link: LinkReport } {
    try {
      parseTopicArn(topicArn);
    } catch (error) {
      if (!(error instanceof ArnError)) throw error;
      return { link: { link: 'notification', status: 'broken', detail: `notifies a destination this rule cannot follow: ${error.message}` } };
    }
    const topic = parts.topics.find((candidate) => candidate.arn === topicArn);
    if (!topic) throw new Error(`incomplete snapshot: topic ${topicArn} of alarm ${publisher.name} was not read`);
    return { link: judgeTopic(topic, as, this.parameters) };
  }

  /** CloudWatch publishes on behalf of `source` (the alarm, or its composite parent); the body describes `metricAlarm`. */
  private publisherOf(source: { name: string; arn: string; alarmActions: string[] }, metricAlarm: AlarmSnapshot): NotifyingAlarm {
    const accountId = source.arn.split(':')[4] ?? '';
    const notification: AlarmNotification = {
      AlarmName: source.name,
      AlarmArn: source.arn,
      AWSAccountId: accountId,
      AlarmActions: source.alarmActions,
      Trigger: metricAlarm.metric
        ? {
            MetricName: metricAlarm.metric.name,
            Namespace: metricAlarm.metric.namespace,
            Period: metricAlarm.period,
            EvaluationPeriods: metricAlarm.evaluationPeriods,
            ComparisonOperator: metricAlarm.comparisonOperator,
            Threshold: metricAlarm.threshold,
            TreatMissingData: metricAlarm.treatMissingData ?? 'missing',
          }
        : {},
    };
    return { name: source.name, arn: source.arn, accountId, notification };
  }

  private analysisOf(filter: MetricFilterSnapshot): FilterAnalysis {
    let analysis = this.analyses.get(filter.pattern);
    if (!analysis) {
      analysis = analyzeFilterPattern(filter.pattern, this.parameters.requiredEvents);
      this.analyses.set(filter.pattern, analysis);
    }
    return analysis;
  }
}

/**
 * A composite alarm notifies when the chain's alarm does if its rule is a disjunction naming it (ALARM("name") or
 * ALARM(arn), joined by OR): any AND or NOT makes the other alarms' states decide.
 */
function compositeProblem(composite: CompositeAlarmSnapshot, child: AlarmSnapshot): string | undefined {
  if (!composite.actionsEnabled) return 'has its actions disabled (ActionsEnabled=false)';
  if (composite.alarmActions.filter(isSnsTopicArn).length === 0) return 'notifies no SNS topic';
  const terms = composite.alarmRule.split(/\s+OR\s+/i).map((term) => term.trim().replace(/^\((.*)\)$/s, '$1').trim());
  const names = terms.map((term) => /^ALARM\(\s*"?([^")]+)"?\s*\)$/i.exec(term)?.[1]);
  if (names.includes(undefined)) return `has the rule ${composite.alarmRule}, in which other alarms' states decide whether it fires with "${child.name}" (only ALARM(...) terms joined by OR are followed)`;
  if (!names.some((name) => name === child.name || name === child.arn)) return `has a rule that does not name "${child.name}"`;
  return undefined;
}

/**
 * For a dimensioned filter each alarm may watch the metric of some required events only (one alarm per
 * $.eventName value): the chains count only if, together, the working ones watch every required event.
 */
function requireEveryEvent(filterChains: { report: ChainReport; covers: string[] }[], requiredEvents: readonly string[]): ChainReport[] {
  const working = filterChains.filter(({ report }) => report.status === 'complete');
  const watched = new Set(working.flatMap(({ covers }) => covers));
  const unwatched = requiredEvents.filter((event) => !watched.has(event));
  if (unwatched.length === 0) return filterChains.map(({ report }) => report);
  return filterChains.map(({ report, covers }) => {
    if (report.status !== 'complete') return report;
    const links = report.links.map((link) =>
      link.link === 'alarm'
        ? {
            ...link,
            status: 'broken' as const,
            detail: `watches the metric of ${covers.join(', ')} only, and no working alarm watches that of ${unwatched.join(', ')}, so ${unwatched.join(', ')} changes notify nobody (${link.detail})`,
          }
        : link,
    );
    return { ...report, status: 'broken' as const, links };
  });
}

type ChainRefs = Omit<ChainReport, 'status' | 'links'>;

interface NotificationStep {
  link: LinkReport;
  topicArn?: string;
  compositeAlarmArn?: string;
}

function chain(refs: ChainRefs, links: LinkReport[]): ChainReport {
  const complete = links.length === LINK_KINDS.length && links.every((link) => link.status === 'ok');
  const defined = Object.fromEntries(Object.entries(refs).filter(([, value]) => value !== undefined)) as ChainRefs;
  return { status: complete ? 'complete' : 'broken', links, ...defined };
}

// ---------------------------------------------------------------- annotation

function sentence(link: LinkReport): string {
  return link.subject ? `${link.subject} ${link.detail}` : link.detail;
}

function subjectOf(link: LinkReport): string {
  return link.subject ?? link.link;
}

/**
 * The chains in the order a person reads them: complete ones first, then broken ones with the most working links
 * (ties: the one that breaks furthest along); among equals, the order they were found in.
 */
export function byCompleteness(chains: readonly ChainReport[]): ChainReport[] {
  const complete = (chain: ChainReport) => (chain.status === 'complete' ? 1 : 0);
  const score = (chain: ChainReport) => {
    const ok = chain.links.filter((link) => link.status === 'ok').length;
    const firstBroken = chain.links.findIndex((link) => link.status !== 'ok');
    return ok * LINK_KINDS.length + firstBroken;
  };
  return [...chains].sort((a, b) => complete(b) - complete(a) || score(b) - score(a));
}

function brokenChainAnnotation(chain: ChainReport): string {
  const firstBroken = chain.links.findIndex((link) => link.status !== 'ok');
  const later = chain.links.slice(firstBroken + 1).filter((link) => link.status !== 'ok').length;
  let text = sentence(chain.links[firstBroken]!);
  if (later > 0) text += ` (and ${later} more broken link${later === 1 ? '' : 's'} further on)`;
  else if (chain.links.length === LINK_KINDS.length && firstBroken < LINK_KINDS.length - 1) text += ' (the rest of the chain works)';
  return fitAnnotation(chain.links.slice(0, firstBroken).map(subjectOf), text, text, readInLead(chain));
}

/** A chain followed in the trail owner's account says so first, so that the reader knows which account to fix. */
function readInLead(chain: ChainReport): string {
  return chain.readInAccount ? `In trail owner account ${chain.readInAccount}: ` : '';
}

/**
 * `lead prefix → prefix: text` within Config's 256 characters: the whole path with the text, else the whole path
 * with the short text, else the last step of the path, else the text alone (cut if it must be). The lead stays.
 */
function fitAnnotation(prefix: string[], text: string, shortText = text, lead = ''): string {
  const join = (parts: string[], body: string) => lead + (parts.length ? `${parts.join(' → ')}: ${body}` : body);
  const candidates = [join(prefix, text), join(prefix, shortText), join(prefix.slice(-1), text), join([], text)];
  const fitting = candidates.find((candidate) => candidate.length <= MAX_ANNOTATION_LENGTH);
  return fitting ?? `${truncate(join([], text), MAX_ANNOTATION_LENGTH - 1)}…`;
}

/** The first `length` UTF-16 units of `text`, never half of a surrogate pair (an emoji in a name): that is not text. */
function truncate(text: string, length: number): string {
  const cut = text.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function securityHubNote(complete: ChainReport): { securityHubNote?: string } {
  const pattern = complete.filterPattern;
  if (pattern === undefined || isSecurityHubExactText(pattern)) return {};
  return {
    securityHubNote: `COMPLIANT here, but Security Hub CloudWatch.8 will still fail: filter "${complete.filterName}" is not the exact CIS filter text it demands`,
  };
}
