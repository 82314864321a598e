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
    // The engine's words, shared with analyze-filter: "matches no X record" only when it matches none, otherwise
    // which records escape ("misses PutBucketPolicy records made by the root user").
    problems.push(analysis.missSummary);
  }
  if (analysis.overBroad && !parameters.allowOverBroadFilter) {
    problems.push(`is over-broad: it also matches ${analysis.overBroadExample} (AllowOverBroadFilter=true accepts that)`);
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
