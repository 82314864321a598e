/**
 * The optional prerequisite (`createTrail=true`), for accounts without CloudTrail -> CloudWatch Logs: a multi-region
 * trail of management write events with log file validation, encrypted with the stack's key, writing to an
 * encrypted, TLS-only, versioned bucket and to the log group the remediation then builds its filter on.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PRIVATE_RETAINED_BUCKET } from './buckets';
import { tolerateRedundantRoleDependency } from './cfn-lint';

export interface ManagementTrailProps {
  logGroupName: string;
  key: kms.Key;
}

export class ManagementTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly logGroup: logs.LogGroup;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ManagementTrailProps) {
    super(scope, id);
    const { account, partition } = Stack.of(this);

    // Audit records outlive the stack: the bucket and the log group are kept on `cdk destroy`.
    this.bucket = new s3.Bucket(this, 'Bucket', PRIVATE_RETAINED_BUCKET);
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket receives only CloudTrail log files, written by cloudtrail.amazonaws.com; CloudTrail digest files (log file validation) prove they were not changed, and the bucket policy calls are themselves in the trail. Server access logs would need a second bucket with the same question.',
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudTrail encrypts log files with the key only for this account's trails (encryption context).
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogFiles',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${partition}:cloudtrail:*:${account}:trail/*` },
        },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );

    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      encryptionKey: props.key,
      // The chain needs write events only; read events are most of the volume CloudWatch Logs would bill.
      managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
    });
    tolerateRedundantRoleDependency(this.trail);
  }
}
