/**
 * A small interpreter of the Amazon States Language, for the states the tamper watch uses (Step Functions Local is
 * not available): Pass (Result, Parameters with States.MathAdd), Wait (Seconds), Task (AWS SDK integrations, Catch,
 * Retry), Choice (And, Or, Not, IsPresent, TimestampGreaterThanPath, NumericGreaterThanEquals), Succeed and Fail,
 * with InputPath-free JSONPath ($.a.b[0].c) and ResultPath. Anything else is refused, so a definition that grows a
 * construct this interpreter does not model fails its test instead of passing by accident. Many executions run
 * against one virtual clock, in the order their waits end.
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface AslDefinition {
  StartAt: string;
  States: Record<string, Json>;
}

/** What a Task's AWS SDK call threw: Step Functions names it `ServiceName.ErrorName`. */
export class TaskFailure extends Error {
  constructor(
    readonly error: string,
    readonly reason = '',
  ) {
    super(`${error}: ${reason}`);
  }
}

/** The AWS side: `service:action` (as in arn:...:states:::aws-sdk:service:action) with the parameters, at `now` (seconds). */
export type ServiceCall = (api: string, parameters: Json, now: number) => Json;

export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  startedAt: number;
  endedAt: number;
  /** The Succeed state it ended in, or the Fail state's (or uncaught task's) error. */
  end: string;
  output?: Json;
}

const PATH_PART = /\.([A-Za-z0-9_]+)|\[(\d+)\]/g;

function parts(path: string): (string | number)[] {
  if (!path.startsWith('$')) throw new Error(`path ${path} must start with $`);
  const rest = path.slice(1);
  const found = [...rest.matchAll(PATH_PART)];
  if (found.map((match) => match[0]).join('') !== rest) throw new Error(`path ${path} uses JSONPath this interpreter does not model`);
  return found.map((match) => (match[1] !== undefined ? match[1] : Number(match[2])));
}

function get(data: Json, path: string): { found: boolean; value?: Json } {
  let value = data;
  for (const part of parts(path)) {
    if (value === null || typeof value !== 'object' || !(part in value)) return { found: false };
    value = value[part];
  }
  return { found: true, value };
}

function withResult(input: Json, resultPath: string | null | undefined, result: Json): Json {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result;
  const copy = structuredClone(input);
  const keys = parts(resultPath);
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] ??= {};
  target[keys.at(-1)!] = result;
  return copy;
}

const MATH_ADD = /^States\.MathAdd\((\$[^,]*),\s*(-?\d+)\)$/;

function parameters(template: Json, input: Json): Json {
  if (Array.isArray(template)) return template.map((item) => parameters(item, input));
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      if (!key.endsWith('.$')) return [key, parameters(value, input)];
      const text = value as string;
      const add = MATH_ADD.exec(text);
      if (add) return [key.slice(0, -2), get(input, add[1]!).value + Number(add[2])];
      if (text.startsWith('States.')) throw new Error(`intrinsic ${text} is not modelled`);
      return [key.slice(0, -2), get(input, text).value];
    }),
  );
}

function holds(rule: Json, input: Json): boolean {
  if (rule.And) return rule.And.every((inner: Json) => holds(inner, input));
  if (rule.Or) return rule.Or.some((inner: Json) => holds(inner, input));
  if (rule.Not) return !holds(rule.Not, input);
  const variable = get(input, rule.Variable);
  if ('IsPresent' in rule) return variable.found === rule.IsPresent;
  if (!variable.found) throw new TaskFailure('States.Runtime', `Invalid path ${rule.Variable}: no such field`);
  if ('TimestampGreaterThanPath' in rule) {
    const left = Date.parse(variable.value);
    const right = Date.parse(get(input, rule.TimestampGreaterThanPath).value);
    return !Number.isNaN(left) && !Number.isNaN(right) && left > right;
  }
  if ('NumericGreaterThanEquals' in rule) return variable.value >= rule.NumericGreaterThanEquals;
  throw new Error(`choice rule ${JSON.stringify(rule)} is not modelled`);
}

