import { CIS_EVENT_NAMES, isSecurityHubExactText } from './events/canonical';
import { LINK_KINDS, type ChainReport, type Compliance, type LinkReport, type Verdict } from './evaluate';

/**
 * The verdict as one finding in the AWS Security Finding Format (ASFF), for BatchImportFindings as a custom
 * integration of the account's own product (`product/<account>/default`). Pure: verdict, chains, where and when in;
 * a plain ASFF object out. Each account and region has one finding, with a stable Id, updated on every evaluation,
 * so that it neither multiplies nor ages out (Security Hub deletes a finding 90 days after its last update).
 */

/** The ASFF fields this rule sends (names and shapes as in the Security Hub API's AwsSecurityFinding). */
export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: SeverityLabel };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  Compliance: { Status: ComplianceStatus; RelatedRequirements?: string[] };
  RecordState: 'ACTIVE';
  /** How a finding provider sets Severity and Types, also on updates (the top-level ones are the customer's to change). */
  FindingProviderFields: { Severity: { Label: SeverityLabel }; Types: string[] };
}

export interface AsffResource {
  Type: string;
  Id: string;
  Partition: string;
  Region: string;
}

export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type ComplianceStatus = 'PASSED' | 'FAILED' | 'NOT_AVAILABLE';

/** The only ASFF schema version AWS has published. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** `namespace/category/classifier` from the ASFF types taxonomy. */
export const FINDING_TYPES = ['Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'];

export const GENERATOR_ID = 's3-policy-watch/bucket-policy-change-alarm-chain';

/**
 * Where the fix is described. The project has no published home page, so the URL is Security Hub's own remediation
 * of CloudWatch.8 (the chain the SSM remediation builds); the text points to the project's README.
 */
export const REMEDIATION_URL = 'https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html#cloudwatch-8';

/**
 * "Ensure S3 bucket policy changes are monitored" in each CIS AWS Foundations Benchmark version Security Hub
 * offers, in the `CIS AWS Foundations Benchmark vX/N` form of Security Hub's own RelatedRequirements.
 */
export const CIS_REQUIREMENTS = [
  'CIS AWS Foundations Benchmark v1.2.0/3.8',
  'CIS AWS Foundations Benchmark v1.4.0/4.8',
  'CIS AWS Foundations Benchmark v3.0.0/4.8',
  'CIS AWS Foundations Benchmark v5.0.0/4.8',
];

/** The private product ARN of a custom integration: the account is its own company, the product `default`. */
export function productArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** One finding per account and region, whatever the verdict: each evaluation updates it. */
export function findingId(region: string, accountId: string): string {
  return `${region}/${accountId}/s3-policy-watch/bucket-policy-changes`;
}

export interface FindingInput {
  verdict: Pick<Verdict, 'compliance' | 'annotation'> & { chains?: ChainReport[] };
  accountId: string;
  region: string;
  partition: string;
  requiredEvents: readonly string[];
  /** When this evaluation ran. */
  now: Date;
  /** The finding as Security Hub holds it, if it exists: its CreatedAt is kept and UpdatedAt must move forward. */
  existing?: { createdAt: string; updatedAt: string };
}

const COMPLIANCE_STATUS: Record<Compliance, ComplianceStatus> = {
  COMPLIANT: 'PASSED',
  NON_COMPLIANT: 'FAILED',
  NOT_APPLICABLE: 'NOT_AVAILABLE',
};

/** Config's verdict as the finding's Compliance.Status. */
export function complianceStatus(compliance: Compliance): ComplianceStatus {
  return COMPLIANCE_STATUS[compliance];
}

const ACCOUNT_RESOURCE_TYPE = 'AwsAccount';

export function securityHubFinding(input: FindingInput): AsffFinding {
  const { verdict, accountId, region, partition } = input;
  const chains = verdict.chains ?? [];
  const status = complianceStatus(verdict.compliance);
  const severity = severityOf(verdict.compliance, chains);
  const { createdAt, updatedAt } = timestamps(input.now, input.existing);
  // No chains at all when the account was not evaluated (it left the rule's scope): nothing to predict then.
  const outlook = verdict.chains ? cloudWatch8Outlook(chains, accountId, region) : NOT_EVALUATED;
  const coversCis = CIS_EVENT_NAMES.every((name) => input.requiredEvents.includes(name));
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(region, accountId),
    ProductArn: productArn(partition, region, accountId),
    GeneratorId: GENERATOR_ID,
    AwsAccountId: accountId,
    Types: FINDING_TYPES,
    CreatedAt: createdAt,
    UpdatedAt: updatedAt,
    Severity: { Label: severity },
    Title: title(verdict.compliance, chains, accountId),
    Description: description(verdict.annotation, chains, outlook),
    Remediation: { Recommendation: { Text: recommendation(verdict.compliance), Url: REMEDIATION_URL } },
    ProductFields: productFields(verdict.compliance, chains, input.requiredEvents, outlook, coversCis),
    Resources: resources(chains, accountId, region, partition),
    // Only a check of all nine CIS events is the CIS control; a narrower RequiredEvents says so in ProductFields.
    Compliance: { Status: status, ...(coversCis ? { RelatedRequirements: CIS_REQUIREMENTS } : {}) },
    RecordState: 'ACTIVE',
    FindingProviderFields: { Severity: { Label: severity }, Types: FINDING_TYPES },
  };
}

