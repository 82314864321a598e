import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REEVALUATION, TamperWatch } from '../../infra/tamper-watch';
import { render } from '../support/render';
import { simulate, TaskFailure, type AslDefinition, type ExecutionResult } from '../support/asl';

/**
 * The tamper watch's state machine, as synthesized, run by a small ASL interpreter against a Config that behaves as
 * the StartConfigRulesEvaluation reference says: LimitExceededException while an evaluation is in progress or within
 * a minute of the last start. A burst of tamper events (one deploy touching alarms and filters) must yield an
 * evaluation that starts after the last event, and a failed execution (ReEvaluationFailedAlarm) only when none
 * could start.
 */

const RULE = 's3-policy-watch';
const T0 = Date.parse('2026-11-30T06:00:00Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function definition(): AslDefinition {
  const stack = new Stack(new App(), 'TamperWatchOnly', { env: { account: '111122223333', region: 'us-east-1' } });
  new TamperWatch(stack, 'TamperWatch', { configRuleName: RULE, configRuleArn: `arn:aws:config:us-east-1:111122223333:config-rule/config-rule-abc123` });
  const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  return JSON.parse(render(machine!.Properties.DefinitionString));
}

/** Config, as its API reference describes StartConfigRulesEvaluation; the rule is invoked a few seconds after a start. */
class Config {
  readonly starts: number[] = [];
  /** When the rule ran and read the account. */
  readonly invocations: number[] = [];
  constructor(
    private readonly options: { invokeAfter?: number; evaluationSeconds?: number; refuseAlways?: boolean; deny?: boolean; invokedAt?: number[] } = {},
  ) {
    this.invocations.push(...(options.invokedAt ?? []));
  }

  call = (api: string, parameters: { ConfigRuleNames: string[] }, now: number) => {
    expect(parameters.ConfigRuleNames).toEqual([RULE]);
    if (api === 'config:describeConfigRuleEvaluationStatus') {
      const invoked = this.invocations.filter((at) => at <= now);
      return { ConfigRulesEvaluationStatus: [{ ConfigRuleName: RULE, ...(invoked.length > 0 ? { LastSuccessfulInvocationTime: iso(Math.max(...invoked)) } : {}) }] };
    }
    if (api !== 'config:startConfigRulesEvaluation') throw new Error(`unexpected ${api}`);
    if (this.options.deny) throw new TaskFailure('Config.ConfigException', 'User is not authorized to perform: config:StartConfigRulesEvaluation');
    const last = this.starts.at(-1) ?? -Infinity;
    const running = last + (this.options.evaluationSeconds ?? 40) > now;
    if (this.options.refuseAlways || running || now - last < 60) {
      throw new TaskFailure('Config.LimitExceededException', 'An evaluation is in progress, or StartConfigRulesEvaluation was called within the last minute.');
    }
    this.starts.push(now);
    this.invocations.push(now + (this.options.invokeAfter ?? 5));
    return {};
  };
}

/** `count` tamper events, `spacing` seconds apart, each starting an execution with the EventBridge event as input. */
function burst(count: number, spacing: number, from = 0) {
  return Array.from({ length: count }, (_, index) => {
    const at = from + index * spacing;
    return { at, input: { 'detail-type': 'AWS API Call via CloudTrail', time: iso(at), detail: { eventName: 'PutMetricAlarm' } } };
  });
}

const failed = (results: ExecutionResult[]) => results.filter((result) => result.status === 'FAILED');

describe('tamper watch under a burst of events', () => {
  const asl = definition();

  test('20 events within half a minute: one evaluation, started after the last event, and no failed execution (no alarm)', () => {
    const config = new Config();
    const events = burst(20, 1.5);
    const results = simulate(asl, events, config.call);
    expect(failed(results)).toEqual([]);
    expect(config.starts).toHaveLength(1);
    expect(config.starts[0]).toBeGreaterThan(events.at(-1)!.at);
    // The others saw Config invoke the rule after their own event and stopped there.
    expect(results.filter((result) => result.end === 'AlreadyEvaluated')).toHaveLength(19);
  });

  test('20 events over five minutes: the rule reads the account after the last event, none fails, at most one start a minute', () => {
    const config = new Config();
    const events = burst(20, 15);
    const results = simulate(asl, events, config.call);
    expect(failed(results)).toEqual([]);
    expect(Math.max(...config.invocations)).toBeGreaterThan(events.at(-1)!.at);
    config.starts.slice(1).forEach((start, index) => expect(start - config.starts[index]!).toBeGreaterThanOrEqual(60));
    expect(config.starts.length).toBeLessThanOrEqual(Math.ceil((events.at(-1)!.at + REEVALUATION.settleSeconds) / 60) + 1);
  });

  test('an evaluation that ran before the burst does not count for it: a new one starts after the last event', () => {
    const config = new Config({ invokedAt: [-30] });
    const events = burst(20, 1);
    const results = simulate(asl, events, config.call);
    expect(failed(results)).toEqual([]);
    expect(config.starts).toHaveLength(1);
    expect(config.starts[0]).toBeGreaterThan(events.at(-1)!.at);
  });

  test('an evaluation that takes minutes: the executions wait it out; one more starts after it, none fails', () => {
    const config = new Config({ evaluationSeconds: 240, invokeAfter: 200 });
    const events = burst(20, 2);
    const results = simulate(asl, events, config.call);
    expect(failed(results)).toEqual([]);
    expect(Math.max(...config.invocations)).toBeGreaterThan(events.at(-1)!.at);
  });

  test('Config refuses every start and invokes nothing: every execution fails (ReEvaluationFailedAlarm), after the bounded retries', () => {
    const config = new Config({ refuseAlways: true });
    const results = simulate(asl, burst(3, 1), config.call);
    expect(results.map((result) => [result.status, result.end])).toEqual(Array(3).fill(['FAILED', 'ReEvaluationNotStarted']));
    const waited = results[0]!.endedAt - results[0]!.startedAt;
    expect(waited).toBe(REEVALUATION.settleSeconds + (REEVALUATION.maxRefusals - 1) * REEVALUATION.retrySeconds);
  });

  test('any other error (no permission) fails the execution at once: it is not a refusal to wait out', () => {
    const results = simulate(asl, burst(1, 0), new Config({ deny: true }).call);
    expect(results.map((result) => [result.status, result.end])).toEqual([['FAILED', 'Config.ConfigException']]);
  });
});
