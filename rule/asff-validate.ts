/**
 * Checks a finding against what Security Hub's AWS Security Finding Format documents for BatchImportFindings: the
 * required top-level attributes, their formats and length limits (Security Hub API reference, AwsSecurityFinding and
 * the types it uses; User Guide, "Required top-level ASFF attributes" and "Types taxonomy for ASFF"). Pure. A finding
 * that fails here would come back in FailedFindings, or be stored in a form Security Hub does not document.
 */

const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;

/** The ASFF schema versions AWS has published. */
const SCHEMA_VERSIONS = ['2018-10-08'];

/** The Types namespaces of the ASFF taxonomy. */
const TYPE_NAMESPACES = ['Software and Configuration Checks', 'TTPs', 'Effects', 'Unusual Behaviors', 'Sensitive Data Identifications'];

const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const COMPLIANCE_STATUSES = ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'];
const RECORD_STATES = ['ACTIVE', 'ARCHIVED'];
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];

/** The timestamp forms Security Hub accepts: seconds, up to nine fractional digits, `Z` or an offset. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** `arn:partition:securityhub:region:account-id:product/company-id/product-id`. */
const PRODUCT_ARN = /^arn:aws(-[a-z]+)*:securityhub:[a-z]{2}(-[a-z]+)+-\d+:(\d{12})?:product\/[^/]+\/[^/]+$/;

/** A finding is at most 240 KB. */
const MAX_FINDING_BYTES = 240 * 1024;

type Json = Record<string, unknown>;

