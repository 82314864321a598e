import { byCompleteness, LINK_KINDS, type ChainReport, type Compliance, type Verdict } from '../rule/evaluate';
import type { RuleParameters } from '../rule/parameters';

/** What `check` prints: the verdict, where and how it was reached, and every chain considered. */
export interface CheckResult {
  compliance: Compliance;
  annotation: string;
  accountId: string;
  region: string;
  requiredEvents: string[];
  apiCalls: number;
  /** Set when COMPLIANT with a filter Security Hub CloudWatch.8 will not accept. */
  securityHubNote: string | null;
  chains: ChainReport[];
}

export function checkResult(verdict: Verdict, accountId: string, region: string, parameters: RuleParameters, apiCalls: number): CheckResult {
  return {
    compliance: verdict.compliance,
    annotation: verdict.annotation,
    accountId,
    region,
    requiredEvents: parameters.requiredEvents,
    apiCalls,
    securityHubNote: verdict.securityHubNote ?? null,
    chains: verdict.chains,
  };
}

const MARKS = { ok: '[ok]', broken: '[BROKEN]', 'not-applicable': '[n/a]' } as const;

/** The text report: a person reads the first lines for the verdict and the chains below for what to fix. */
export function renderCheckReport(result: CheckResult): string {
  const lines = [
    `${result.compliance}: account ${result.accountId}, evaluated from ${result.region} (${result.apiCalls} API calls)`,
    result.annotation,
  ];
  if (result.securityHubNote) lines.push(`Note: ${result.securityHubNote}`);
  lines.push('', `Required events: ${result.requiredEvents.join(', ')}`);
  if (result.chains.length === 0) {
    lines.push('No chain to follow: no trail is visible from this region.');
    return lines.join('\n');
  }
  // Complete chains first, then the broken ones nearest to working: the reader sees what protects them, then what to fix.
  byCompleteness(result.chains).forEach((chain, index) => {
    lines.push('', `Chain ${index + 1} of ${result.chains.length}: ${chain.status}`);
    for (const link of chain.links) {
      const text = link.subject ? `${link.subject} ${link.detail}` : link.detail;
      lines.push(`  ${MARKS[link.status].padEnd(9)} ${link.link.padEnd(12)} ${text}`);
    }
    if (chain.status !== 'not-applicable') {
      const last = chain.links[chain.links.length - 1]!.link;
      for (const kind of LINK_KINDS.slice(LINK_KINDS.indexOf(last) + 1)) {
        lines.push(`  ${'[-]'.padEnd(9)} ${kind.padEnd(12)} not examined: there is nothing to follow past the ${last} link`);
      }
    }
  });
  return lines.join('\n');
}
