import { evaluateWindow, modelAlarm, periodStatistic, UNKNOWN_POSITIVE, type AlarmSettings, type Publisher } from '../../rule/alarm-model';

/**
 * The alarm model against CloudWatch's documented evaluation ("Configuring how CloudWatch alarms treat missing
 * data"): AlarmActions run on the transition into ALARM, so a chain must notify the first change AND the second.
 * Expected values come from the documentation's table and from arithmetic on the samples, not from the model.
 */

const sum: AlarmSettings = {
  stat: 'Sum',
  kind: 'Sum',
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  threshold: 1,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  treatMissingData: 'notBreaching',
};
const filter: Publisher = { label: 'the filter', value: { low: 1, high: 1 }, matchesOtherRecords: false };
const withDefault = (defaultValue: number): Publisher => ({ ...filter, defaultValue });

describe('evaluateWindow: the two tables of "Configuring how CloudWatch alarms treat missing data"', () => {
  const kinds = (text: string) => text.split(' ').map((c) => (c === 'X' ? 'breaching' : c === '0' ? 'ok' : 'missing') as 'breaching' | 'ok' | 'missing');
  // Data points (most recent right), then the state for MISSING, IGNORE, BREACHING, NOT BREACHING ("-" keeps it).
  const threeOfThree: [string, string, string, string, string][] = [
    ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
    ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', 'INSUFFICIENT_DATA', '-', 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['- - X - -', 'ALARM', '-', 'ALARM', 'OK'],
  ];
  const twoOfThree: [string, string, string, string, string][] = [
    ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - X -', 'ALARM', '-', 'ALARM', 'OK'],
  ];
  const check = (m: number) => (datapoints: string, ...states: string[]) => {
    (['missing', 'ignore', 'breaching', 'notBreaching'] as const).forEach((treatment, i) => {
      const expected = states[i] === '-' ? 'INSUFFICIENT_DATA' : states[i];
      expect([treatment, evaluateWindow(kinds(datapoints), 'INSUFFICIENT_DATA', 3, m, treatment)]).toEqual([treatment, expected]);
    });
  };
  test.each(threeOfThree)('3 of 3: %s', check(3));
  test.each(twoOfThree)('2 of 3: %s', check(2));
});

describe('periodStatistic', () => {
  test('Sum of changes with a negative writer has no bound (any number of each sample)', () => {
    expect(periodStatistic('Sum', { required: [{ low: 1, high: 1 }], optional: [{ range: { low: -1, high: -1 }, label: 'x' }] })).toEqual({ low: -Infinity, high: Infinity });
  });
  test('Average diluted by a default value 0', () => {
    expect(periodStatistic('Between', { required: [{ low: 1, high: 1 }], optional: [{ range: { low: 0, high: 0 }, label: 'x' }] })).toEqual({ low: 0, high: 1 });
  });
  test('no samples at all: missing', () => {
    expect(periodStatistic('Sum', { required: [], optional: [] })).toBeUndefined();
  });
});

type Row = [string, AlarmSettings, Publisher, Publisher[], RegExp | 'notifies'];