/**
 * Security Hub's labels: INFORMATIONAL "no issue was found"; MEDIUM "must be addressed but not urgently"; HIGH "must
 * be addressed as a priority". A broken chain is MEDIUM while a working trail still records the changes (they can be
 * found afterwards); HIGH when no trail records them at all.
 */
export function severityOf(compliance: Compliance, chains: ChainReport[]): SeverityLabel {
  if (compliance !== 'NON_COMPLIANT') return 'INFORMATIONAL';
  const recorded = chains.some((chain) => chain.links[0]?.link === 'trail' && chain.links[0].status === 'ok');
  return recorded ? 'MEDIUM' : 'HIGH';
}

/**
 * On creation CreatedAt and UpdatedAt are the same; on an update CreatedAt is the existing one, and UpdatedAt must be
 * later than the existing one, or Security Hub ignores the update (two runs in one millisecond, or clock skew).
 */
function timestamps(now: Date, existing: FindingInput['existing']): { createdAt: string; updatedAt: string } {
  if (!existing) return { createdAt: now.toISOString(), updatedAt: now.toISOString() };
  const previous = Date.parse(existing.updatedAt);
  const updated = Number.isNaN(previous) || now.getTime() > previous ? now : new Date(previous + 1);
  return { createdAt: existing.createdAt, updatedAt: updated.toISOString() };
}

function title(compliance: Compliance, chains: ChainReport[], accountId: string): string {
  if (compliance === 'COMPLIANT') return `S3 bucket policy changes in account ${accountId} raise an alarm that reaches a subscriber`;
  if (compliance === 'NOT_APPLICABLE') return `S3 bucket policy change alarms of account ${accountId} are not judged here`;
  const broken = chains.length === 0 ? undefined : firstBroken(furthest(chains));
  const where = broken ? `the chain breaks at the ${broken.link} link` : 'no CloudTrail trail records them';
  return `S3 bucket policy changes in account ${accountId} notify no one: ${where}`;
}

/** The chain that got furthest before breaking: the one a reader fixes first. */
function furthest(chains: ChainReport[]): ChainReport {
  const reach = (chain: ChainReport) => {
    const broken = chain.links.findIndex((link) => link.status !== 'ok');
    return broken === -1 ? chain.links.length : broken;
  };
  return chains.reduce((best, chain) => (reach(chain) > reach(best) ? chain : best));
}

function firstBroken(chain: ChainReport): LinkReport | undefined {
  return chain.links.find((link) => link.status !== 'ok');
}

function linkText(link: LinkReport): string {
  return link.subject ? `${link.subject} ${link.detail}` : link.detail;
}

const MAX_DESCRIPTION = 1024;

/** The annotation, each chain's broken link in full (or the complete chain), and what CloudWatch.8 will say. */
function description(annotation: string, chains: ChainReport[], outlook: CloudWatch8Outlook): string {
  const lines = chains.map((chain, index) => {
    const broken = firstBroken(chain);
    const label = `Chain ${index + 1} of ${chains.length}`;
    if (!broken) return `${label} complete: ${chain.links.map((link) => link.subject ?? link.link).join(' → ')}.`;
    return `${label} ${broken.status === 'broken' ? `broken at the ${broken.link} link` : 'not applicable'}: ${linkText(broken)}.`;
  });
  const cloudWatch8 = `Security Hub CloudWatch.8: ${outlook.status} (${outlook.reason}).`;
  const head = `${annotation}\n\n`;
  const body = [...lines, cloudWatch8].join('\n');
  return fit(head + body, MAX_DESCRIPTION);
}

function recommendation(compliance: Compliance): string {
  if (compliance === 'COMPLIANT') return 'Nothing to fix. Keep the chain: the tamper watch re-evaluates the rule when a link changes. See README "Security Hub" of s3-policy-watch.';
  if (compliance === 'NOT_APPLICABLE') {
    return 'The chain is judged in the account that owns the trail: set the rule parameter TrailOwnerReadRoleName to follow it from here. See README "Organization" of s3-policy-watch.';
  }
  return 'Fix the first broken link named in the description, or let the attached SSM Automation remediation build the filter, alarm and topic on the trail\'s log group; `npx s3-policy-watch check` shows every chain link by link. See README "Security Hub" of s3-policy-watch.';
}

export interface CloudWatch8Outlook {
  /** What Security Hub's CloudWatch.8 is expected to report for this account and region. */
  status: 'PASSED' | 'FAILED' | 'NO_DATA' | 'NOT_PREDICTED';
  reason: string;
}

const NOT_EVALUATED: CloudWatch8Outlook = { status: 'NOT_PREDICTED', reason: 'the account was not evaluated' };

/**
 * What Security Hub's own control CloudWatch.8 will report here, from its documented rules: it fails with no trail;
 * it judges only trails the account owns, in their home region (NO_DATA elsewhere); it demands the exact CIS filter
 * text, an alarm on the filter's metric and an SNS topic with a subscriber. It does not judge whether the alarm can
 * fire, so it may pass where this rule fails.
 */
