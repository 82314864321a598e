import { s3ChangeRecord, type CloudTrailRecord } from './catalog';

/**
 * The records CloudTrail can write for one kind of call, as a space: a base record (one real-looking instance)
 * and, for every path that varies from call to call, what CloudTrail can put there (docs/aws-behaviour.md
 * F1–F9). The coverage analysis quantifies over this space instead of over a handful of example records, so a
 * filter is judged against every record that could exist and against no record that could not.
 *
 * A path that no rule below names and no ancestor makes open is fixed: it holds what the base record holds, and a
 * top-level key the base record lacks is never written (CloudTrail adds fields only with a new eventVersion).
 */

/** What a varying path can hold. Strings are described in the filter-pattern regex subset, anchored. */
export type ValueDomain =
  | {
      kind: 'string';
      /** one of these branches, each anchored */ pattern: string;
      /** never these values */ excluded?: string[];
      /** every value reads as a positive number (eventVersion "1.09"), so it can be a metric value */ positiveNumeral?: boolean;
    }
  /** Whole numbers (byte counts) from min to max. */
  | { kind: 'number'; min: number; max: number }
  | { kind: 'boolean' }
  /** Caller-controlled JSON: any value, object or text. */
  | { kind: 'open' };

export interface FieldRule {
  /** `$.a.b`, or `$.a.*` for every path below `$.a` (nearest rule wins). */
  path: string;
  /** `always`: CloudTrail writes it on every record of the space; `sometimes`: some records lack it. */
  presence: 'always' | 'sometimes';
  domain: ValueDomain;
  /** How a reader names a record by this field, for miss reasons ("made by", "in region", …). */
  noun?: string;
}

export interface RecordSpace {
  /** The records in words: "PutBucketPolicy record", "read of s3.amazonaws.com". */
  label: string;
  base: CloudTrailRecord;
  rules: readonly FieldRule[];
  /** The record a witness is described against (a part of a space: the whole space's base); else `base`. */
  reference?: CloudTrailRecord;
}

// ---------------------------------------------------------------- domains (F4: what CloudTrail writes)

const DIGITS12 = '^\\d{12}$';
const TIMESTAMP = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$';
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/** S3 general purpose bucket names: 3–63 characters of a-z 0-9 . -, beginning and ending with a letter or digit. */
export const BUCKET_NAME = '[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]';
/** Region codes: us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1, … */
const REGION = '^[a-z]{2}-[a-z]+-\\d$|^[a-z]{2}-gov-[a-z]+-\\d$|^[a-z]{2}-iso[a-z]?-[a-z]+-\\d$';
/** sourceIPAddress: an IPv4 or IPv6 address, the service that made the call, or "AWS Internal". */
const SOURCE_IP = '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$|^[0-9a-f]{0,4}:[0-9a-f:]{1,38}$|^[a-z0-9\\-]+\\.amazonaws\\.com$|^AWS Internal$';
/** IAM and STS principal ARNs in every partition; role session and user names are the caller's choice. */
const PRINCIPAL_ARN = '^arn:aws[a-z\\-]*:iam::\\d{12}:[A-Za-z0-9+=,.@_/\\-]+$|^arn:aws[a-z\\-]*:sts::\\d{12}:[A-Za-z0-9+=,.@_/\\-]+$';
const IDENTITY_TYPES = ['Root', 'IAMUser', 'AssumedRole', 'Role', 'FederatedUser', 'AWSAccount', 'AWSService', 'IdentityCenterUser', 'Directory', 'SAMLUser', 'WebIdentityUser', 'Unknown'];
const oneOf = (values: readonly string[]) => values.map((value) => `^${value.replace(/[.\\]/g, '\\$&')}$`).join('|');
/** Any text at all (caller-controlled headers and messages). */
export const ANY_TEXT = '^.*$';

const string = (pattern: string, excluded?: string[]): ValueDomain => ({ kind: 'string', pattern, ...(excluded ? { excluded } : {}) });
const OPEN: ValueDomain = { kind: 'open' };

