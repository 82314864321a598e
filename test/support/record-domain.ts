import { changeSpace, ruleFor } from '../../rule/events/record-space';

type Path = readonly (string | number)[];

function at(record: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined), record);
}

/**
 * Whether CloudTrail could write `value` (undefined: the field absent) at `path` of a successful `eventName` record,
 * by the record space the analysis quantifies over (docs/aws-behaviour.md F2–F5). Random records in property
 * tests keep to it: a record CloudTrail never writes proves nothing about coverage.
 */
export function cloudTrailCouldWrite(eventName: string, path: Path, value: unknown): boolean {
  const space = changeSpace(eventName);
  const rule = ruleFor(space, path);
  if (!rule) return JSON.stringify(value) === JSON.stringify(at(space.base, path));
  if (value === undefined) return rule.presence === 'sometimes';
  const domain = rule.domain;
  switch (domain.kind) {
    case 'string':
      return typeof value === 'string' && new RegExp(domain.pattern).test(value) && !(domain.excluded ?? []).includes(value);
    case 'number':
      return typeof value === 'number' && value >= domain.min && value <= domain.max;
    case 'boolean':
      return typeof value === 'boolean';
    case 'open':
      return true;
  }
}

/** Whether every one of `paths` of `record` holds what CloudTrail could write there. */
export function recordCouldExist(eventName: string, record: unknown, paths: readonly Path[]): boolean {
  return paths.every((path) => cloudTrailCouldWrite(eventName, path, at(record, path)));
}
