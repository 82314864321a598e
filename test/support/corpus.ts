import { readReferenceData } from '../../cli/reference-data';

/** The reference data the tests and benchmarks judge against; it ships in the repository (see its README). */
export { REFERENCE_DATA_DIR, type ConformanceCase } from '../../cli/reference-data';
export const readCorpus = readReferenceData;

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