/** Who, from where, with what, when: the envelope every CloudTrail record of an API call varies in. */
const ENVELOPE_RULES: readonly FieldRule[] = [
  { path: '$.eventVersion', presence: 'always', domain: { kind: 'string', pattern: '^1\\.[01]\\d$', positiveNumeral: true } },
  { path: '$.eventTime', presence: 'always', domain: string(TIMESTAMP) },
  { path: '$.awsRegion', presence: 'always', domain: string(REGION), noun: 'in region' },
  { path: '$.sourceIPAddress', presence: 'always', domain: string(SOURCE_IP), noun: 'sent from' },
  // F3: the caller sets the User-Agent header; CloudTrail keeps up to 1 KB of it.
  { path: '$.userAgent', presence: 'sometimes', domain: string(ANY_TEXT), noun: 'whose user agent is' },
  { path: '$.requestID', presence: 'always', domain: string('^[A-Za-z0-9+/=\\-]+$') },
  { path: '$.eventID', presence: 'always', domain: string(UUID) },
  { path: '$.recipientAccountId', presence: 'always', domain: string(DIGITS12), noun: 'delivered to account' },
  { path: '$.userIdentity.type', presence: 'always', domain: string(oneOf(IDENTITY_TYPES)), noun: 'made by' },
  { path: '$.userIdentity.arn', presence: 'sometimes', domain: string(PRINCIPAL_ARN), noun: 'made by' },
  { path: '$.userIdentity.accountId', presence: 'sometimes', domain: string(DIGITS12), noun: 'made from account' },
  { path: '$.userIdentity.invokedBy', presence: 'sometimes', domain: string('^[a-z0-9\\-]+\\.amazonaws\\.com$|^AWS Internal$'), noun: 'made on behalf of' },
  // The rest of the identity (principal ids, access keys, session context and issuer) is open: its shape depends on
  // the identity type, and session names and tags are the caller's choice.
  { path: '$.userIdentity.*', presence: 'sometimes', domain: OPEN },
  // F2: optional top-level fields CloudTrail adds to some records only.
  { path: '$.tlsDetails.*', presence: 'sometimes', domain: OPEN },
  { path: '$.tlsDetails', presence: 'sometimes', domain: OPEN },
  { path: '$.additionalEventData.*', presence: 'sometimes', domain: OPEN },
  { path: '$.additionalEventData', presence: 'sometimes', domain: OPEN },
  { path: '$.vpcEndpointId', presence: 'sometimes', domain: string('^vpce-[0-9a-f]{8,17}$'), noun: 'sent through VPC endpoint' },
  { path: '$.vpcEndpointAccountId', presence: 'sometimes', domain: string(`${DIGITS12}|^AWS Internal$`), noun: 'sent through a VPC endpoint of account' },
  { path: '$.sharedEventID', presence: 'sometimes', domain: string(UUID) },
  { path: '$.sessionCredentialFromConsole', presence: 'sometimes', domain: string('^true$'), noun: 'made with console credentials' },
  { path: '$.edgeDeviceDetails', presence: 'sometimes', domain: OPEN },
  { path: '$.edgeDeviceDetails.*', presence: 'sometimes', domain: OPEN },
  { path: '$.addendum', presence: 'sometimes', domain: OPEN, noun: 'delivered late or updated (addendum)' },
  { path: '$.addendum.*', presence: 'sometimes', domain: OPEN },
  { path: '$.eventContext', presence: 'sometimes', domain: OPEN },
  { path: '$.eventContext.*', presence: 'sometimes', domain: OPEN },
];

