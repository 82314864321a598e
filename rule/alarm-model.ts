/**
 * An alarm model (pure): given what writes into an alarm's metric and the alarm's settings, which notifications do
 * two bucket policy changes produce, separated by quiet periods? AlarmActions run when the alarm goes INTO the
 * ALARM state, so a chain works only if the first change takes the alarm to ALARM and the quiet periods after it
 * bring it back out, so that the second change does it again.
 *
 * A period's datapoint is the statistic over the samples published in it: at least one change (the chain's filter
 * adds its value), any number of ordinary log events (each adding the filter's default value, if it has one), and
 * whatever the metric's other publishers add. Quiet periods are all alike in one scenario: all without data (the log
 * groups received nothing), or all with data; every scenario must notify both changes. The evaluation of a window of
 * datapoints follows "Configuring how CloudWatch alarms treat missing data" (CloudWatch User Guide).
 */

export interface Range {
  low: number;
  high: number;
}

/** A value field of a matched record: positive (the filter link checks that), of unknown size. */
export const UNKNOWN_POSITIVE: Range = { low: Number.MIN_VALUE, high: Infinity };
export const ANY_VALUE: Range = { low: -Infinity, high: Infinity };

/** Average and percentiles lie between the smallest and the largest sample of the period. */
export type StatisticKind = 'Sum' | 'SampleCount' | 'Maximum' | 'Minimum' | 'Between';

export function statisticKind(stat: string): StatisticKind | undefined {
  if (stat === 'Sum' || stat === 'SampleCount' || stat === 'Maximum' || stat === 'Minimum') return stat;
  if (stat === 'Average' || /^(p|tm|wm|tc|ts)\d{1,2}(\.\d+)?$/.test(stat) || stat === 'IQM') return 'Between';
  return undefined;
}

export const COMPARISONS: Record<string, { symbol: string; always(range: Range, t: number): boolean; never(range: Range, t: number): boolean }> = {
  GreaterThanThreshold: { symbol: '>', always: (r, t) => r.low > t, never: (r, t) => r.high <= t },
  GreaterThanOrEqualToThreshold: { symbol: '>=', always: (r, t) => r.low >= t, never: (r, t) => r.high < t },
  LessThanThreshold: { symbol: '<', always: (r, t) => r.high < t, never: (r, t) => r.low >= t },
  LessThanOrEqualToThreshold: { symbol: '<=', always: (r, t) => r.high <= t, never: (r, t) => r.low > t },
};

export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

export interface AlarmSettings {
  /** As the alarm names it (`Sum`, `p99`), for the report. */
  stat: string;
  kind: StatisticKind;
  comparisonOperator: keyof typeof COMPARISONS | string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: TreatMissingData;
  /** Metric math FILL(m, k): a period without data evaluates as k instead of missing. */
  missingFill?: number;
}

/** Something that writes into the alarmed metric. */
export interface Publisher {
  /** For the report: `the filter`, `filter "x" of log group y`. */
  label: string;
  /** What it adds for a record it matches. */
  value: Range;
  /** What it adds for every other record of its log group (metricTransformation defaultValue). */
  defaultValue?: number;
  /** Whether it matches records other than the required changes, so that it writes in quiet periods too. */
  matchesOtherRecords: boolean;
}

export interface ModelInput {
  settings: AlarmSettings;
  /** The chain's own filter: it matches every change. */
  filter: Publisher;
  /** Every other filter writing into the same metric (same namespace, name and dimensions). */
  others: Publisher[];
}

export interface ModelResult {
  /** Both changes notify in every scenario. */
  notifiesEveryChange: boolean;
  /** Why not, as the continuation of `alarm "x" ...`; undefined when it does. */
  problem?: string;
  /** The statistic of a period with a change. */
  changePeriod: Range;
}

type Kind = 'breaching' | 'ok' | 'missing';
type State = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

interface Samples {
  /** Values that are there in every such period (at least one sample each). */
  required: Range[];
  /** Values that may be there any number of times, or not at all. */
  optional: { range: Range; label: string }[];
}

