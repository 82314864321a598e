import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The reference data in `reference-data/` (its README): read by the tests and benchmarks, and by
 * `conformance --live`, which sends the conformance cases to AWS. It ships in the repository.
 */
export const REFERENCE_DATA_DIR = resolve(__dirname, '../reference-data');

export function readReferenceData<T>(name: string): T {
  const path = join(REFERENCE_DATA_DIR, name);
  if (!existsSync(path)) throw new Error(`reference data file ${path} is missing: it is part of the repository (reference-data/), restore it with git checkout`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** One case of `filter-pattern-cases.json`: a pattern, one log event, and whether AWS matches it. */
export interface ConformanceCase {
  id: string;
  pattern: string;
  event: string;
  matches: boolean;
  valid?: boolean;
  feature: string;
  note: string;
  extractedValues?: Record<string, string>;
}
