import fc from 'fast-check';
import { account, alarm, ACCOUNT, evaluate, filter, logGroup, REGION, trail } from '../support/seed-snapshot';

/**
 * AWS Config's PutEvaluations takes an Annotation of at most 256 characters (API reference, Evaluation:
 * "Maximum length of 256"); a longer one fails the whole call, so the rule would report nothing. The number
 * here is AWS's, not the code's constant: a constant moved to 270 must fail these tests.
 */
const CONFIG_ANNOTATION_LIMIT = 256;

const compliantAnnotation = (filterName: string) =>
  `Trail main → log group CloudTrail/Default → filter "${filterName}" → alarm "s3-policy-alarm" → topic alerts: PutBucketPolicy and DeleteBucketPolicy changes raise this alarm, which reaches a subscriber`;

const withFilterNamed = (name: string) => account((parts) => void (parts.logGroups = [logGroup([filter({ name })])]));

describe('the annotation fits AWS Config (256 characters) and says as much as fits', () => {
  test('a COMPLIANT walk of exactly 256 characters is kept whole', () => {
    const name = 'f'.repeat(CONFIG_ANNOTATION_LIMIT - compliantAnnotation('').length);
    expect(compliantAnnotation(name)).toHaveLength(CONFIG_ANNOTATION_LIMIT);
    expect(evaluate(withFilterNamed(name)).annotation).toBe(compliantAnnotation(name));
  });

  test('one character more (257) and the walk keeps every link but shortens its sentence', () => {
    const name = 'f'.repeat(CONFIG_ANNOTATION_LIMIT + 1 - compliantAnnotation('').length);
    const { annotation, compliance } = evaluate(withFilterNamed(name));
    expect(compliance).toBe('COMPLIANT');
    expect(annotation.length).toBeLessThanOrEqual(CONFIG_ANNOTATION_LIMIT);
    expect(annotation).toContain(`Trail main → log group CloudTrail/Default → filter "${name}" → alarm "s3-policy-alarm" → topic alerts: `);
  });

  // Metric filter names run to 512 characters (PutMetricFilter), so a filter's sentence alone can pass 256.
  test.each([257, 263, 270])('a broken filter whose sentence alone is %i characters is cut to exactly 256, ending in …', (length) => {
    const broken = (name: string) => account((parts) => void (parts.logGroups = [logGroup([filter({ name, metric: { value: '0' } })])]));
    const stub = evaluate(broken('x')).annotation;
    const sentence = stub.slice(stub.indexOf('filter "x"'));
    const name = 'f'.repeat(length - sentence.length + 1);
    const { annotation, compliance } = evaluate(broken(name));
    expect(compliance).toBe('NON_COMPLIANT');
    expect(annotation).toHaveLength(CONFIG_ANNOTATION_LIMIT);
    expect(annotation.endsWith('…')).toBe(true);
    expect(annotation.startsWith(`filter "${name}" publishes a value`)).toBe(true);
  });

  test('a sentence that fits only alone is kept whole, without the path and without a cut', () => {
    const broken = (name: string) => account((parts) => void (parts.logGroups = [logGroup([filter({ name, metric: { value: '0' } })])]));
    const stub = evaluate(broken('x')).annotation;
    const sentence = (name: string) => stub.slice(stub.indexOf('filter "x"')).replace('filter "x"', `filter "${name}"`);
    const name = 'f'.repeat(240 - sentence('').length);
    expect(sentence(name)).toHaveLength(240);
    expect(evaluate(broken(name)).annotation).toBe(sentence(name));
  });

  test('a path too long for 256 characters keeps its last step: the link before the break', () => {
    // Log group names run to 512 characters (CreateLogGroup).
    const broken = (logGroupName: string) =>
      account((parts) => {
        const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}`;
        parts.trails = [trail({ cloudWatchLogsLogGroupArn: `${arn}:*` })];
        parts.logGroups = [logGroup([filter()], { arn, name: logGroupName })];
        parts.alarms = [alarm({ actionsEnabled: false })];
      });
    const short = evaluate(broken('CloudTrail/Default')).annotation;
    const sentence = short.slice(short.indexOf('filter "s3-policy": ') + 'filter "s3-policy": '.length);
    expect(sentence).toMatch(/^alarm "s3-policy-alarm" has its actions disabled/);
    const { annotation } = evaluate(broken(`CloudTrail/${'g'.repeat(200)}`));
    expect(annotation).toBe(`filter "s3-policy": ${sentence}`);
    expect(annotation.length).toBeLessThanOrEqual(CONFIG_ANNOTATION_LIMIT);
  });

  test('whatever the names, COMPLIANT or not, the annotation is 1 to 256 characters', () => {
    // Trail names: 3-128 letters, digits, periods, underscores and dashes (CreateTrail); filter names: 1-512, no : or *.
    const trailName = fc.stringMatching(/^[A-Za-z0-9._-]{3,128}$/);
    const filterName = fc.string({ minLength: 1, maxLength: 512 }).filter((name) => !/[:*]/.test(name));
    fc.assert(
      fc.property(trailName, filterName, fc.boolean(), (trailName, filterName, logging) => {
        const snapshot = account((parts) => {
          parts.trails = [trail({ name: trailName, status: { isLogging: logging } })];
          parts.logGroups = [logGroup([filter({ name: filterName })])];
        });
        const { annotation } = evaluate(snapshot);
        expect(annotation.length).toBeGreaterThanOrEqual(1);
        expect(annotation.length).toBeLessThanOrEqual(CONFIG_ANNOTATION_LIMIT);
      }),
      { numRuns: 300 },
    );
  });
});