/** What a bucket call names: the bucket (S3's naming rules), its host, its resource entry; the rest is the request. */
const BUCKET_CALL_RULES: readonly FieldRule[] = [
  { path: '$.requestParameters.bucketName', presence: 'always', domain: string(`^${BUCKET_NAME}$`), noun: 'on bucket' },
  // A host name: letters, digits, dots and hyphens, beginning and ending with a letter or digit.
  { path: '$.requestParameters.Host', presence: 'sometimes', domain: string('^[a-z0-9][a-z0-9.\\-]*[a-z0-9]$|^[a-z0-9]$') },
  // F3: the request body (a bucket policy, a CORS or lifecycle configuration) is the caller's text.
  { path: '$.requestParameters.*', presence: 'sometimes', domain: OPEN },
  { path: '$.resources.*.ARN', presence: 'always', domain: string(`^arn:aws[a-z\\-]*:s3:::${BUCKET_NAME}$`) },
  { path: '$.resources.*.accountId', presence: 'sometimes', domain: string(DIGITS12) },
];

/** F5: the size of the request body, which a call without a body (Delete*) does not have. */
function byteCountRules(eventName: string): FieldRule[] {
  const withBody = !eventName.startsWith('Delete');
  return [
    // F5: a bucket policy is at most 20 KB; other configuration bodies are bounded by S3's request size.
    { path: '$.additionalEventData.bytesTransferredIn', presence: 'sometimes', domain: withBody ? { kind: 'number', min: 1, max: eventName === 'PutBucketPolicy' ? 20_480 : 5_242_880 } : { kind: 'number', min: 0, max: 0 } },
    { path: '$.additionalEventData.bytesTransferredOut', presence: 'sometimes', domain: { kind: 'number', min: 0, max: 0 } },
  ];
}

const changeSpaces = new Map<string, RecordSpace>();

/** Every successful record of one S3 bucket-configuration change event (F1). Shared: treat as read-only. */
export function changeSpace(eventName: string): RecordSpace {
  let space = changeSpaces.get(eventName);
  if (!space) changeSpaces.set(eventName, (space = buildChangeSpace(eventName)));
  return space;
}

function buildChangeSpace(eventName: string): RecordSpace {
  return { label: `${eventName} record`, base: s3ChangeRecord(eventName), rules: [...byteCountRules(eventName), ...BUCKET_CALL_RULES, ...ENVELOPE_RULES] };
}

// ---------------------------------------------------------------- records that are not bucket-configuration changes (F7)

/** S3's object-level (data event) API names (F7). */
const S3_DATA_EVENT_NAMES = [
  'GetObject', 'PutObject', 'DeleteObject', 'DeleteObjects', 'HeadObject', 'CopyObject', 'GetObjectAcl', 'PutObjectAcl', 'GetObjectTagging',
  'PutObjectTagging', 'DeleteObjectTagging', 'GetObjectAttributes', 'GetObjectRetention', 'PutObjectRetention', 'GetObjectLegalHold',
  'PutObjectLegalHold', 'RestoreObject', 'SelectObjectContent', 'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy',
  'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions', 'ListMultipartUploads',
];
/** Event names of S3's own bucket APIs: another service does not log these. */
const S3_API_NAME = ['^PutBucket', '^DeleteBucket', '^GetBucket', '^ListBucket', '^HeadBucket', '^CreateBucket'];
const ERROR_RULES: readonly FieldRule[] = [
  { path: '$.errorCode', presence: 'sometimes', domain: string('^[A-Za-z.]+$') },
  { path: '$.errorMessage', presence: 'sometimes', domain: string(ANY_TEXT) },
];
const OPEN_RESPONSE: readonly FieldRule[] = [
  { path: '$.responseElements', presence: 'sometimes', domain: OPEN },
  { path: '$.responseElements.*', presence: 'sometimes', domain: OPEN },
  { path: '$.resources', presence: 'sometimes', domain: OPEN },
  { path: '$.resources.*', presence: 'sometimes', domain: OPEN },
];

/**
 * Records that must not raise the alarm, as spaces decided field by field: reads of S3, S3 data events, and every
 * other service's records (sign-ins, EC2, IAM, CloudTrail lookups that merely mention a name). A filter matching
 * any record of one of them is over-broad (issue 15 point 9).
 */
