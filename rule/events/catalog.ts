
/**
 * Canonical CloudTrail records, written from the shapes of real records (reference-data/cloudtrail-s3-events.json):
 * the S3 bucket-configuration change events the rule can require, the failed attempt, a directory-bucket
 * change, and benign look-alikes that a careless filter also catches.
 */

export type CloudTrailRecord = Record<string, unknown>;

export interface CatalogRecord {
  id: string;
  eventName: string;
  record: CloudTrailRecord;
}

const ACCOUNT = '111122223333';
const BUCKET = 'example-bucket';

/** What a bucket-configuration call sends, by CloudTrail event name (the subresource marker and body). */
const REQUEST_BODIES: Record<string, Record<string, unknown>> = {
  PutBucketPolicy: {
    bucketPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'AllowPartnerRead', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
      ],
    },
    policy: [''],
  },
  DeleteBucketPolicy: { policy: [''] },
  PutBucketAcl: {
    acl: [''],
    AccessControlPolicy: {
      AccessControlList: { Grant: { Grantee: { 'xsi:type': 'CanonicalUser', ID: 'd25639fbe9c19cd30a4c0f43fbf00e2d3f96400a9aa8dabfbbebe1906Example' }, Permission: 'FULL_CONTROL' } },
      xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
    },
  },
  PutBucketCors: {
    cors: [''],
    CORSConfiguration: { CORSRule: { AllowedMethod: ['GET', 'HEAD'], AllowedOrigin: 'https://www.example.com', AllowedHeader: '*', MaxAgeSeconds: 3000 } },
  },
  PutBucketLifecycle: {
    lifecycle: [''],
    LifecycleConfiguration: { Rule: { ID: 'expire-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 30 } } },
  },
  PutBucketReplication: {
    replication: [''],
    ReplicationConfiguration: {
      Role: `arn:aws:iam::${ACCOUNT}:role/s3-replication-role`,
      Rule: { ID: 'replicate-all', Status: 'Enabled', Priority: 1, Filter: { Prefix: '' }, Destination: { Bucket: `arn:aws:s3:::${BUCKET}-replica` } },
    },
  },
  DeleteBucketCors: { cors: [''] },
  DeleteBucketLifecycle: { lifecycle: [''] },
  DeleteBucketReplication: { replication: [''] },
  PutBucketPublicAccessBlock: {
    publicAccessBlock: [''],
    PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false },
  },
  DeleteBucketPublicAccessBlock: { publicAccessBlock: [''] },
  PutBucketEncryption: {
    encryption: [''],
    ServerSideEncryptionConfiguration: { Rule: { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } } },
  },
  DeleteBucketEncryption: { encryption: [''] },
  PutBucketOwnershipControls: { ownershipControls: [''], OwnershipControls: { Rule: { ObjectOwnership: 'ObjectWriter' } } },
  DeleteBucketOwnershipControls: { ownershipControls: [''] },
  PutBucketVersioning: { versioning: [''], VersioningConfiguration: { Status: 'Suspended' } },
  PutBucketWebsite: { website: [''], WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } },
  DeleteBucketWebsite: { website: [''] },
  PutBucketLogging: { logging: [''], BucketLoggingStatus: {} },
  PutBucketNotification: { notification: [''], NotificationConfiguration: {} },
};

/** S3 event names the rule can be asked to require (parameter RequiredEvents). */
export const CATALOG_EVENT_NAMES: readonly string[] = Object.keys(REQUEST_BODIES);

const DEFAULT_IDENTITY = {
  type: 'AssumedRole',
  principalId: 'AROAEXAMPLEROLEID0001:alice',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SecurityAdmin/alice`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAEXAMPLEKEYID0001',
  sessionContext: {
    sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEROLEID0001', arn: `arn:aws:iam::${ACCOUNT}:role/SecurityAdmin`, accountId: ACCOUNT, userName: 'SecurityAdmin' },
    attributes: { creationDate: '2024-05-14T09:12:03Z', mfaAuthenticated: 'false' },
  },
};

interface RecordSpec {
  eventSource: string;
  eventName: string;
  readOnly: boolean;
  requestParameters: Record<string, unknown>;
  responseElements?: unknown;
  resources?: unknown[];
  /** S3 data events are not management events. */
  dataEvent?: boolean;
  region?: string;
  /** The S3 host the call was sent to (S3 records carry it; other services do not). */
  s3Host?: string;
}

/**
 * A successful API call as CloudTrail writes it to CloudWatch Logs, with the envelope every record shares
 * (who, from where, with which client, ids, times, TLS).
 */
function cloudTrailRecord(spec: RecordSpec): CloudTrailRecord {
  const s3 = spec.s3Host !== undefined;
  return {
    eventVersion: '1.09',
    userIdentity: structuredClone(DEFAULT_IDENTITY),
    eventTime: '2024-05-14T10:01:17Z',
    eventSource: spec.eventSource,
    eventName: spec.eventName,
    awsRegion: spec.region ?? 'us-east-1',
    sourceIPAddress: '198.51.100.24',
    userAgent: '[aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8]',
    requestParameters: spec.requestParameters,
    responseElements: spec.responseElements ?? null,
    ...(s3 ? { additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: 'TLS_AES_128_GCM_SHA256', bytesTransferredIn: 312, AuthenticationMethod: 'AuthHeader', bytesTransferredOut: 0 } } : {}),
    requestID: '8E96D972160106FA',
    eventID: '3b5c1e2a-7d41-4c8e-9a6f-000000000001',
    readOnly: spec.readOnly,
    ...(spec.resources ? { resources: spec.resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: !spec.dataEvent,
    recipientAccountId: ACCOUNT,
    eventCategory: spec.dataEvent ? 'Data' : 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: spec.s3Host ?? `${spec.eventSource.split('.')[0]}.amazonaws.com` },
  };
}

const bucketResource = (bucket: string) => ({ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` });

