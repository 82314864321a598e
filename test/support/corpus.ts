import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The shared reference corpus lives beside the checkout (../shared), for developers and CI alike. */
export const SHARED_DIR = resolve(__dirname, '../../../shared');

export function readCorpus<T>(name: string): T {
  const path = join(SHARED_DIR, 'corpus', name);
  if (!existsSync(path)) throw new Error(`corpus file ${path} is missing: the tests expect shared/ beside the repository`);
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
