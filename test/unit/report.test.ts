import { renderCheckReport, type CheckResult } from '../../cli/report';
import type { ChainReport, LinkReport } from '../../rule/evaluate';

// Five links in order; a chain is reported as far as it could be followed.
const KINDS = ['trail', 'delivery', 'filter', 'alarm', 'notification'] as const;

/** A chain of trail `name` whose first `ok` links work and whose next link (if any) is broken. */
function chain(name: string, ok: number): ChainReport {
  const links: LinkReport[] = KINDS.slice(0, Math.min(ok + 1, KINDS.length)).map((link, i) => ({
    link,
    status: i < ok ? 'ok' : 'broken',
    subject: i === 0 ? `Trail ${name}` : undefined,
    detail: i < ok ? 'works' : 'breaks here',
  }));
  return { status: ok === KINDS.length ? 'complete' : 'broken', links, trailArn: `arn:aws:cloudtrail:us-east-1:123456789012:trail/${name}` };
}

const result = (chains: ChainReport[]): CheckResult => ({
  compliance: chains.some((c) => c.status === 'complete') ? 'COMPLIANT' : 'NON_COMPLIANT',
  annotation: 'annotation',
  accountId: '123456789012',
  region: 'us-east-1',
  requiredEvents: ['PutBucketPolicy', 'DeleteBucketPolicy'],
  apiCalls: 5,
  securityHubNote: null,
  chains,
});

/** The trail names in the order the report lists the chains, with each chain's heading. */
const order = (text: string) => [...text.matchAll(/^(Chain \d of \d: \w+)\n\s+\S+\s+trail\s+Trail (\S+)/gm)].map((m) => `${m[1]} (${m[2]})`);

describe('the text report of check', () => {
  test('lists complete chains first, then the broken ones nearest to working', () => {
    const text = renderCheckReport(result([chain('at-filter', 2), chain('at-notification', 4), chain('whole', 5), chain('at-trail', 0), chain('at-alarm', 3)]));
    expect(order(text)).toEqual([
      'Chain 1 of 5: complete (whole)',
      'Chain 2 of 5: broken (at-notification)',
      'Chain 3 of 5: broken (at-alarm)',
      'Chain 4 of 5: broken (at-filter)',
      'Chain 5 of 5: broken (at-trail)',
    ]);
  });

  test('a chain broken only at its last link still comes after a complete one found later', () => {
    expect(order(renderCheckReport(result([chain('no-subscriber', 4), chain('whole', 5)])))).toEqual([
      'Chain 1 of 2: complete (whole)',
      'Chain 2 of 2: broken (no-subscriber)',
    ]);
  });

  test('equally complete broken chains keep the order they were found in', () => {
    expect(order(renderCheckReport(result([chain('first', 2), chain('second', 2)])))).toEqual(['Chain 1 of 2: broken (first)', 'Chain 2 of 2: broken (second)']);
  });
});