/** Every problem found, each naming the attribute; empty when the finding is valid. */
export function asffProblems(finding: unknown): string[] {
  if (typeof finding !== 'object' || finding === null || Array.isArray(finding)) return ['the finding is not a JSON object'];
  const f = finding as Json;
  const problems: string[] = [];
  for (const key of REQUIRED) if (f[key] === undefined || f[key] === null) problems.push(`${key} is required`);

  const text = (key: string, value: unknown, min: number, max: number) => {
    if (value === undefined) return;
    if (typeof value !== 'string') problems.push(`${key} must be a string`);
    else if (value.length < min || value.length > max) problems.push(`${key} must have ${min === max ? min : `${min} to ${max}`} characters, has ${value.length}`);
    else if (!/\S/.test(value)) problems.push(`${key} must not be blank`);
  };
  const oneOf = (key: string, value: unknown, allowed: string[]) => {
    if (value !== undefined && !allowed.includes(value as string)) problems.push(`${key} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  };
  const timestamp = (key: string, value: unknown) => {
    if (value !== undefined && (typeof value !== 'string' || !TIMESTAMP.test(value) || Number.isNaN(Date.parse(value)))) {
      problems.push(`${key} ${JSON.stringify(value)} is not a timestamp such as 2019-01-31T23:00:00.123Z`);
    }
  };
  const types = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length < 1 || value.length > 50) {
      problems.push(`${key} must be a list of 1 to 50 types`);
      return;
    }
    for (const type of value) {
      const parts = typeof type === 'string' ? type.split('/') : [];
      if (parts.length < 1 || parts.length > 3 || !TYPE_NAMESPACES.includes(parts[0]!) || parts.some((part) => part === '')) {
        problems.push(`${key} ${JSON.stringify(type)} is not namespace[/category[/classifier]] with a namespace of ${TYPE_NAMESPACES.join(', ')}`);
      }
    }
  };
  const severity = (key: string, value: unknown) => {
    if (value === undefined) return;
    const s = value as Json;
    if (typeof value !== 'object' || (s.Label === undefined && s.Normalized === undefined)) problems.push(`${key} must have a Label (or the deprecated Normalized)`);
    else oneOf(`${key}.Label`, s.Label, SEVERITY_LABELS);
  };

  text('AwsAccountId', f.AwsAccountId, 12, 12);
  if (typeof f.AwsAccountId === 'string' && !/^\d{12}$/.test(f.AwsAccountId)) problems.push('AwsAccountId must be a 12-digit account id');
  timestamp('CreatedAt', f.CreatedAt);
  timestamp('UpdatedAt', f.UpdatedAt);
  if (typeof f.CreatedAt === 'string' && typeof f.UpdatedAt === 'string' && Date.parse(f.UpdatedAt) < Date.parse(f.CreatedAt)) {
    problems.push('UpdatedAt is earlier than CreatedAt');
  }
  text('Description', f.Description, 1, 1024);
  text('GeneratorId', f.GeneratorId, 1, 512);
  text('Id', f.Id, 1, 512);
  text('ProductArn', f.ProductArn, 12, 2048);
  if (typeof f.ProductArn === 'string' && !PRODUCT_ARN.test(f.ProductArn)) {
    problems.push(`ProductArn "${f.ProductArn}" is not arn:partition:securityhub:region:account-id:product/company-id/product-id`);
  }
  oneOf('SchemaVersion', f.SchemaVersion, SCHEMA_VERSIONS);
  severity('Severity', f.Severity);
  text('Title', f.Title, 1, 256);
  types('Types', f.Types);

  if (f.Resources !== undefined) {
    if (!Array.isArray(f.Resources) || f.Resources.length < 1 || f.Resources.length > 32) problems.push('Resources must be a list of 1 to 32 resources');
    else {
      f.Resources.forEach((resource: Json, index) => {
        text(`Resources[${index}].Type`, resource?.Type ?? '', 1, 256);
        text(`Resources[${index}].Id`, resource?.Id ?? '', 1, 2048);
        oneOf(`Resources[${index}].Partition`, resource?.Partition, PARTITIONS);
        text(`Resources[${index}].Region`, resource?.Region, 1, 16);
      });
    }
  }

  const compliance = f.Compliance as Json | undefined;
  if (compliance !== undefined) {
    oneOf('Compliance.Status', compliance.Status, COMPLIANCE_STATUSES);
    const related = compliance.RelatedRequirements;
    if (related !== undefined && (!Array.isArray(related) || related.length > 32 || related.some((item) => typeof item !== 'string'))) {
      problems.push('Compliance.RelatedRequirements must be a list of at most 32 strings');
    }
  }
  const productFields = f.ProductFields as Json | undefined;
  if (productFields !== undefined) {
    const entries = Object.entries(productFields);
    if (entries.length > 50) problems.push(`ProductFields has ${entries.length} entries; at most 50`);
    for (const [key, value] of entries) {
      if (key.length < 1 || key.length > 128) problems.push(`ProductFields key "${key}" must have 1 to 128 characters`);
      if (typeof value !== 'string' || value.length > 2048) problems.push(`ProductFields["${key}"] must be a string of at most 2048 characters`);
    }
  }
  const recommendation = (f.Remediation as Json | undefined)?.Recommendation as Json | undefined;
  if (recommendation !== undefined) {
    text('Remediation.Recommendation.Text', recommendation.Text, 1, 512);
    if (recommendation.Url !== undefined && (typeof recommendation.Url !== 'string' || !/^https?:\/\/\S+$/.test(recommendation.Url))) {
      problems.push('Remediation.Recommendation.Url must be an http(s) URL');
    }
  }
  oneOf('RecordState', f.RecordState, RECORD_STATES);
  const provider = f.FindingProviderFields as Json | undefined;
  if (provider !== undefined) {
    severity('FindingProviderFields.Severity', provider.Severity);
    types('FindingProviderFields.Types', provider.Types);
  }
  const bytes = Buffer.byteLength(JSON.stringify(finding), 'utf8');
  if (bytes > MAX_FINDING_BYTES) problems.push(`the finding has ${bytes} bytes; at most ${MAX_FINDING_BYTES}`);
  return problems;
}

/** Throws, naming every problem, unless the finding is valid ASFF. */
export function assertValidAsff(finding: unknown): void {
  const problems = asffProblems(finding);
  if (problems.length > 0) throw new Error(`the finding is not valid ASFF: ${problems.join('; ')}`);
}
