import { chooseNextStep, evaluateCondition } from '../../remediation/branch';
import type { Condition } from '../../remediation/builder';
import { resolveTemplates, type Value } from '../../remediation/templates';

const values: Record<string, Value> = {
  Email: 'alice@example.com',
  Profile: 'CIS',
  Period: 300,
  Enabled: true,
  'List.Endpoints': ['bob@example.com', 'alice@example.com'],
  'List.Empty': [],
};
const resolve = (value: unknown) => resolveTemplates(value, (name) => values[name]);
const holds = (condition: Condition) => evaluateCondition(condition, resolve);

describe('aws:branch conditions', () => {
  test.each<[string, Condition, boolean]>([
    ['StringEquals', { Variable: '{{ Profile }}', StringEquals: 'CIS' }, true],
    ['StringEquals is case sensitive', { Variable: '{{ Profile }}', StringEquals: 'cis' }, false],
    ['EqualsIgnoreCase', { Variable: '{{ Profile }}', EqualsIgnoreCase: 'cis' }, true],
    ['StartsWith', { Variable: '{{ Email }}', StartsWith: 'alice@' }, true],
    ['EndsWith', { Variable: '{{ Email }}', EndsWith: '.org' }, false],
    ['Contains on a String is a substring', { Variable: '{{ Email }}', Contains: 'example' }, true],
    ['Contains on a String does not match what is not in it', { Variable: '{{ Email }}', Contains: 'bob' }, false],
    ['the operand may be a reference', { Variable: '{{ Email }}', Contains: '{{ Profile }}' }, false],
    ['NumericEquals', { Variable: '{{ Period }}', NumericEquals: 300 }, true],
    ['NumericGreater', { Variable: '{{ Period }}', NumericGreater: 300 }, false],
    ['NumericGreaterOrEquals', { Variable: '{{ Period }}', NumericGreaterOrEquals: 300 }, true],
    ['NumericLesser', { Variable: '{{ Period }}', NumericLesser: 301 }, true],
    ['NumericLesserOrEquals', { Variable: '{{ Period }}', NumericLesserOrEquals: 299 }, false],
    ['BooleanEquals', { Variable: '{{ Enabled }}', BooleanEquals: false }, false],
    ['And', { And: [{ Variable: '{{ Profile }}', StringEquals: 'CIS' }, { Variable: '{{ Period }}', NumericEquals: 300 }] }, true],
    ['And with one false', { And: [{ Variable: '{{ Profile }}', StringEquals: 'CIS' }, { Variable: '{{ Period }}', NumericEquals: 60 }] }, false],
    ['Or', { Or: [{ Variable: '{{ Profile }}', StringEquals: 'POLICY' }, { Variable: '{{ Enabled }}', BooleanEquals: true }] }, true],
    ['Not', { Not: { Variable: '{{ Profile }}', StringEquals: 'CIS' } }, false],
  ])('%s', (_name, condition, expected) => {
    expect(holds(condition)).toBe(expected);
  });

  test.each([['List.Endpoints'], ['List.Empty']])('a string operator on a list ({{ %s }}) is an error, not an item test: real Automation refuses it', (name) => {
    expect(() => holds({ Variable: `{{ ${name} }}`, Contains: 'alice@example.com' })).toThrow('Contains compares a single value; the Variable is a list');
  });

  test('a numeric operator on text that is not a number is an error, not false', () => {
    expect(() => holds({ Variable: '{{ Email }}', NumericEquals: 1 })).toThrow('"alice@example.com" is not a number');
  });

  test('a reference without a value is an error naming it', () => {
    expect(() => holds({ Variable: '{{ Missing.Output }}', StringEquals: 'x' })).toThrow('{{ Missing.Output }} has no value');
  });
});

describe('aws:branch next step', () => {
  const inputs = {
    Choices: [
      { NextStep: 'First', Variable: '{{ Profile }}', StringEquals: 'POLICY' } as const,
      { NextStep: 'Second', Variable: '{{ Profile }}', StringEquals: 'CIS' } as const,
      { NextStep: 'Third', Variable: '{{ Period }}', NumericEquals: 300 } as const,
    ],
    Default: 'Fallback',
  };

  test('the first true choice wins', () => {
    expect(chooseNextStep(inputs, resolve)).toBe('Second');
  });

  test('no true choice: Default; no Default: undefined (the next step in the list)', () => {
    const none = { Choices: [inputs.Choices[0]] };
    expect(chooseNextStep({ ...none, Default: 'Fallback' }, resolve)).toBe('Fallback');
    expect(chooseNextStep(none, resolve)).toBeUndefined();
  });
});
