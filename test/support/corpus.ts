import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The reference data the tests and benchmarks judge against; it ships in the repository (see its README). */
export const REFERENCE_DATA_DIR = resolve(__dirname, '../../reference-data');

export function readCorpus<T>(name: string): T {
  const path = join(REFERENCE_DATA_DIR, name);
  if (!existsSync(path)) throw new Error(`reference data file ${path} is missing: it is part of the repository (reference-data/), restore it with git checkout`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

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

export interface AccountPatternCase {
  id: string;
  group: string;
  pattern: string;
  valid: boolean | 'unknown';
  coversSeedEvents: boolean;
  coversCisEvents: boolean;
  overBroad: boolean;
  matchesFailedAttempt: boolean;
  matchesDirectoryBucketPolicyChange: boolean;
  benignMatched?: string[];
  dependsOn?: string[];
  why: string;
}

export interface CorpusRecord {
  id: string;
  category: 'change' | 'benign';
  subcategory?: string;
  eventName: string;
  inSeedSet?: boolean;
  inCisSet?: boolean;
  record: Record<string, unknown>;
  message: string;
}