export function nonChangeSpaces(): readonly RecordSpace[] {
  return (nonChange ??= buildNonChangeSpaces());
}
let nonChange: RecordSpace[] | undefined;

function buildNonChangeSpaces(): RecordSpace[] {
  const base = s3ChangeRecord('PutBucketPolicy');
  const read: RecordSpace = {
    label: 'read of s3.amazonaws.com on a bucket',
    base: { ...base, eventName: 'GetBucketPolicy', readOnly: true },
    rules: [
      { path: '$.eventName', presence: 'always', domain: string('^Get[A-Za-z]+$|^List[A-Za-z]+$|^Head[A-Za-z]+$') },
      ...ERROR_RULES,
      ...OPEN_RESPONSE,
      ...BUCKET_CALL_RULES,
      ...ENVELOPE_RULES,
    ],
  };
  const data: RecordSpace = {
    label: 'S3 data event (object-level call)',
    base: { ...base, eventName: 'PutObject', managementEvent: false, eventCategory: 'Data' },
    rules: [
      { path: '$.eventName', presence: 'always', domain: string(oneOf(S3_DATA_EVENT_NAMES)) },
      { path: '$.readOnly', presence: 'always', domain: { kind: 'boolean' } }, ...ERROR_RULES, ...OPEN_RESPONSE, ...BUCKET_CALL_RULES, ...ENVELOPE_RULES],
  };
  const other: RecordSpace = {
    label: 'call of another service',
    base: {
      ...base,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'RunInstances',
      requestParameters: { instanceType: 't3.micro' },
    },
    rules: [
      {
        path: '$.eventSource',
        presence: 'always',
        domain: string('^[a-z0-9\\-]+\\.amazonaws\\.com$', ['^s3\\.amazonaws\\.com$', '^s3express\\.amazonaws\\.com$', '^s3-outposts\\.amazonaws\\.com$']),
      },
      { path: '$.eventName', presence: 'always', domain: string('^[A-Z][A-Za-z0-9]+$', S3_API_NAME) },
      { path: '$.readOnly', presence: 'sometimes', domain: { kind: 'boolean' } },
      { path: '$.managementEvent', presence: 'sometimes', domain: { kind: 'boolean' } },
      { path: '$.eventType', presence: 'always', domain: string('^AwsApiCall$|^AwsConsoleSignIn$|^AwsConsoleAction$|^AwsServiceEvent$') },
      { path: '$.eventCategory', presence: 'always', domain: string('^Management$|^Data$|^NetworkActivity$') },
      ...ERROR_RULES,
      ...OPEN_RESPONSE,
      { path: '$.requestParameters', presence: 'sometimes', domain: OPEN },
      { path: '$.requestParameters.*', presence: 'sometimes', domain: OPEN },
      { path: '$.additionalEventData', presence: 'sometimes', domain: OPEN },
      { path: '$.additionalEventData.*', presence: 'sometimes', domain: OPEN },
      ...ENVELOPE_RULES,
    ],
  };
  return [read, data, other];
}

// ---------------------------------------------------------------- who made the call (F11)

const ARN_NAME = '[A-Za-z0-9+=,.@_\\-]+';
/**
 * F11: an identity's type fixes the form of its ARN (IAM identifiers): the root user's ends in `:root`, an IAM
 * user's is `iam::…:user/…`, an assumed role's `sts::…:assumed-role/role/session`, a federated user's
 * `sts::…:federated-user/…`. Each of these types is a part of the space of its own, so no witness pairs a type with
 * another type's ARN; the other types (AWS services, other accounts, Identity Center, SAML and web identity users,
 * …) keep any principal ARN, or none.
 */
