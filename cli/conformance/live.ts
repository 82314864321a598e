import { DEFAULT_READINGS, FilterPatternError, parseFilterPattern, testMetricFilter, type Readings } from '../../rule/filter-pattern';
import type { ConformanceCase } from '../reference-data';

/**
 * `conformance --live`, the pure part: which TestMetricFilter requests to send for the conformance cases, and
 * what AWS's answers say about the engine and about each spec ambiguity (a Readings flag). No SDK.
 */

/** TestMetricFilter takes 1 to 50 log event messages per call. */
export const MAX_EVENTS_PER_CALL = 50;

/** The spec's names for the ambiguities the Readings flags settle (docs/spec/filter-patterns.md §8). */
const AMBIGUITY: Record<keyof Readings, string> = {
  termContainment: 'A1',
  optionalTermsIgnoredWhenMixed: 'A2',
  blankPhraseMatchesAll: 'A3',
  notEqualsOnAbsentKey: 'A4',
  midValueStarIsLiteral: 'A5',
  wildcardSelectsOneLevel: 'A6',
  spaceDelimitedWholeMessage: 'A7',
  numberMatchesNumericString: 'A12',
  starMatchesNonStrings: 'A12',
};

/** One TestMetricFilter call: a pattern and the events of the cases that use it (at most 50). */
export interface LiveRequest {
  pattern: string;
  cases: ConformanceCase[];
}

export function liveRequests(cases: readonly ConformanceCase[]): LiveRequest[] {
  const byPattern = new Map<string, ConformanceCase[]>();
  for (const c of cases) byPattern.set(c.pattern, [...(byPattern.get(c.pattern) ?? []), c]);
  return [...byPattern].flatMap(([pattern, group]) =>
    Array.from({ length: Math.ceil(group.length / MAX_EVENTS_PER_CALL) }, (_, i) => ({ pattern, cases: group.slice(i * MAX_EVENTS_PER_CALL, (i + 1) * MAX_EVENTS_PER_CALL) })),
  );
}

/**
 * AWS's answer to one request: the matched events, or the rejection of the pattern. A match is tied to its case
 * by `eventMessage` (the raw event), which does not depend on how AWS numbers the events.
 */
export type LiveAnswer = { matches: { eventMessage: string; extractedValues?: Record<string, string> }[] } | { rejected: string };

export type Outcome = 'match' | 'no match' | 'rejected';

function engineOutcome(c: ConformanceCase, readings: Readings): { outcome: Outcome; extracted?: Record<string, string> } {
  try {
    parseFilterPattern(c.pattern);
  } catch (error) {
    if (error instanceof FilterPatternError) return { outcome: 'rejected' };
    throw error;
  }
  const match = testMetricFilter(c.pattern, [c.event], readings).matches[0];
  return match ? { outcome: 'match', extracted: match.extractedValues } : { outcome: 'no match' };
}

export interface Disagreement {
  id: string;
  pattern: string;
  event: string;
  aws: Outcome;
  engine: Outcome;
  /** What reference-data/filter-pattern-cases.json expects. */
  expected: Outcome;
  /** Set when both match but extract different values (space-delimited patterns). */
  extractedValues?: { aws: Record<string, string>; engine: Record<string, string> };
}

export interface ReadingVerdict {
  flag: keyof Readings;
  ambiguity: string;
  reading: boolean;
  /** confirmed: AWS answers as the current reading on every case that depends on it; overturned: as the other. */
  verdict: 'confirmed' | 'overturned' | 'mixed' | 'undecided';
  cases: string[];
}

export interface LiveReport {
  region: string;
  cases: number;
  calls: number;
  agreed: number;
  disagreements: Disagreement[];
  readings: ReadingVerdict[];
}

function expectedOutcome(c: ConformanceCase): Outcome {
  if (c.valid === false) return 'rejected';
  return c.matches ? 'match' : 'no match';
}

