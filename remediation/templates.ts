/**
 * Automation's interpolation: `{{ Name }}` (a document parameter) and `{{ Step.Output }}` (an output of an earlier
 * step), inside any string of a step's inputs. Shared by the validator (which references exist) and the runner
 * (what they resolve to). Pure.
 */

/** A value a reference can stand for: a parameter value or a step output. */
export type Value = string | number | boolean | string[] | Record<string, unknown> | Record<string, unknown>[];

const REFERENCE = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const WHOLE_REFERENCE = /^\{\{\s*([^{}\s]+)\s*\}\}$/;

/** A reference that has no value (yet): an undeclared name, or an output its step did not produce. */
export class UnresolvedReferenceError extends Error {
  override name = 'UnresolvedReferenceError';
  constructor(readonly reference: string) {
    super(`{{ ${reference} }} has no value`);
  }
}

/** Every reference in a value (strings inside arrays and objects included), in order of appearance. */
export function referencesIn(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(REFERENCE)].map((match) => match[1]);
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(referencesIn);
  return [];
}

/**
 * Substitutes every reference. A string that is exactly one reference takes the referenced value with its type
 * (an Integer parameter becomes a number, a StringList an array), as Automation passes typed values to the API;
 * a reference inside longer text is spliced in as text.
 */
export function resolveTemplates(value: unknown, lookup: (reference: string) => Value | undefined): unknown {
  const valueOf = (reference: string): Value => {
    const found = lookup(reference);
    if (found === undefined) throw new UnresolvedReferenceError(reference);
    return found;
  };
  if (typeof value === 'string') {
    const whole = WHOLE_REFERENCE.exec(value);
    if (whole) return valueOf(whole[1]);
    return value.replace(REFERENCE, (_text, reference: string) => {
      const found = valueOf(reference);
      if (typeof found === 'object') throw new TypeError(`{{ ${reference} }} is a list or map and cannot be spliced into text`);
      return String(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveTemplates(item, lookup));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTemplates(item, lookup)]));
  }
  return value;
}

/** `{{ Name }}`: how a document refers to a parameter or a step output. */
export function reference(name: string): `{{ ${string} }}` {
  return `{{ ${name} }}`;
}