export function cloudWatch8Outlook(chains: ChainReport[], accountId: string, region: string): CloudWatch8Outlook {
  if (chains.length === 0) return { status: 'FAILED', reason: 'no trail is configured' };
  const own = chains.filter((chain) => chain.status !== 'not-applicable' && !chain.readInAccount && arnField(chain.trailArn, 4) === accountId);
  if (own.length === 0) {
    return { status: 'NO_DATA', reason: `the trail belongs to account ${arnField(chains[0]!.trailArn, 4)}; CloudWatch.8 judges only the account that owns it` };
  }
  const homed = own.filter((chain) => arnField(chain.trailArn, 3) === region);
  if (homed.length === 0) {
    return { status: 'NO_DATA', reason: `the trail is based in ${arnField(own[0]!.trailArn, 3)}; CloudWatch.8 reports only in the trail's home region` };
  }
  const exact = homed.filter((chain) => chain.filterPattern !== undefined && isSecurityHubExactText(chain.filterPattern));
  if (exact.length === 0) return { status: 'FAILED', reason: 'no metric filter on the trail\'s log group is the exact CIS filter text it demands' };
  const passing = exact.find((chain) => chain.links[0]?.status === 'ok' && chain.alarmArn && chain.links.some((link) => link.link === 'notification' && link.status === 'ok'));
  if (passing) return { status: 'PASSED', reason: `expected: filter "${passing.filterName}" is the exact CIS text and its alarm reaches a subscriber` };
  return { status: 'FAILED', reason: `filter "${exact[0]!.filterName}" is the exact CIS text, but its trail, alarm or subscriber does not meet CIS` };
}

/** Field `index` of an ARN (3: region, 4: account); the evaluator has already parsed these ARNs. */
function arnField(arn: string, index: number): string {
  return arn.split(':')[index] ?? '';
}

const MAX_PRODUCT_FIELD_VALUE = 2048;

function productFields(
  compliance: Compliance,
  chains: ChainReport[],
  requiredEvents: readonly string[],
  outlook: CloudWatch8Outlook,
  coversCis: boolean,
): Record<string, string> {
  const summary = chains.length === 0
    ? 'no trail'
    : chains.map((chain, index) => `${index + 1}: ${LINK_KINDS.map((kind) => `${kind} ${chain.links.find((link) => link.link === kind)?.status ?? 'not examined'}`).join(', ')}`).join('; ');
  const missing = CIS_EVENT_NAMES.filter((name) => !requiredEvents.includes(name));
  return {
    's3-policy-watch/ConfigCompliance': compliance,
    's3-policy-watch/RequiredEvents': fit(requiredEvents.join(','), MAX_PRODUCT_FIELD_VALUE),
    's3-policy-watch/Chains': `${chains.filter((chain) => chain.status === 'complete').length} of ${chains.length} complete`,
    's3-policy-watch/ChainSummary': fit(summary, MAX_PRODUCT_FIELD_VALUE),
    's3-policy-watch/SecurityHubCloudWatch8': fit(`${outlook.status}: ${outlook.reason}`, MAX_PRODUCT_FIELD_VALUE),
    's3-policy-watch/CisCoverage': coversCis
      ? 'all nine CIS events'
      : fit(`partial: ${missing.join(', ')} are not required (RequiredEvents=CIS checks all nine)`, MAX_PRODUCT_FIELD_VALUE),
  };
}

const MAX_RESOURCES = 32;

const RESOURCE_TYPES: { field: keyof ChainReport; type: string }[] = [
  { field: 'trailArn', type: 'AwsCloudTrailTrail' },
  // ASFF has no log group type: `Other`, with the log group's ARN as its Id.
  { field: 'logGroupArn', type: 'Other' },
  { field: 'alarmArn', type: 'AwsCloudWatchAlarm' },
  { field: 'topicArn', type: 'AwsSnsTopic' },
];

/** The account, then every trail, log group, alarm and topic the chains reach, each once, in its own region. */
function resources(chains: ChainReport[], accountId: string, region: string, partition: string): AsffResource[] {
  const account: AsffResource = { Type: ACCOUNT_RESOURCE_TYPE, Id: `AWS::::Account:${accountId}`, Partition: partition, Region: region };
  const seen = new Set<string>();
  const linked: AsffResource[] = [];
  for (const { field, type } of RESOURCE_TYPES) {
    for (const chain of chains) {
      const arn = chain[field];
      if (typeof arn !== 'string' || seen.has(arn)) continue;
      seen.add(arn);
      linked.push({ Type: type, Id: arn, Partition: arnField(arn, 1), Region: arnField(arn, 3) });
    }
  }
  return [account, ...linked].slice(0, MAX_RESOURCES);
}

/** `text` within `max` UTF-16 units, never cutting a surrogate pair; an ellipsis marks the cut. */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  let cut = '';
  for (const point of points) {
    if (cut.length + point.length > max - 1) break;
    cut += point;
  }
  return `${cut}…`;
}
