/**
 * Document parameters as Automation resolves them when an execution starts: given values (text, as on the command
 * line or in a Config remediation) override defaults, each is converted to its declared type and checked against
 * allowedPattern / allowedValues, and any problem stops the execution before a single step runs. Pure.
 */
import type { ParameterDefinition } from './builder';
import type { Value } from './templates';

export class ParameterError extends Error {
  override name = 'ParameterError';
  constructor(readonly problems: string[]) {
    super(`invalid parameters:\n  ${problems.join('\n  ')}`);
  }
}

export interface ResolvedParameters {
  values: Record<string, Value>;
  /** Required parameters (no default) that were not given. */
  missing: string[];
}

function parseValue(name: string, definition: ParameterDefinition, text: string): Value {
  switch (definition.type) {
    case 'String':
      return text;
    case 'Integer':
      if (!/^-?\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`);
      return Number(text);
    case 'Boolean':
      if (!/^(true|false)$/i.test(text)) throw new Error(`${name} must be true or false, got "${text}"`);
      return text.toLowerCase() === 'true';
    case 'StringList':
      return text.split(',').map((item) => item.trim());
    case 'StringMap':
    case 'MapList':
      try {
        return JSON.parse(text) as Value;
      } catch {
        throw new Error(`${name} must be JSON (${definition.type}), got "${text}"`);
      }
  }
}

/** The texts a value is checked as: one per item of a list. */
function textsOf(value: Value): string[] {
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  return [typeof value === 'object' ? JSON.stringify(value) : String(value)];
}

/** Why a value breaks the parameter's allowedPattern / allowedValues, or undefined when it is allowed. */
export function disallowedReason(name: string, definition: ParameterDefinition, value: Value): string | undefined {
  const pattern = definition.allowedPattern;
  for (const text of textsOf(value)) {
    if (pattern !== undefined && !new RegExp(pattern).test(text)) {
      // The description says what is expected; a long pattern would only bury it.
      return `${name} "${text}" is not allowed: ${definition.description}${pattern.length <= 80 ? ` (pattern ${pattern})` : ''}`;
    }
    if (definition.allowedValues && !definition.allowedValues.includes(text)) {
      return `${name} "${text}" is not one of ${definition.allowedValues.join(', ')}: ${definition.description}`;
    }
  }
  return undefined;
}

/**
 * Resolves the given values against the declarations. Throws ParameterError listing every unknown name and every
 * value that is malformed or not allowed; reports required parameters still missing without throwing, so a caller
 * can look one up (AccountId from the caller's identity) and resolve again.
 */
export function resolveParameters(
  declared: Record<string, ParameterDefinition>,
  given: Record<string, string>,
): ResolvedParameters {
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in declared)) problems.push(`unknown parameter ${name}; the document declares ${Object.keys(declared).join(', ')}`);
  }
  const values: Record<string, Value> = {};
  const missing: string[] = [];
  for (const [name, definition] of Object.entries(declared)) {
    const text = given[name];
    if (text === undefined) {
      if (definition.default === undefined) missing.push(name);
      else values[name] = definition.default;
      continue;
    }
    try {
      const value = parseValue(name, definition, text);
      const reason = disallowedReason(name, definition, value);
      if (reason) problems.push(reason);
      else values[name] = value;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new ParameterError(problems);
  return { values, missing };
}