/** A call on one S3 bucket: the bucket name, its host and its resource entry. */
function s3BucketRecord(eventName: string, readOnly: boolean, request: Record<string, unknown>, bucket = BUCKET, region = 'us-east-1'): CloudTrailRecord {
  const host = `${bucket}.s3.${region}.amazonaws.com`;
  return cloudTrailRecord({
    eventSource: 's3.amazonaws.com',
    eventName,
    readOnly,
    region,
    s3Host: host,
    requestParameters: { bucketName: bucket, Host: host, ...structuredClone(request) },
    resources: [bucketResource(bucket)],
  });
}

/**
 * A successful S3 bucket-configuration change as CloudTrail writes it. The fields that the event fixes
 * (design.md "What matches every required change event means") are set here and nowhere else.
 */
export function s3ChangeRecord(eventName: string, bucket = BUCKET, region = 'us-east-1'): CloudTrailRecord {
  const body = REQUEST_BODIES[eventName];
  if (!body) throw new Error(`no canonical record for S3 event ${eventName}`);
  return s3BucketRecord(eventName, false, body, bucket, region);
}

/** The denied attempt: the change was refused, but someone tried. */
export function failedAttemptRecord(eventName: string): CloudTrailRecord {
  const record = s3ChangeRecord(eventName);
  record.userIdentity = { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSERID0002', arn: `arn:aws:iam::${ACCOUNT}:user/intern-bob`, accountId: ACCOUNT, accessKeyId: 'AKIAIOSFODNN7EXAMPLE', userName: 'intern-bob' };
  record.errorCode = 'AccessDenied';
  record.errorMessage = 'Access Denied';
  return record;
}

/** A policy change on an S3 Express One Zone directory bucket: same event name, another event source. */
export function directoryBucketChangeRecord(eventName: string): CloudTrailRecord {
  const bucket = 'analytics--use1-az4--x-s3';
  const record = s3ChangeRecord(eventName, bucket);
  record.eventSource = 's3express.amazonaws.com';
  (record.requestParameters as Record<string, unknown>).Host = 's3express-control.us-east-1.amazonaws.com';
  delete record.resources;
  return record;
}

/** An IAM policy document as IAM records carry it: a JSON string, so its quotes are escaped in the raw message. */
const policyDocument = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 2);