const SDK_RESOURCE = /:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/;

/** One execution: yields the seconds it waits; returns how it ended. */
function* execution(definition: AslDefinition, input: Json, call: ServiceCall, clock: { now: number }): Generator<number, Omit<ExecutionResult, 'startedAt' | 'endedAt'>> {
  let name = definition.StartAt;
  let data = input;
  for (;;) {
    const state = definition.States[name];
    if (!state) throw new Error(`no state ${name}`);
    let next: string | undefined = state.Next;
    switch (state.Type) {
      case 'Pass':
        data = withResult(data, state.ResultPath, 'Result' in state ? state.Result : 'Parameters' in state ? parameters(state.Parameters, data) : data);
        break;
      case 'Wait':
        if (typeof state.Seconds !== 'number') throw new Error(`Wait ${name}: only Seconds is modelled`);
        yield state.Seconds;
        break;
      case 'Task': {
        const sdk = SDK_RESOURCE.exec(typeof state.Resource === 'string' ? state.Resource : '');
        if (!sdk) throw new Error(`Task ${name}: only AWS SDK integrations are modelled (${JSON.stringify(state.Resource)})`);
        for (let attempt = 0; ; attempt += 1) {
          try {
            const result = call(`${sdk[1]}:${sdk[2]}`, parameters(state.Parameters ?? {}, data), clock.now);
            data = withResult(data, state.ResultPath, result);
            break;
          } catch (failure) {
            if (!(failure instanceof TaskFailure)) throw failure;
            const matches = (errors: string[]) => errors.includes(failure.error) || errors.includes('States.ALL') || errors.includes('States.TaskFailed');
            const retry = (state.Retry ?? []).find((retrier: Json) => matches(retrier.ErrorEquals));
            if (retry && attempt < (retry.MaxAttempts ?? 3)) {
              yield (retry.IntervalSeconds ?? 1) * (retry.BackoffRate ?? 2) ** attempt;
              continue;
            }
            const catcher = (state.Catch ?? []).find((candidate: Json) => matches(candidate.ErrorEquals));
            if (!catcher) return { status: 'FAILED', end: failure.error };
            data = withResult(data, catcher.ResultPath, { Error: failure.error, Cause: failure.reason });
            next = catcher.Next;
            break;
          }
        }
        break;
      }
      case 'Choice': {
        const chosen = state.Choices.find((rule: Json) => holds(rule, data));
        next = chosen ? chosen.Next : state.Default;
        if (!next) return { status: 'FAILED', end: 'States.NoChoiceMatched' };
        break;
      }
      case 'Succeed':
        return { status: 'SUCCEEDED', end: name, output: data };
      case 'Fail':
        return { status: 'FAILED', end: state.Error };
      default:
        throw new Error(`state type ${state.Type} is not modelled`);
    }
    if (state.End) return { status: 'SUCCEEDED', end: name, output: data };
    if (!next) throw new Error(`state ${name} has neither Next nor End`);
    name = next;
  }
}

/** Runs one execution per start (seconds on the virtual clock, with its input) to the end, interleaved in time. */
export function simulate(definition: AslDefinition, starts: { at: number; input: Json }[], call: ServiceCall): ExecutionResult[] {
  const clock = { now: 0 };
  const running = starts.map((start) => ({ at: start.at, startedAt: start.at, run: execution(definition, start.input, call, clock) }));
  const results: ExecutionResult[] = new Array(starts.length);
  const pending = new Set(running.keys());
  while (pending.size > 0) {
    // The execution whose wait ends first runs next (ties: in start order, as its events arrived).
    const index = [...pending].reduce((best, candidate) => (running[candidate]!.at < running[best]!.at ? candidate : best));
    const current = running[index]!;
    clock.now = current.at;
    const step = current.run.next();
    if (step.done) {
      results[index] = { ...step.value, startedAt: current.startedAt, endedAt: clock.now };
      pending.delete(index);
    } else {
      current.at = clock.now + step.value;
    }
  }
  return results;
}
