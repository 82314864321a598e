/**
 * Our own validator for Automation documents. Nothing public checks Automation steps (cfn-lint, CDK and moto all
 * accept an unknown action), so this one checks what would otherwise fail only inside SSM, or never at all:
 * known actions and their required inputs, every `{{ Param }}` / `{{ Step.Output }}` declared (and an output
 * produced before it is used), every step target existing, no unreachable step, no loop, parameter types and
 * patterns (a default must satisfy its own allowedPattern). Pure: plain data in, a list of problems out.
 */
import type { AutomationDocument, Condition, ParameterDefinition, Step, StepOutput } from './builder';
import { successors } from './flow';
import { disallowedReason } from './parameters';
import { parseSelector } from './selectors';
import { referencesIn, type Value } from './templates';
import {
  BOOLEAN_OPERATORS,
  COMPARISON_OPERATORS,
  GLOBAL_VARIABLES,
  NUMERIC_OPERATORS,
  OUTPUT_TYPES,
  PARAMETER_TYPES,
  STRING_OPERATORS,
  SUPPORTED_ACTIONS,
  type Action,
} from './vocabulary';

export interface Problem {
  /** Where in the document, e.g. `mainSteps[3] PutAlertAlarm: inputs.Period`. */
  where: string;
  message: string;
}

export class InvalidDocumentError extends Error {
  override name = 'InvalidDocumentError';
  constructor(readonly problems: Problem[]) {
    super(`invalid Automation document:\n  ${problems.map((problem) => `${problem.where}: ${problem.message}`).join('\n  ')}`);
  }
}

type Json = Record<string, unknown>;

