import { analyzeFilterPattern } from '../rule/filter-pattern';
import { CIS_EVENT_NAMES, CIS_FILTER_PATTERN, POLICY_EVENT_NAMES } from '../rule/events/canonical';
import { readCorpus, type AccountPatternCase } from '../test/support/corpus';
import { table, type Section } from './measure';

/**
 * The peers' matching rules, each re-implemented in a few lines from its description in docs/spec/peers.md
 * ("Matching rules of the peers"). They are reconstructions for this benchmark, not the peers' code.
 * A peer's PASS means "this filter monitors S3 bucket policy changes".
 */
const strip = (text: string) => text.replace(/\s+/g, '');

const PEERS: Record<string, (pattern: string) => boolean> = {
  // Prowler since 2026-06: one positive lookahead per clause, DOTALL, optional quote, word boundary after names.
  'Prowler (lookahead regex)': (pattern) =>
    new RegExp(`^(?=.*\\$\\.eventSource\\s*=\\s*.?s3\\.amazonaws\\.com)${CIS_EVENT_NAMES.map((name) => `(?=.*\\$\\.eventName\\s*=\\s*.?${name}\\b)`).join('')}`, 's').test(pattern),
  // Prowler before 2026-06: the same clauses joined by .+ in CIS order, no word boundary.
  'Prowler < 2026-06 (ordered regex)': (pattern) =>
    new RegExp(['\\$\\.eventSource\\s*=\\s*.?s3\\.amazonaws\\.com', ...CIS_EVENT_NAMES.map((name) => `\\$\\.eventName\\s*=\\s*.?${name}`)].join('.+'), 's').test(pattern),
  // Steampipe compliance mod: POSIX regex, CIS order, unquoted values (PostgreSQL's . matches newlines).
  'Steampipe (ordered regex)': (pattern) =>
    new RegExp(`\\s*\\$\\.eventSource\\s*=\\s*s3.amazonaws.com.+${CIS_EVENT_NAMES.map((name) => `\\$\\.eventName\\s*=\\s*${name}`).join('.+')}`, 's').test(pattern),
  // CloudSploit: strip whitespace, lower-case, compare with the spaced CIS text.
  'CloudSploit (normalized equality)': (pattern) => strip(pattern).toLowerCase() === strip(CIS_FILTER_PATTERN).toLowerCase(),
  // Trivy AVD-AWS-0154: strip whitespace, the compact CIS text must be a substring.
  'Trivy (substring)': (pattern) => strip(pattern).includes(strip(CIS_FILTER_PATTERN)),
  // Security Hub CloudWatch.8: the exact CIS filter, whitespace aside; no extra terms.
  'Security Hub CloudWatch.8 (exact CIS text)': (pattern) => strip(pattern) === strip(CIS_FILTER_PATTERN),
};

interface Tally {
  right: number;
  falsePass: string[];
  falseFail: string[];
}

function judge(corpus: readonly AccountPatternCase[], truth: (c: AccountPatternCase) => boolean, verdict: (pattern: string) => boolean): Tally {
  const tally: Tally = { right: 0, falsePass: [], falseFail: [] };
  for (const c of corpus) {
    const expected = truth(c);
    const actual = verdict(c.pattern);
    if (actual === expected) tally.right++;
    else (actual ? tally.falsePass : tally.falseFail).push(c.id);
  }
  return tally;
}

const list = (ids: readonly string[]) => (ids.length === 0 ? '—' : ids.map((id) => `\`${id}\``).join(', '));

export function benchPeers(): Section {
  const corpus = readCorpus<AccountPatternCase[]>('account-filter-patterns.json');
  const ours = (events: readonly string[]) => (pattern: string) => {
    const analysis = analyzeFilterPattern(pattern, events);
    return analysis.coversRequiredEvents && !analysis.overBroad;
  };
  const questions = [
    {
      name: 'CIS 4.8 question: does the filter catch all nine CIS events and nothing benign?',
      truth: (c: AccountPatternCase) => c.valid === true && c.coversCisEvents && !c.overBroad,
      ours: ours(CIS_EVENT_NAMES),
    },
    {
      name: "The rule's default question: does it catch PutBucketPolicy and DeleteBucketPolicy and nothing benign?",
      truth: (c: AccountPatternCase) => c.valid === true && c.coversSeedEvents && !c.overBroad,
      ours: ours(POLICY_EVENT_NAMES),
    },
  ];
  const parts: string[] = [
    `Inputs: the ${corpus.length} filter patterns of reference-data/account-filter-patterns.json, with the corpus's own verdicts as the truth. ` +
      "The peers' matching rules are re-implemented in a few lines each from docs/spec/peers.md (bench/peers.ts); they judge the pattern text only, so the same verdicts apply to both questions.",
  ];
  for (const question of questions) {
    const rows = [['s3-policy-watch (semantic)', question.ours] as const, ...Object.entries(PEERS)].map(([name, verdict]) => {
      const tally = judge(corpus, question.truth, verdict);
      return [name, `${tally.right}/${corpus.length}`, tally.falsePass.length, tally.falseFail.length, list(tally.falsePass), list(tally.falseFail)];
    });
    parts.push(`### ${question.name}`, table(['tool', 'right', 'false PASS', 'false FAIL', 'false PASS on', 'false FAIL on'], rows));
  }
  return { title: 'Filter judgement accuracy against peers', body: parts.join('\n\n') };
}
