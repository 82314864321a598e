import { analyzeMetricValue, type FilterAnalysis } from '../filter-pattern';
import type { RuleParameters } from '../parameters';
import type { MetricFilterSnapshot } from '../snapshot';
import { metricText, type LinkReport } from './report';

/**
 * The filter link: does the filter on the trail's log group match every required change (the filter-pattern
 * analysis decides), nothing benign, and does its value make the metric rise?
 */

export function judgeFilter(filter: MetricFilterSnapshot, analysis: FilterAnalysis, parameters: RuleParameters): LinkReport {
  const subject = `filter "${filter.name}"`;
  const problems: string[] = [];
  if (!analysis.valid) {
    problems.push(`has an invalid pattern (${analysis.error?.message ?? 'parse error'})`);
  } else if (!analysis.coversRequiredEvents) {
    const firstMiss = analysis.missedEvents[0]!;
    const coverage = analysis.coveredEvents.length
      ? `covers ${analysis.coveredEvents.join(', ')} but not ${analysis.missedEvents.join(', ')}`
      : `matches no ${eventsText(analysis.missedEvents)} record`;
    // The engine's reason names the record that escapes (who made the call, which field defeats the filter);
    // its plain "does not match a successful X record" would only repeat the coverage.
    const reason = analysis.missReasons[firstMiss];
    const why = reason && reason !== `does not match a successful ${firstMiss} record` ? ` (${firstMiss}: ${reason})` : '';
    problems.push(`${coverage}${why}`);
  }
  if (analysis.overBroad && !parameters.allowOverBroadFilter) {
    const shown = analysis.benignMatched.slice(0, 3).join(', ');
    const more = analysis.benignMatched.length > 3 ? ` and ${analysis.benignMatched.length - 3} more` : '';
    problems.push(`is over-broad: it also matches benign records (${shown}${more}; AllowOverBroadFilter=true accepts that)`);
  }
  const metricValue = analyzeMetricValue(filter.pattern, filter.metric.value, parameters.requiredEvents);
  if (!metricValue.rises) problems.push(`publishes a value that does not raise its metric: ${metricValue.reason}`);
  if (parameters.securityHubParity && !analysis.securityHubExact) {
    problems.push('is not the exact CIS filter text Security Hub CloudWatch.8 demands (SecurityHubParity=true)');
  }
  if (problems.length) return { link: 'filter', status: 'broken', subject, detail: problems.join('; ') };
  return { link: 'filter', status: 'ok', subject, detail: `matches every ${eventsText(parameters.requiredEvents)} record and adds ${filter.metric.value} to ${metricText(filter.metric)}` };
}

export function changesText(events: readonly string[]): string {
  return events.length <= 3 ? `${events.join(' and ')} changes` : `changes of all ${events.length} required events`;
}

export function eventsText(events: readonly string[]): string {
  return events.length <= 3 ? events.join(' or ') : `${events.length} required events (${events.join(', ')})`;
}