/** The statistic over a period's samples, as a range over every possible mix of them; undefined when there are none. */
export function periodStatistic(kind: StatisticKind, { required, optional }: Samples): Range | undefined {
  const all = [...required, ...optional.map((entry) => entry.range)];
  if (all.length === 0) return undefined;
  const low = Math.min(...all.map((range) => range.low));
  const high = Math.max(...all.map((range) => range.high));
  switch (kind) {
    case 'SampleCount':
      return { low: 1, high: Infinity };
    case 'Sum': {
      // Any number of samples: a negative one can pull the sum down without bound, a positive one push it up.
      const negative = all.some((range) => range.low < 0);
      const positive = all.some((range) => range.high > 0);
      const requiredLow = required.length ? Math.min(...required.map((range) => range.low)) : undefined;
      const sumLow = negative ? -Infinity : (requiredLow ?? Math.min(...optional.map((entry) => entry.range.low)));
      const sumHigh = positive ? Infinity : required.length ? Math.max(...required.map((range) => range.high)) : Math.max(...optional.map((entry) => entry.range.high));
      return { low: sumLow, high: sumHigh };
    }
    case 'Maximum':
      return required.length ? { low: Math.max(...required.map((range) => range.low)), high } : { low, high };
    case 'Minimum':
      return required.length ? { low, high: Math.min(...required.map((range) => range.high)) } : { low, high };
    case 'Between':
      return { low, high };
  }
}

function rangeText(range: Range): string {
  if (range.low === range.high) return String(range.low);
  if (range.low === UNKNOWN_POSITIVE.low && range.high === Infinity) return 'some positive value';
  if (range.low === -Infinity) return range.high === Infinity ? 'any value' : `at most ${range.high}`;
  if (range.high === Infinity) return `${range.low} or more`;
  return `between ${range.low} and ${range.high}`;
}

/**
 * The datapoints CloudWatch retrieves for one evaluation: the EvaluationPeriods most recent, and two older ones
 * for when some of those are missing (the documented evaluation range is 5 for 3 evaluation periods).
 */