const IDENTITY_FORMS: ReadonlyArray<{ type: string; arn: string; identity: (account: string) => Record<string, unknown> }> = [
  {
    type: 'AssumedRole',
    arn: `^arn:aws[a-z\\-]*:sts::\\d{12}:assumed-role/${ARN_NAME}/${ARN_NAME}$`,
    identity: (account) => ({ type: 'AssumedRole', principalId: 'AROAEXAMPLEROLEID0001:alice', arn: `arn:aws:sts::${account}:assumed-role/SecurityAdmin/alice`, accountId: account }),
  },
  { type: 'Root', arn: '^arn:aws[a-z\\-]*:iam::\\d{12}:root$', identity: (account) => ({ type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId: 'ASIAEXAMPLEKEY000004' }) },
  {
    type: 'IAMUser',
    // A user's path may hold any printable ASCII character (IAM API, CreateUser Path).
    arn: '^arn:aws[a-z\\-]*:iam::\\d{12}:user/[\\x21-\\x7e]+$',
    identity: (account) => ({ type: 'IAMUser', principalId: 'AIDAEXAMPLEUSERID0003', arn: `arn:aws:iam::${account}:user/ops-carol`, accountId: account, accessKeyId: 'AKIAEXAMPLEKEY000003', userName: 'ops-carol' }),
  },
  {
    type: 'FederatedUser',
    arn: `^arn:aws[a-z\\-]*:sts::\\d{12}:federated-user/${ARN_NAME}$`,
    identity: (account) => ({ type: 'FederatedUser', principalId: `${account}:dana`, arn: `arn:aws:sts::${account}:federated-user/dana`, accountId: account, accessKeyId: 'ASIAEXAMPLEKEY000005' }),
  },
];

/** The other types' ARN, when they have one: any principal ARN form IAM defines (a role's too), never another resource. */
const OTHER_IDENTITY_ARN = [...IDENTITY_FORMS.map((form) => form.arn), '^arn:aws[a-z\\-]*:iam::\\d{12}:role/[\\x21-\\x7e]+$'].join('|');

/** The paths in which the parts of a split space differ: a pattern that reads neither sees one part as all. */
export const IDENTITY_PATHS: ReadonlyArray<readonly string[]> = [
  ['userIdentity', 'type'],
  ['userIdentity', 'arn'],
];

const splitSpaces = new WeakMap<RecordSpace, RecordSpace[]>();
/**
 * A space split by who made the call: one part per identity type whose ARN has a fixed form, the base record's own
 * type first, then one for every other type. Together they hold exactly the space's records.
 */
export function identityParts(space: RecordSpace): readonly RecordSpace[] {
  let parts = splitSpaces.get(space);
  if (!parts) splitSpaces.set(space, (parts = splitByIdentity(space)));
  return parts;
}

