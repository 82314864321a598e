import type { MetricId } from '../snapshot';

/** What each link module reports: one line of the chain, `subject detail`. */

export type LinkKind = 'trail' | 'delivery' | 'filter' | 'alarm' | 'notification';
export const LINK_KINDS: readonly LinkKind[] = ['trail', 'delivery', 'filter', 'alarm', 'notification'];

export interface LinkReport {
  link: LinkKind;
  status: 'ok' | 'broken' | 'not-applicable';
  /** What the link is (`Trail main`, `filter "s3-policy"`); absent when the link has nothing to name. */
  subject?: string;
  /** What holds or breaks, continuing the subject: `is not logging`. */
  detail: string;
}

/** `Namespace/Name{Dim=Value}`, as a person finds the metric in the console. */
export function metricText(metric: MetricId): string {
  const dimensions = Object.entries(metric.dimensions);
  const suffix = dimensions.length === 0 ? '' : `{${dimensions.map(([name, value]) => `${name}=${value}`).join(', ')}}`;
  return `${metric.namespace}/${metric.name}${suffix}`;
}