function evaluationRange(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

/**
 * The state after one evaluation of the evaluation range's datapoints (oldest first), as the documented tables
 * of "Configuring how CloudWatch alarms treat missing data" give it: missing datapoints among the most recent N are
 * replaced by older real ones, then the rest are filled as TreatMissingData says; with missing or ignore the
 * "premature alarm" rule applies (every real datapoint breaching, the oldest at least M periods old).
 */
export function evaluateWindow(range: readonly Kind[], state: State, evaluationPeriods: number, datapointsToAlarm: number, treatMissingData: TreatMissingData): State {
  const n = evaluationPeriods;
  const m = datapointsToAlarm;
  const count = (kinds: readonly Kind[]) => kinds.filter((kind) => kind === 'breaching').length;
  const recent = range.slice(-n);
  if (!recent.includes('missing')) return count(recent) >= m ? 'ALARM' : 'OK';
  const real = range.filter((kind) => kind !== 'missing').slice(-n);
  const fill = n - real.length;
  if (treatMissingData === 'breaching') return count(real) + fill >= m ? 'ALARM' : 'OK';
  if (treatMissingData === 'notBreaching') return count(real) >= m ? 'ALARM' : 'OK';
  if (real.length === 0) return treatMissingData === 'ignore' ? state : 'INSUFFICIENT_DATA';
  if (count(real) >= m) return 'ALARM';
  const oldestBreachingAge = recent.length - 1 - recent.indexOf('breaching');
  const premature = range.every((kind) => kind !== 'ok') && recent.includes('breaching') && oldestBreachingAge + 1 >= m;
  if (premature) return treatMissingData === 'ignore' ? state : 'ALARM';
  return 'OK';
}

interface Timeline {
  /** Whether each change took the alarm INTO the ALARM state while its datapoint was in the window. */
  notified: [boolean, boolean];
  /** The state just before each change. */
  before: [State, State];
}

/**
 * Quiet, change, quiet, change, quiet: each stretch of quiet long enough for the change to leave the evaluation
 * range. While the change's datapoint is in the range, an evaluation depends on its age only through "is it among the
 * N most recent" and "is it M periods old" (the premature rule), and evaluating the same range again gives the same
 * state; so one evaluation per stretch of ages stands for all of them, and the cost does not grow with N squared.
 */
function simulate(settings: AlarmSettings, quiet: Kind, change: Kind): Timeline {
  const n = settings.evaluationPeriods;
  const m = settings.datapointsToAlarm;
  const r = evaluationRange(n);
  const rangeWith = (age?: number): Kind[] => {
    const range = new Array<Kind>(r).fill(quiet);
    if (age !== undefined) range[r - 1 - age] = change;
    return range;
  };
  const ages = [...new Set([0, m - 1, n])].filter((age) => age >= 0 && age < r).sort((x, y) => x - y);
  const evaluate = (range: Kind[], current: State) => evaluateWindow(range, current, n, m, settings.treatMissingData);
  let state: State = 'INSUFFICIENT_DATA';
  const notified: [boolean, boolean] = [false, false];
  const before: [State, State] = ['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA'];
  for (const which of [0, 1] as const) {
    state = evaluate(rangeWith(), state);
    before[which] = state;
    for (const age of ages) {
      const next = evaluate(rangeWith(age), state);
      // The change's own notification: a transition into ALARM while its datapoint is in the evaluation range.
      if (next === 'ALARM' && state !== 'ALARM') notified[which] = true;
      state = next;
    }
  }
  return { notified, before };
}

function kindsOf(range: Range | undefined, settings: AlarmSettings): Kind[] {
  if (!range) return ['missing'];
  const comparison = COMPARISONS[settings.comparisonOperator]!;
  if (comparison.always(range, settings.threshold)) return ['breaching'];
  if (comparison.never(range, settings.threshold)) return ['ok'];
  return ['breaching', 'ok'];
}

/** Runs every scenario and explains the first that misses a change. */
export function modelAlarm({ settings, filter, others }: ModelInput): ModelResult {
  const comparison = COMPARISONS[settings.comparisonOperator];
  if (!comparison) throw new Error(`alarm model: comparison ${settings.comparisonOperator} has no fixed threshold`);
  const defaults = [filter, ...others].flatMap((publisher) =>
    publisher.defaultValue === undefined ? [] : [{ range: { low: publisher.defaultValue, high: publisher.defaultValue }, label: `${publisher.label}'s default value ${publisher.defaultValue}` }],
  );
  const othersMatching = others.map((publisher) => ({ range: publisher.value, label: `${publisher.label}`, always: publisher.matchesOtherRecords }));
  const changePeriod = periodStatistic(settings.kind, { required: [filter.value], optional: [...defaults, ...othersMatching] })!;
  const quietOptional = [...defaults, ...othersMatching.filter((entry) => entry.always)];
  const filled = settings.missingFill !== undefined ? { range: { low: settings.missingFill, high: settings.missingFill }, label: `FILL(${settings.missingFill})` } : undefined;
  const quietPeriod = periodStatistic(settings.kind, { required: [], optional: quietOptional });
  const condition = `${settings.stat} ${comparison.symbol} ${settings.threshold}`;
  const writers = (entries: { label: string }[]) => entries.map((entry) => entry.label).join(', ');

  // Quiet periods with data first: their explanation names the publisher; then quiet periods without any.
  const quietKinds: Kind[] = [...kindsOf(quietPeriod, settings).filter((kind) => kind !== 'missing'), ...(filled ? kindsOf(filled.range, settings) : ['missing' as const])];
  if (filled) quietOptional.push(filled);
  const changeKinds = kindsOf(changePeriod, settings);
  const fail = (problem: string): ModelResult => ({ notifiesEveryChange: false, problem, changePeriod });

  if (changeKinds.includes('ok')) {
    const others = othersMatching.length ? ` (other writers into the metric: ${writers(othersMatching)})` : '';
    return fail(`cannot go to ALARM on every change: a period with changes has ${settings.stat} ${rangeText(changePeriod)}, and the alarm needs ${condition}${others}`);
  }
  for (const quiet of quietKinds) {
    const { notified, before } = simulate(settings, quiet, 'breaching');
    if (notified[0] && notified[1]) continue;
    const quietText =
      quiet === 'missing'
        ? 'while no data arrives'
        : `while ${writers(quietOptional)} ${quietOptional.length === 1 ? 'gives' : 'give'} ${settings.stat} ${rangeText(quietPeriod ?? filled!.range)} without a change`;
    if (before[0] === 'ALARM' || (quiet !== 'missing' && kindsOf(quietPeriod, settings).includes('breaching'))) {
      if (quiet === 'missing') return fail('treats missing data as breaching, so it stays in ALARM while nothing changes and a change triggers no action');
      return fail(`is in ALARM even without a change: ${writers(quietOptional)} ${quietOptional.length === 1 ? 'gives' : 'give'} ${settings.stat} ${rangeText(quietPeriod ?? filled!.range)}, which can meet ${condition}, so a change triggers no action`);
    }
    if (!notified[0]) {
      const m = settings.datapointsToAlarm;
      const why =
        quiet !== 'missing'
          ? `${writers(quietOptional)} ${quietOptional.length === 1 ? 'fills' : 'fill'} the other periods with data that does not breach`
          : settings.treatMissingData === 'ignore'
            ? 'TreatMissingData=ignore keeps the current state while data is missing'
            : 'TreatMissingData=notBreaching counts the empty periods as not breaching';
      return fail(`needs ${m} of ${settings.evaluationPeriods} datapoints breaching, but one change makes one, and ${why} (set DatapointsToAlarm to 1)`);
    }
    return fail(
      `goes to ALARM on the first change and stays there ${quietText} (TreatMissingData=${settings.treatMissingData} keeps the state), so the next change notifies nobody: set TreatMissingData to notBreaching or missing`,
    );
  }
  return { notifiesEveryChange: true, changePeriod };
}