/** Records that must not raise the alarm: reads, other services' writes, records that only mention the names. */
export const BENIGN_RECORDS: readonly CatalogRecord[] = [
  { id: 'ben-GetBucketPolicy', record: s3BucketRecord('GetBucketPolicy', true, { policy: [''] }) },
  { id: 'ben-GetBucketPolicyStatus', record: s3BucketRecord('GetBucketPolicyStatus', true, { policyStatus: [''] }) },
  { id: 'ben-GetBucketAcl', record: s3BucketRecord('GetBucketAcl', true, { acl: [''] }) },
  {
    id: 'ben-ListBuckets',
    record: cloudTrailRecord({ eventSource: 's3.amazonaws.com', eventName: 'ListBuckets', readOnly: true, s3Host: 's3.us-east-1.amazonaws.com', requestParameters: { Host: 's3.us-east-1.amazonaws.com' } }),
  },
  { id: 'ben-CreateBucket', record: s3BucketRecord('CreateBucket', false, { 'x-amz-object-ownership': 'BucketOwnerEnforced' }, 'example-new-bucket') },
  { id: 'ben-PutBucketTagging', record: s3BucketRecord('PutBucketTagging', false, { tagging: [''], Tagging: { TagSet: { Tag: { Key: 'team', Value: 'data' } } } }) },
  {
    id: 'ben-PutObject',
    record: cloudTrailRecord({
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      readOnly: false,
      dataEvent: true,
      s3Host: `${BUCKET}.s3.us-east-1.amazonaws.com`,
      requestParameters: { bucketName: BUCKET, Host: `${BUCKET}.s3.us-east-1.amazonaws.com`, key: 'reports/2024/05/summary.csv' },
      responseElements: { 'x-amz-server-side-encryption': 'AES256' },
      resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${BUCKET}/reports/2024/05/summary.csv` }, bucketResource(BUCKET)],
    }),
  },
  {
    id: 'ben-iam-PutRolePolicy',
    record: cloudTrailRecord({
      eventSource: 'iam.amazonaws.com',
      eventName: 'PutRolePolicy',
      readOnly: false,
      requestParameters: { roleName: 'app-reader', policyName: 'read-reports', policyDocument: policyDocument({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/reports/*` }) },
    }),
  },
  {
    id: 'ben-iam-CreatePolicy-mentions-PutBucketPolicy',
    record: cloudTrailRecord({
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreatePolicy',
      readOnly: false,
      requestParameters: {
        policyName: 'DenyBucketPolicyEdits',
        policyDocument: policyDocument({ Sid: 'DenyBucketPolicyEdits', Effect: 'Deny', Action: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'], Resource: '*' }),
        description: 'Guardrail for bucket policy edits',
      },
      responseElements: { policy: { policyName: 'DenyBucketPolicyEdits', policyId: 'ANPAEXAMPLEPOLICYID01', arn: `arn:aws:iam::${ACCOUNT}:policy/DenyBucketPolicyEdits`, path: '/', defaultVersionId: 'v1', isAttachable: true } },
    }),
  },
  {
    id: 'ben-cloudtrail-LookupEvents-PutBucketPolicy',
    record: cloudTrailRecord({
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'LookupEvents',
      readOnly: true,
      requestParameters: { lookupAttributes: [{ attributeKey: 'EventName', attributeValue: 'PutBucketPolicy' }], maxResults: 50 },
    }),
  },
].map((entry) => ({ ...entry, eventName: entry.record.eventName as string }));

/**
 * Realistic variants of one change event: other principals, regions, clients, buckets and policy
 * documents. Used for patterns that read the raw text (terms, standalone regex, space-delimited), whose
 * verdict can depend on any byte of the record.
 */
export function changeRecordVariants(eventName: string): Array<{ label: string; record: CloudTrailRecord }> {
  const variants = [{ label: 'an assumed role using the AWS CLI', record: s3ChangeRecord(eventName) }];
  const variant = (label: string, mutate: (record: CloudTrailRecord) => void, bucket: string, region: string) => {
    const record = s3ChangeRecord(eventName, bucket, region);
    mutate(record);
    variants.push({ label, record });
  };
  variant('an IAM user running Terraform in eu-west-1', (r) => {
    r.userIdentity = { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSERID0003', arn: `arn:aws:iam::${ACCOUNT}:user/ops-carol`, accountId: ACCOUNT, accessKeyId: 'AKIAEXAMPLEKEY000003', userName: 'ops-carol' };
    r.userAgent = 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux api/s3#1.58.3 ft/tf-provider';
  }, 'prod-data-lake', 'eu-west-1');
  variant('the root user in the console', (r) => {
    r.userIdentity = { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: 'ASIAEXAMPLEKEY000004', sessionContext: { attributes: { creationDate: '2024-05-14T09:00:00Z', mfaAuthenticated: 'true' } } };
    r.userAgent = 'AWS Internal';
    r.sourceIPAddress = 'AWS Internal';
    r.sessionCredentialFromConsole = 'true';
  }, 'www.example.org', 'ap-northeast-1');
  variant('a role from another account through a VPC endpoint (eventVersion 1.08)', (r) => {
    r.userIdentity = {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEROLEID0005:terraform',
      arn: `arn:aws:sts::444455556666:assumed-role/OrganizationAccountAccessRole/terraform`,
      accountId: '444455556666',
      sessionContext: { sessionIssuer: { type: 'Role', userName: 'OrganizationAccountAccessRole' }, attributes: { mfaAuthenticated: 'false' } },
    };
    r.sourceIPAddress = '2001:db8::1234';
    r.vpcEndpointId = 'vpce-0123456789abcdef0';
    r.vpcEndpointAccountId = ACCOUNT;
    r.eventVersion = '1.08';
    delete r.tlsDetails;
    delete r.additionalEventData;
  }, 'logs-archive-111122223333', 'us-gov-west-1');
  variant('CloudFormation on behalf of a user, with a policy that names S3 actions', (r) => {
    r.userIdentity = { type: 'AWSService', invokedBy: 'cloudformation.amazonaws.com' };
    r.sourceIPAddress = 'cloudformation.amazonaws.com';
    r.userAgent = 'cloudformation.amazonaws.com';
    const request = r.requestParameters as Record<string, unknown>;
    // Policy documents name S3 actions, including the reads and writes that filters look for.
    if (request.bucketPolicy) {
      request.bucketPolicy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'DenyPolicyEdits', Effect: 'Deny', Principal: '*', Action: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:GetBucketPolicy'], Resource: 'arn:aws:s3:::audit-bucket', Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Admin` } } },
          { Sid: 'AllowAll', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:*', Resource: ['arn:aws:s3:::audit-bucket', 'arn:aws:s3:::audit-bucket/*'] },
        ],
      };
    }
  }, 'audit-bucket', 'us-west-2');
  return variants;
}