const rows: Row[] = [
  ['Sum >= 1, notBreaching', sum, filter, [], 'notifies'],
  ['Sum >= 1, missing', { ...sum, treatMissingData: 'missing' }, filter, [], 'notifies'],
  ['Sum >= 1, ignore: fires once, then never again', { ...sum, treatMissingData: 'ignore' }, filter, [], /goes to ALARM on the first change and stays there while no data arrives .*TreatMissingData=ignore.*next change notifies nobody/],
  ['Sum >= 1, breaching: always in ALARM', { ...sum, treatMissingData: 'breaching' }, filter, [], /treats missing data as breaching/],
  ['Sum >= 1, ignore, default value 0: the log group may be silent for a period', { ...sum, treatMissingData: 'ignore' }, withDefault(0), [], /stays there while no data arrives/],
  ['Sum >= 1, notBreaching, default value 0', sum, withDefault(0), [], 'notifies'],
  ['Sum >= 0, default value 0: in ALARM without a change', { ...sum, threshold: 0 }, withDefault(0), [], /is in ALARM even without a change: the filter's default value 0 gives Sum 0/],
  ['Sum >= 2: one change is not enough', { ...sum, threshold: 2 }, filter, [], /a period with changes has Sum 1 or more, and the alarm needs Sum >= 2/],
  ['Sum > 0 with a field value', { ...sum, comparisonOperator: 'GreaterThanThreshold', threshold: 0 }, { ...filter, value: UNKNOWN_POSITIVE }, [], 'notifies'],
  ['SampleCount with a default value counts every record', { ...sum, stat: 'SampleCount', kind: 'SampleCount' }, withDefault(0), [], /in ALARM even without a change.*SampleCount 1 or more/],
  ['Average with a default value 0', { ...sum, stat: 'Average', kind: 'Between' }, withDefault(0), [], /Average between 0 and 1/],
  ['Maximum >= 1', { ...sum, stat: 'Maximum', kind: 'Maximum' }, withDefault(0), [], 'notifies'],
  ['Minimum >= 1 with a default value 0', { ...sum, stat: 'Minimum', kind: 'Minimum' }, withDefault(0), [], /Minimum between 0 and 1/],
  ['LessThan', { ...sum, comparisonOperator: 'LessThanThreshold', threshold: 5 }, filter, [], /needs Sum < 5/],
  ['2 of 3, notBreaching', { ...sum, evaluationPeriods: 3, datapointsToAlarm: 2 }, filter, [], /needs 2 of 3 datapoints breaching.*notBreaching counts the empty periods/],
  ['2 of 3, ignore', { ...sum, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'ignore' }, filter, [], /TreatMissingData=ignore keeps the current state/],
  ['2 of 3, missing (premature ALARM, then INSUFFICIENT_DATA)', { ...sum, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing' }, filter, [], 'notifies'],
  ['3 of 3, missing', { ...sum, evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'missing' }, filter, [], 'notifies'],
  ['2 of 3, missing, default value 0', { ...sum, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing' }, withDefault(0), [], /the filter's default value 0 fills the other periods with data that does not breach/],
  ['1 of 3, notBreaching', { ...sum, evaluationPeriods: 3, datapointsToAlarm: 1 }, filter, [], 'notifies'],
  [
    'another filter adding 1 for ordinary records keeps the alarm in ALARM',
    sum,
    filter,
    [{ label: 'filter "all-events" of log group app', value: { low: 1, high: 1 }, matchesOtherRecords: true }],
    /is in ALARM even without a change: filter "all-events" of log group app gives Sum 1 or more/,
  ],
  [
    'another filter adding -1 can cancel a change',
    sum,
    filter,
    [{ label: 'filter "minus" of log group app', value: { low: -1, high: -1 }, matchesOtherRecords: true }],
    /a period with changes has Sum any value.*other writers into the metric: filter "minus" of log group app/,
  ],
  [
    'the same filter on a second trail\'s log group writes only on changes',
    sum,
    filter,
    [{ label: 'filter "copy" of log group other', value: { low: 1, high: 1 }, matchesOtherRecords: false }],
    'notifies',
  ],
];

describe('modelAlarm: two changes separated by quiet periods', () => {
  test.each(rows)('%s', (_name, settings, chainFilter, others, expected) => {
    const result = modelAlarm({ settings, filter: chainFilter, others });
    if (expected === 'notifies') {
      expect(result).toMatchObject({ notifiesEveryChange: true });
      expect(result.problem).toBeUndefined();
    } else {
      expect(result.notifiesEveryChange).toBe(false);
      expect(result.problem).toMatch(expected);
    }
  });

  test('an alarm of 8,640 evaluation periods (a day of 10-second periods, the most CloudWatch allows) is judged in well under a second', () => {
    const started = Date.now();
    const result = modelAlarm({ settings: { ...sum, evaluationPeriods: 8640, datapointsToAlarm: 8640, treatMissingData: 'missing' }, filter: withDefault(0), others: [] });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.problem).toMatch(/needs 8640 of 8640 datapoints breaching/);
  });

  test('every TreatMissingData value with Sum >= 1 on 1 of 1: only ignore and breaching lose the second change', () => {
    const outcome = (['missing', 'ignore', 'breaching', 'notBreaching'] as const).map(
      (treatMissingData) => modelAlarm({ settings: { ...sum, treatMissingData }, filter, others: [] }).notifiesEveryChange,
    );
    expect(outcome).toEqual([true, false, false, true]);
  });
});