const NAME = /^[A-Za-z0-9_]+$/;
const WHOLE_REFERENCE = /^\{\{\s*([^{}\s]+)\s*\}\}$/;
const TOP_LEVEL_KEYS = ['schemaVersion', 'description', 'assumeRole', 'parameters', 'mainSteps', 'outputs'];
const PARAMETER_KEYS = ['type', 'description', 'default', 'allowedPattern', 'allowedValues'];
const STEP_KEYS: Record<Action, string[]> = {
  'aws:executeAwsApi': ['outputs', 'onFailure', 'isCritical', 'nextStep', 'maxAttempts'],
  'aws:assertAwsResourceProperty': ['onFailure', 'isCritical', 'nextStep', 'maxAttempts'],
  'aws:branch': [],
};
const COMMON_STEP_KEYS = ['name', 'action', 'description', 'inputs', 'isEnd'];
const REQUIRED_INPUTS: Record<Action, string[]> = {
  'aws:executeAwsApi': ['Service', 'Api'],
  'aws:assertAwsResourceProperty': ['Service', 'Api', 'PropertySelector', 'DesiredValues'],
  'aws:branch': ['Choices'],
};

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeOfDefault(definition: ParameterDefinition): boolean {
  const value = definition.default;
  switch (definition.type) {
    case 'String':
      return typeof value === 'string';
    case 'Integer':
      return Number.isInteger(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'StringList':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'StringMap':
      return isObject(value);
    case 'MapList':
      return Array.isArray(value) && value.every(isObject);
  }
}

class Checker {
  readonly problems: Problem[] = [];

  report(where: string, message: string): void {
    this.problems.push({ where, message });
  }

  unknownKeys(where: string, object: Json, allowed: readonly string[], what: string): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) this.report(where, `unknown ${what} property "${key}" (supported here: ${allowed.join(', ')})`);
    }
  }

  parameters(parameters: unknown): void {
    if (parameters === undefined) return;
    if (!isObject(parameters)) return this.report('parameters', 'must be a map of parameter definitions');
    for (const [name, definition] of Object.entries(parameters)) {
      const where = `parameters.${name}`;
      if (!NAME.test(name)) this.report(where, 'a parameter name may contain only letters, digits and _');
      if (!isObject(definition)) {
        this.report(where, 'must be a parameter definition');
        continue;
      }
      this.unknownKeys(where, definition, PARAMETER_KEYS, 'parameter');
      if (!(PARAMETER_TYPES as readonly unknown[]).includes(definition.type)) {
        this.report(where, `type ${JSON.stringify(definition.type)} is not one of ${PARAMETER_TYPES.join(', ')}`);
        continue;
      }
      if (typeof definition.description !== 'string' || definition.description.trim() === '') {
        this.report(where, 'needs a description: it is what a person sees when asked for the value');
      }
      if (definition.allowedPattern !== undefined) {
        try {
          new RegExp(definition.allowedPattern as string);
        } catch (error) {
          this.report(where, `allowedPattern does not compile: ${(error as Error).message}`);
          continue;
        }
      }
      if (definition.allowedValues !== undefined && !(Array.isArray(definition.allowedValues) && definition.allowedValues.every((v) => typeof v === 'string'))) {
        this.report(where, 'allowedValues must be a list of strings');
        continue;
      }
      if (definition.default === undefined) continue;
      const typed = definition as unknown as ParameterDefinition;
      if (!typeOfDefault(typed)) {
        this.report(where, `default ${JSON.stringify(typed.default)} is not a ${typed.type}`);
        continue;
      }
      const reason = disallowedReason(name, typed, typed.default as Value);
      if (reason) this.report(where, `the default breaks its own rule: ${reason}`);
    }
  }

  condition(condition: unknown, where: string, topLevel: boolean): void {
    if (!isObject(condition)) return this.report(where, 'a choice must be a condition object');
    const keys = Object.keys(condition).filter((key) => !(topLevel && key === 'NextStep'));
    if (topLevel && typeof condition.NextStep !== 'string') this.report(where, 'a choice needs NextStep');
    if (!topLevel && 'NextStep' in condition) this.report(where, 'NextStep belongs to the choice, not to a condition inside And/Or/Not');
    const logical = keys.filter((key) => key === 'And' || key === 'Or' || key === 'Not');
    if (logical.length > 0) {
      if (keys.length !== 1) return this.report(where, `${logical[0]} must stand alone in its condition (found ${keys.join(', ')})`);
      const operand = condition[logical[0]];
      if (logical[0] === 'Not') return this.condition(operand, `${where}.Not`, false);
      if (!Array.isArray(operand) || operand.length === 0) return this.report(where, `${logical[0]} needs a non-empty list of conditions`);
      operand.forEach((inner, index) => this.condition(inner, `${where}.${logical[0]}[${index}]`, false));
      return;
    }
    const variable = condition.Variable;
    if (typeof variable !== 'string' || !WHOLE_REFERENCE.test(variable)) {
      this.report(where, 'Variable must be one {{ Parameter }} or {{ Step.Output }} reference');
    }
    const operators = keys.filter((key) => key !== 'Variable');
    if (operators.length !== 1 || !COMPARISON_OPERATORS.includes(operators[0])) {
      return this.report(where, `a condition needs exactly one operator of ${COMPARISON_OPERATORS.join(', ')} (found ${operators.join(', ') || 'none'})`);
    }
    const [operator] = operators;
    const operand = condition[operator];
    const expected = (STRING_OPERATORS as readonly string[]).includes(operator)
      ? 'string'
      : (NUMERIC_OPERATORS as readonly string[]).includes(operator)
        ? 'number'
        : (BOOLEAN_OPERATORS as readonly string[]).includes(operator) && 'boolean';
    const isReference = typeof operand === 'string' && WHOLE_REFERENCE.test(operand);
    if (typeof operand !== expected && !isReference) this.report(where, `${operator} takes a ${expected}, got ${JSON.stringify(operand)}`);
  }

  inputs(step: Json, action: Action, where: string): void {
    const inputs = step.inputs;
    if (!isObject(inputs)) return this.report(where, 'inputs must be a map');
    for (const required of REQUIRED_INPUTS[action]) {
      if (inputs[required] === undefined) this.report(`${where}.inputs`, `${action} requires ${required}`);
    }
    if (action === 'aws:branch') {
      this.unknownKeys(`${where}.inputs`, inputs, ['Choices', 'Default'], 'aws:branch input');
      if (inputs.Choices !== undefined && (!Array.isArray(inputs.Choices) || inputs.Choices.length === 0)) {
        return this.report(`${where}.inputs.Choices`, 'must be a non-empty list');
      }
      (inputs.Choices as unknown[] | undefined)?.forEach((choice, index) => this.condition(choice, `${where}.inputs.Choices[${index}]`, true));
      if (inputs.Default !== undefined && typeof inputs.Default !== 'string') this.report(`${where}.inputs.Default`, 'must be a step name');
      return;
    }
    if (inputs.Service !== undefined && (typeof inputs.Service !== 'string' || !/^[a-z0-9-]+$/.test(inputs.Service))) {
      this.report(`${where}.inputs.Service`, `${JSON.stringify(inputs.Service)} is not a service namespace (lower case, e.g. logs, sns)`);
    }
    if (inputs.Api !== undefined && (typeof inputs.Api !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(inputs.Api))) {
      this.report(`${where}.inputs.Api`, `${JSON.stringify(inputs.Api)} is not an API operation name (e.g. PutMetricFilter)`);
    }
    if (action === 'aws:assertAwsResourceProperty') {
      this.selector(inputs.PropertySelector, `${where}.inputs.PropertySelector`);
      const desired = inputs.DesiredValues;
      if (desired !== undefined && (!Array.isArray(desired) || desired.length === 0 || !desired.every((value) => typeof value === 'string'))) {
        this.report(`${where}.inputs.DesiredValues`, 'must be a non-empty list of strings');
      }
    }
  }

  selector(selector: unknown, where: string): void {
    if (selector === undefined) return;
    if (typeof selector !== 'string') return this.report(where, 'must be a JSONPath string such as $.Foo[0].Bar');
    try {
      parseSelector(selector);
    } catch (error) {
      this.report(where, (error as Error).message);
    }
  }

  outputs(outputs: unknown, where: string): void {
    if (outputs === undefined) return;
    if (!Array.isArray(outputs)) return this.report(`${where}.outputs`, 'must be a list');
    const names = new Set<string>();
    outputs.forEach((output, index) => {
      const at = `${where}.outputs[${index}]`;
      if (!isObject(output)) return this.report(at, 'must be {Name, Selector, Type}');
      this.unknownKeys(at, output, ['Name', 'Selector', 'Type'], 'output');
      if (typeof output.Name !== 'string' || !NAME.test(output.Name)) this.report(at, 'Name may contain only letters, digits and _');
      else if (names.has(output.Name)) this.report(at, `output ${output.Name} is declared twice`);
      else names.add(output.Name);
      if (output.Selector === undefined) this.report(at, 'needs a Selector');
      this.selector(output.Selector, `${at}.Selector`);
      if (!(OUTPUT_TYPES as readonly unknown[]).includes(output.Type)) this.report(at, `Type ${JSON.stringify(output.Type)} is not one of ${OUTPUT_TYPES.join(', ')}`);
    });
  }

  stepOptions(step: Json, where: string, names: Set<string>): void {
    const target = (name: unknown, field: string) => {
      if (typeof name !== 'string' || !names.has(name)) this.report(where, `${field} ${JSON.stringify(name)} is not a step of this document`);
    };
    if (step.isEnd !== undefined && typeof step.isEnd !== 'boolean') this.report(where, 'isEnd must be true or false');
    if (step.isCritical !== undefined && typeof step.isCritical !== 'boolean') this.report(where, 'isCritical must be true or false');
    if (step.maxAttempts !== undefined && !(Number.isInteger(step.maxAttempts) && (step.maxAttempts as number) >= 1)) {
      this.report(where, 'maxAttempts must be a whole number of at least 1');
    }
    if (step.nextStep !== undefined) {
      target(step.nextStep, 'nextStep');
      if (step.isEnd === true) this.report(where, 'isEnd and nextStep contradict each other: the step cannot both end the automation and go on');
    }
    if (step.onFailure !== undefined) {
      const onFailure = step.onFailure;
      if (typeof onFailure === 'string' && onFailure.startsWith('step:')) target(onFailure.slice('step:'.length), 'onFailure');
      else if (onFailure !== 'Abort' && onFailure !== 'Continue') this.report(where, `onFailure must be Abort, Continue or step:<name>, got ${JSON.stringify(onFailure)}`);
    }
    if (isObject(step.inputs) && step.action === 'aws:branch') {
      const inputs = step.inputs;
      if (Array.isArray(inputs.Choices)) inputs.Choices.forEach((choice, index) => isObject(choice) && choice.NextStep !== undefined && target(choice.NextStep, `Choices[${index}].NextStep`));
      if (inputs.Default !== undefined) target(inputs.Default, 'Default');
    }
  }

  steps(mainSteps: unknown): Step[] | undefined {
    if (!Array.isArray(mainSteps) || mainSteps.length === 0) {
      this.report('mainSteps', 'must be a non-empty list of steps');
      return undefined;
    }
    const names = new Set<string>();
    mainSteps.forEach((step, index) => {
      if (!isObject(step) || typeof step.name !== 'string') return;
      if (names.has(step.name)) this.report(`mainSteps[${index}] ${step.name}`, `the step name ${step.name} is used twice`);
      names.add(step.name);
    });
    let wellFormed = true;
    mainSteps.forEach((step, index) => {
      const where = `mainSteps[${index}]${isObject(step) && typeof step.name === 'string' ? ` ${step.name}` : ''}`;
      const before = this.problems.length;
      if (!isObject(step)) {
        this.report(where, 'must be a step object');
      } else if (typeof step.name !== 'string' || !NAME.test(step.name)) {
        this.report(where, 'name must contain only letters, digits and _');
      } else if (!(SUPPORTED_ACTIONS as readonly unknown[]).includes(step.action)) {
        this.report(where, `action ${JSON.stringify(step.action)} is not supported: use one of ${SUPPORTED_ACTIONS.join(', ')}`);
      } else {
        const action = step.action as Action;
        this.unknownKeys(where, step, [...COMMON_STEP_KEYS, ...STEP_KEYS[action]], `${action} step`);
        this.inputs(step, action, where);
        if (action === 'aws:executeAwsApi') this.outputs(step.outputs, where);
        this.stepOptions(step, where, names);
      }
      if (this.problems.length > before) wellFormed = false;
    });
    return wellFormed ? (mainSteps as Step[]) : undefined;
  }

  /** Reachability, loops and output-before-use, on a document whose steps are individually well formed. */
  flow(document: AutomationDocument): void {
    const steps = document.mainSteps;
    const byName = new Map(steps.map((step) => [step.name, step]));
    const next = new Map(steps.map((step) => [step.name, successors(steps, step)]));

    const reachable = new Set<string>();
    const queue = [steps[0].name];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (reachable.has(name)) continue;
      reachable.add(name);
      queue.push(...(next.get(name) ?? []));
    }
    steps.forEach((step, index) => {
      if (!reachable.has(step.name)) {
        this.report(`mainSteps[${index}] ${step.name}`, 'is unreachable: no nextStep, branch choice, onFailure or preceding step leads to it');
      }
    });

    // A loop would run until SSM's own loop detection refuses the document.
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (name: string): boolean => {
      if (state.get(name) === 'done') return false;
      if (state.get(name) === 'open') {
        const loop = [...path.slice(path.indexOf(name)), name];
        this.report(`mainSteps ${name}`, `the steps ${loop.join(' -> ')} form a loop`);
        return true;
      }
      state.set(name, 'open');
      path.push(name);
      const looped = (next.get(name) ?? []).some(visit);
      path.pop();
      state.set(name, 'done');
      return looped;
    };
    if (visit(steps[0].name)) return;

    // Steps that have run on every path to a step (its dominators): an output can only be used after its step.
    const predecessors = new Map<string, string[]>(steps.map((step) => [step.name, []]));
    for (const [from, targets] of next) for (const to of targets) predecessors.get(to)?.push(from);
    const all = new Set(reachable);
    const dominators = new Map<string, Set<string>>(steps.map((step) => [step.name, step === steps[0] ? new Set([step.name]) : all]));
    for (let changed = true; changed; ) {
      changed = false;
      for (const step of steps.slice(1)) {
        if (!reachable.has(step.name)) continue;
        const incoming = (predecessors.get(step.name) ?? []).filter((name) => reachable.has(name)).map((name) => dominators.get(name) as Set<string>);
        const common = new Set([...(incoming[0] ?? [])].filter((name) => incoming.every((set) => set.has(name))));
        common.add(step.name);
        if (common.size !== (dominators.get(step.name) as Set<string>).size) {
          dominators.set(step.name, common);
          changed = true;
        }
      }
    }

    const declared = document.parameters ?? {};
    const used = new Set<string>();
    const checkReference = (reference: string, where: string, consumer?: Step) => {
      if (reference.startsWith('global:')) {
        if (!(GLOBAL_VARIABLES as readonly string[]).includes(reference)) {
          this.report(where, `{{ ${reference} }} is not a system variable this project uses (${GLOBAL_VARIABLES.join(', ')})`);
        }
        return;
      }
      const dot = reference.indexOf('.');
      if (dot < 0) {
        if (reference in declared) used.add(reference);
        else this.report(where, `{{ ${reference} }} is not a declared parameter`);
        return;
      }
      const [stepName, output] = [reference.slice(0, dot), reference.slice(dot + 1)];
      const producer = byName.get(stepName);
      if (!producer) return this.report(where, `{{ ${reference} }} names no step ${stepName}`);
      if (producer.action !== 'aws:executeAwsApi' || !producer.outputs?.some((candidate) => candidate.Name === output)) {
        return this.report(where, `{{ ${reference} }}: step ${stepName} declares no output ${output}`);
      }
      if (consumer && (producer === consumer || !dominators.get(consumer.name)?.has(stepName))) {
        this.report(where, `{{ ${reference} }} is used by ${consumer.name}, but ${stepName} does not run before it on every path`);
      }
    };
    if (document.assumeRole !== undefined) referencesIn(document.assumeRole).forEach((ref) => checkReference(ref, 'assumeRole'));
    steps.forEach((step, index) => {
      referencesIn(step.inputs).forEach((ref) => checkReference(ref, `mainSteps[${index}] ${step.name}: inputs`, step));
    });
    (document.outputs ?? []).forEach((output, index) => checkReference(output, `outputs[${index}]`));
    for (const name of Object.keys(declared)) {
      if (!used.has(name)) this.report(`parameters.${name}`, 'is declared but no step uses it');
    }
    steps.forEach((step, index) => {
      if (step.action === 'aws:branch') step.inputs.Choices.forEach((choice, at) => this.operandTypes(choice, `mainSteps[${index}] ${step.name}: Choices[${at}]`, document, byName));
    });
  }

  /**
   * The type of what a condition compares must fit its operator, as the aws:branch reference groups them: string
   * operations on a String, numeric on an Integer, BooleanEquals on a Boolean. A StringList (a deep-scan output, say)
   * fits none: real Automation refuses Contains on a list, however natural it looks.
   */
  operandTypes(condition: Condition, where: string, document: AutomationDocument, byName: Map<string, Step>): void {
    if ('And' in condition) return condition.And.forEach((inner, index) => this.operandTypes(inner, `${where}.And[${index}]`, document, byName));
    if ('Or' in condition) return condition.Or.forEach((inner, index) => this.operandTypes(inner, `${where}.Or[${index}]`, document, byName));
    if ('Not' in condition) return this.operandTypes(condition.Not, `${where}.Not`, document, byName);
    const name = WHOLE_REFERENCE.exec(condition.Variable)?.[1];
    if (name === undefined) return;
    const dot = name.indexOf('.');
    const type: string | undefined = name.startsWith('global:')
      ? 'String'
      : dot < 0
        ? document.parameters[name]?.type
        : (byName.get(name.slice(0, dot)) as { outputs?: StepOutput[] } | undefined)?.outputs?.find((output) => output.Name === name.slice(dot + 1))?.Type;
    const operator = Object.keys(condition).find((key) => COMPARISON_OPERATORS.includes(key));
    if (type === undefined || operator === undefined) return;
    const wanted = (STRING_OPERATORS as readonly string[]).includes(operator) ? 'String' : (NUMERIC_OPERATORS as readonly string[]).includes(operator) ? 'Integer' : 'Boolean';
    if (type !== wanted) this.report(where, `${operator} compares a ${wanted}, but {{ ${name} }} is a ${type}`);
  }
}

