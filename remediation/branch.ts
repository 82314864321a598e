/**
 * aws:branch semantics: Choices are tried in order, the first true one names the next step, then `Default`;
 * with neither, the automation goes on with the next step in the list (undefined here). Pure.
 */
import type { BranchStep, Condition } from './builder';
import { COMPARISON_OPERATORS } from './vocabulary';

/** Resolves `{{ }}` references in a choice's operands. */
export type Resolve = (value: unknown) => unknown;

function asNumber(value: unknown, what: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isNaN(number)) throw new TypeError(`${what} ${JSON.stringify(value)} is not a number`);
  return number;
}

function asBoolean(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new TypeError(`${what} ${JSON.stringify(value)} is not a boolean`);
}

function compare(operator: string, variable: unknown, operand: unknown): boolean {
  if (typeof variable === 'object' && variable !== null) {
    // The action reference lists Contains among the string operations only: a list or map is no operand.
    throw new TypeError(`${operator} compares a single value; the Variable is ${Array.isArray(variable) ? 'a list' : 'a map'} (${JSON.stringify(variable)})`);
  }
  const text = String(variable);
  const expected = String(operand);
  switch (operator) {
    case 'StringEquals':
      return text === expected;
    case 'EqualsIgnoreCase':
      return text.toLowerCase() === expected.toLowerCase();
    case 'StartsWith':
      return text.startsWith(expected);
    case 'EndsWith':
      return text.endsWith(expected);
    case 'Contains':
      return text.includes(expected);
    case 'BooleanEquals':
      return asBoolean(variable, 'Variable') === asBoolean(operand, operator);
  }
  const left = asNumber(variable, 'Variable');
  const right = asNumber(operand, operator);
  switch (operator) {
    case 'NumericEquals':
      return left === right;
    case 'NumericGreater':
      return left > right;
    case 'NumericLesser':
      return left < right;
    case 'NumericGreaterOrEquals':
      return left >= right;
    case 'NumericLesserOrEquals':
      return left <= right;
  }
  throw new Error(`unknown branch operator ${operator}`);
}

export function evaluateCondition(condition: Condition, resolve: Resolve): boolean {
  if ('And' in condition) return condition.And.every((inner) => evaluateCondition(inner, resolve));
  if ('Or' in condition) return condition.Or.some((inner) => evaluateCondition(inner, resolve));
  if ('Not' in condition) return !evaluateCondition(condition.Not, resolve);
  const operator = Object.keys(condition).find((key) => COMPARISON_OPERATORS.includes(key));
  if (operator === undefined) throw new Error(`condition ${JSON.stringify(condition)} has no operator`);
  return compare(operator, resolve(condition.Variable), resolve((condition as unknown as Record<string, unknown>)[operator]));
}

/** The step a branch goes to, or undefined to continue with the next step in the list. */
export function chooseNextStep(inputs: BranchStep['inputs'], resolve: Resolve): string | undefined {
  const chosen = inputs.Choices.find((choice) => evaluateCondition(choice, resolve));
  return chosen?.NextStep ?? inputs.Default;
}
