/**
 * The one definition of the event sets and canonical filter patterns, shared by the rule, the remediation
 * document and the tests.
 */

/** The two events of the seed article: a bucket policy written or removed. */
export const POLICY_EVENT_NAMES = ['PutBucketPolicy', 'DeleteBucketPolicy'] as const;

/** CIS AWS Foundations Benchmark 3.8/4.8/5.8 (Security Hub CloudWatch.8), in the benchmark's order. */
export const CIS_EVENT_NAMES = [
  'PutBucketAcl',
  'PutBucketPolicy',
  'PutBucketCors',
  'PutBucketLifecycle',
  'PutBucketReplication',
  'DeleteBucketPolicy',
  'DeleteBucketCors',
  'DeleteBucketLifecycle',
  'DeleteBucketReplication',
] as const;

/** The seed article's two-event filter. It also sees directory-bucket (s3express) policy changes. */
export const POLICY_FILTER_PATTERN = `{ ${POLICY_EVENT_NAMES.map((name) => `($.eventName = "${name}")`).join(' || ')} }`;

/**
 * The CIS 4.8 filter, byte for byte as printed in every CIS version since 1.2 and in Security Hub's control
 * text. Security Hub CloudWatch.8 accepts only this text (whitespace aside).
 */
export const CIS_FILTER_PATTERN = `{ ($.eventSource = s3.amazonaws.com) && (${CIS_EVENT_NAMES.map((name) => `($.eventName = ${name})`).join(' || ')}) }`;

export type PatternProfile = 'POLICY' | 'CIS';

export const FILTER_PATTERNS: Record<PatternProfile, string> = {
  POLICY: POLICY_FILTER_PATTERN,
  CIS: CIS_FILTER_PATTERN,
};

/** Whitespace is insignificant between tokens of the CIS text, so parity compares without it. */
export function isSecurityHubExactText(pattern: string): boolean {
  const strip = (text: string) => text.replace(/\s+/g, '');
  return strip(pattern) === strip(CIS_FILTER_PATTERN);
}