/** Every problem in the document; an empty list means SSM and our runner can run it as written. */
export function validateDocument(document: unknown): Problem[] {
  const checker = new Checker();
  if (!isObject(document)) {
    checker.report('document', 'must be an object');
    return checker.problems;
  }
  checker.unknownKeys('document', document, TOP_LEVEL_KEYS, 'top-level');
  if (document.schemaVersion !== '0.3') checker.report('schemaVersion', `must be '0.3' for an Automation document, got ${JSON.stringify(document.schemaVersion)}`);
  if (typeof document.description !== 'string' || document.description.trim() === '') checker.report('description', 'must say what the document does');
  if (document.assumeRole !== undefined && typeof document.assumeRole !== 'string') checker.report('assumeRole', 'must be a string');
  if (document.outputs !== undefined && !(Array.isArray(document.outputs) && document.outputs.every((output) => typeof output === 'string' && WHOLE_REFERENCE.test(`{{ ${output} }}`)))) {
    checker.report('outputs', 'must be a list of Step.Output names');
  }
  checker.parameters(document.parameters);
  const steps = checker.steps(document.mainSteps);
  if (steps && (document.parameters === undefined || isObject(document.parameters))) checker.flow(document as unknown as AutomationDocument);
  return checker.problems;
}

export function assertValidDocument(document: unknown): asserts document is AutomationDocument {
  const problems = validateDocument(document);
  if (problems.length > 0) throw new InvalidDocumentError(problems);
}