function splitByIdentity(space: RecordSpace): RecordSpace[] {
  const identity = space.base.userIdentity as Record<string, unknown>;
  const part = (types: readonly string[], arn: string | undefined, userIdentity: Record<string, unknown>): RecordSpace => ({
    ...space,
    base: { ...space.base, userIdentity },
    reference: space.reference ?? space.base,
    rules: space.rules.map((rule) => {
      if (rule.path === '$.userIdentity.type') return { ...rule, domain: string(oneOf(types)) };
      if (rule.path === '$.userIdentity.arn') return { ...rule, domain: string(arn ?? PRINCIPAL_ARN) };
      return rule;
    }),
  });
  const forms = [...IDENTITY_FORMS].sort((a, b) => Number(b.type === identity.type) - Number(a.type === identity.type));
  const others = IDENTITY_TYPES.filter((type) => !IDENTITY_FORMS.some((form) => form.type === type));
  return [
    ...forms.map((form) => part([form.type], form.arn, form.type === identity.type ? identity : form.identity(String(identity.accountId)))),
    part(others, OTHER_IDENTITY_ARN, { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' }),
  ];
}

const ruleSteps = new WeakMap<FieldRule, string[]>();
function stepsOf(rule: FieldRule): string[] {
  let steps = ruleSteps.get(rule);
  if (!steps) ruleSteps.set(rule, (steps = rule.path.slice(2).split('.')));
  return steps;
}

const rulesByPath = new WeakMap<RecordSpace, Map<string, FieldRule | undefined>>();
/** The nearest rule for a concrete path (`$.a.b`, array indexes written as `.*`-matched keys), or undefined: fixed. */
export function ruleFor(space: RecordSpace, path: readonly (string | number)[]): FieldRule | undefined {
  // Asked for every condition of every pattern in every space: remembered per space.
  let known = rulesByPath.get(space);
  if (!known) rulesByPath.set(space, (known = new Map()));
  const key = path.join('\u0000');
  if (!known.has(key)) known.set(key, nearestRule(space, path));
  return known.get(key);
}

function nearestRule(space: RecordSpace, path: readonly (string | number)[]): FieldRule | undefined {
  let best: { rule: FieldRule; depth: number } | undefined;
  // A `*` inside a rule's path stands for the keys the base record has there (`$.resources.*.ARN`: each resource
  // CloudTrail lists), not for any key: `resources[1]` of a one-resource record is absent, so fixed.
  const matches = (steps: readonly string[]) => steps.every((step, i) => (step === '*' ? hasKey(space.base, path.slice(0, i), path[i]) : step === String(path[i])));
  for (const rule of space.rules) {
    const steps = stepsOf(rule);
    const open = steps[steps.length - 1] === '*' && rule.domain.kind === 'open' && steps.length >= 2 && !rule.path.includes('.*.');
    if (open) {
      const prefix = steps.slice(0, -1);
      if (path.length > prefix.length && prefix.every((step, i) => step === String(path[i]))) {
        const depth = prefix.length + 0.5;
        if (!best || depth > best.depth) best = { rule, depth };
      }
      continue;
    }
    // Below a field that holds a string, a number or a boolean there is nothing: such a path is fixed (absent).
    if (steps.length < path.length && rule.domain.kind !== 'open' && matches(steps)) return undefined;
    if (steps.length !== path.length) continue;
    if (matches(steps)) {
      const depth = steps.length;
      if (!best || depth > best.depth) best = { rule, depth };
    }
  }
  return best?.rule;
}

/**
 * Whether the node at `path` in `record` has the key as a filter selector reads it: a number indexes an array, a
 * string names an object's property (an array has no `length` or `"0"` for a selector).
 */
function hasKey(record: unknown, path: readonly (string | number)[], key: string | number): boolean {
  let node: unknown = record;
  for (const step of path) node = has(node, step) ? (node as Record<string, unknown>)[step as string] : undefined;
  return has(node, key);
}

function has(node: unknown, key: string | number): boolean {
  if (Array.isArray(node)) return typeof key === 'number' && key < node.length;
  return node !== null && typeof node === 'object' && typeof key === 'string' && Object.prototype.hasOwnProperty.call(node, key);
}

/**
 * The record made to agree as CloudTrail writes it (F12): its bucket resource's ARN from its bucket name and region,
 * or its bucket name from that ARN. The space lets the two vary apart, so a witness is shown agreeing when one of
 * these still is one.
 */
export function agreeingRecords(record: CloudTrailRecord): CloudTrailRecord[] {
  const request = record.requestParameters as Record<string, unknown> | undefined;
  const resources = record.resources as Array<Record<string, unknown>> | undefined;
  const arn = Array.isArray(resources) ? resources[0]?.ARN : undefined;
  if (typeof request?.bucketName !== 'string' || typeof arn !== 'string') return [];
  const region = String(record.awsRegion);
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.includes('-gov-') ? 'aws-us-gov' : region.includes('-iso') ? 'aws-iso' : 'aws';
  const byName = structuredClone(record);
  (byName.resources as Array<Record<string, unknown>>)[0].ARN = `arn:${partition}:s3:::${request.bucketName}`;
  const byArn = structuredClone(record);
  (byArn.requestParameters as Record<string, unknown>).bucketName = arn.slice(arn.indexOf(':::') + 3);
  return [byName, byArn];
}