/** The same extracted values, whatever the order of the keys. */
function sameValues(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Compares AWS's answers (one per request, in order) with the engine under its readings and under each flip. */
export function judgeLive(requests: readonly LiveRequest[], answers: readonly LiveAnswer[], region: string): LiveReport {
  if (answers.length !== requests.length) throw new Error(`${answers.length} answers for ${requests.length} TestMetricFilter requests`);
  const awsOutcomes = new Map<string, { outcome: Outcome; extracted?: Record<string, string> }>();
  requests.forEach((request, index) => {
    const answer = answers[index]!;
    request.cases.forEach((c) => {
      if ('rejected' in answer) return awsOutcomes.set(c.id, { outcome: 'rejected' });
      const match = answer.matches.find((m) => m.eventMessage === c.event);
      awsOutcomes.set(c.id, match ? { outcome: 'match', extracted: match.extractedValues ?? {} } : { outcome: 'no match' });
    });
  });
  const cases = requests.flatMap((request) => request.cases);

  const disagreements: Disagreement[] = [];
  for (const c of cases) {
    const aws = awsOutcomes.get(c.id)!;
    const engine = engineOutcome(c, DEFAULT_READINGS);
    const base = { id: c.id, pattern: c.pattern, event: c.event, aws: aws.outcome, engine: engine.outcome, expected: expectedOutcome(c) };
    if (aws.outcome !== engine.outcome) {
      disagreements.push(base);
    } else if (aws.outcome === 'match' && aws.extracted && Object.keys(aws.extracted).length > 0 && !sameValues(aws.extracted, engine.extracted ?? {})) {
      disagreements.push({ ...base, extractedValues: { aws: aws.extracted, engine: engine.extracted ?? {} } });
    }
  }

  const readings = (Object.keys(DEFAULT_READINGS) as (keyof Readings)[]).map((flag): ReadingVerdict => {
    const flipped = { ...DEFAULT_READINGS, [flag]: !DEFAULT_READINGS[flag] };
    const deciding = cases.filter((c) => engineOutcome(c, DEFAULT_READINGS).outcome !== engineOutcome(c, flipped).outcome);
    const asCurrent = deciding.filter((c) => awsOutcomes.get(c.id)!.outcome === engineOutcome(c, DEFAULT_READINGS).outcome).length;
    const asOther = deciding.filter((c) => awsOutcomes.get(c.id)!.outcome === engineOutcome(c, flipped).outcome).length;
    const verdict = deciding.length === 0 ? 'undecided' : asCurrent === deciding.length ? 'confirmed' : asOther === deciding.length ? 'overturned' : 'mixed';
    return { flag, ambiguity: AMBIGUITY[flag], reading: DEFAULT_READINGS[flag], verdict, cases: deciding.map((c) => c.id) };
  });

  return { region, cases: cases.length, calls: requests.length, agreed: cases.length - disagreements.length, disagreements, readings };
}

export function renderLiveReport(report: LiveReport): string {
  const lines = [
    `conformance --live: ${report.cases} cases of reference-data/filter-pattern-cases.json, ${report.calls} TestMetricFilter calls in ${report.region}`,
    `AWS and the engine agree on ${report.agreed} of ${report.cases} cases.`,
  ];
  if (report.disagreements.length > 0) {
    lines.push('', 'Disagreements (AWS decides; the engine or the reference data is wrong):');
    for (const d of report.disagreements) {
      const what = d.extractedValues
        ? `both match, AWS extracts ${JSON.stringify(d.extractedValues.aws)}, the engine ${JSON.stringify(d.extractedValues.engine)}`
        : `AWS: ${d.aws}, engine: ${d.engine} (reference data: ${d.expected})`;
      lines.push(`  ${d.id}: ${what}`, `    pattern ${d.pattern}`, `    event   ${d.event}`);
    }
  }
  lines.push('', 'Spec ambiguities (rule/filter-pattern/readings.ts):');
  for (const r of report.readings) {
    const setting = `${r.ambiguity} ${r.flag} = ${r.reading}`;
    const on = `${r.cases.length} case${r.cases.length === 1 ? '' : 's'}: ${r.cases.join(', ')}`;
    const text = {
      confirmed: `AWS answers as this reading (${on})`,
      overturned: `AWS answers as the OTHER reading: set it to ${!r.reading} (${on})`,
      mixed: `neither reading explains AWS's answers (${on})`,
      undecided: 'no case in the reference data depends on it',
    }[r.verdict];
    lines.push(`  ${setting}: ${text}`);
  }
  lines.push('', 'Report the result: open an issue with the output of `s3-policy-watch conformance --live --format json` (it contains no account data).');
  return lines.join('\n');
}
