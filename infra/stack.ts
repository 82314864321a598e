/**
 * The whole system in one account and region: the rule Lambda and its Config rule, the remediation document with
 * its role and automatic remediation, the alert key and topic, the tamper watch, an alarm on the rule's own errors
 * and, optionally, the trail the chain starts from.
 */
import * as path from 'node:path';
import { ArnFormat, Aws, CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { NO_TARGET, RESOURCE_PREFIX, remediationDocument } from '../remediation/document';
import { FINDING_IMPORT_FAILED } from '../rule/publish';
import { tolerateRedundantRoleDependency } from './cfn-lint';
import type { DeployContext } from './context';
import { grantStatements, remediationGrants, ruleGrants, unscopedAcknowledgment as unscoped, wildcardAcknowledgment as wildcard, type Grant } from './iam';
import { codeBucketName, RULE_BUNDLING } from './rule-package';
import { TamperWatch } from './tamper-watch';
import { RULE_ROLE_PATH } from './trail-owner-read';
import { ManagementTrail } from './trail';

export interface S3PolicyWatchStackProps extends StackProps {
  settings: DeployContext;
  /**
   * Take the rule's code from `s3://<RuleCodeBucketPrefix>-<region>/<ruleCodeKey>` (infra/rule-package.ts), the
   * prefix a parameter of the template, instead of bundling it as a CDK asset: for a StackSet, which cannot
   * publish assets.
   */
  ruleCodeKey?: string;
}

/**
 * Config's automatic remediation: a remediation exception after `attempts` failed attempts within `withinSeconds`
 * (RemediationConfiguration MaximumAutomaticAttempts / RetryAttemptSeconds).
 */
export const REMEDIATION_ATTEMPTS = { attempts: 5, withinSeconds: 3600 } as const;

/** The Automation execution statuses that mean the remediation did not finish (EventBridge, aws.ssm). */
export const FAILED_EXECUTION_STATUSES = ['Failed', 'TimedOut', 'Cancelled'] as const;

/** The project root: esbuild bundles rule/handler.ts from here, with the project's package-lock.json. */
const PROJECT_ROOT = path.join(__dirname, '..');

export class S3PolicyWatchStack extends Stack {
  readonly key: kms.Key;
  readonly alertTopic: sns.Topic;
  readonly ruleFunction: lambda.Function;
  readonly ruleRole: iam.Role;
  readonly ruleLogGroup: logs.LogGroup;
  readonly configRule: config.CfnConfigRule;
  /** The remediation, unless the context turns it off (`remediation=false`). */
  readonly document?: ssm.CfnDocument;
  readonly automationRole?: iam.Role;
  readonly remediation?: config.CfnRemediationConfiguration;
  readonly tamperWatch: TamperWatch;
  readonly trail?: ManagementTrail;

  constructor(scope: Construct, id: string, props: S3PolicyWatchStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const alarmArns = (namePattern: string) => this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: namePattern, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    // ---- alert key and topic: CloudWatch alarms of this account and region may use them, nothing else.
    this.key = new kms.Key(this, 'AlertKey', {
      description: 's3-policy-watch: encrypts the alert topics (and the trail, when the stack creates it)',
      enableKeyRotation: true,
    });
    const cloudWatchAlarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': alarmArns('*') },
    };
    // A service may use the key to publish to the encrypted topics: CloudWatch alarms, and EventBridge rules (the
    // remediation's failed executions), of this account only.
    const letPublishToEncryptedTopics = (sid: string, service: string, conditions: Record<string, unknown>) =>
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({ sid, principals: [new iam.ServicePrincipal(service)], actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['*'], conditions }),
      );
    letPublishToEncryptedTopics('AllowCloudWatchAlarmsToPublishToEncryptedTopics', 'cloudwatch.amazonaws.com', cloudWatchAlarmsOfThisAccount);
    letPublishToEncryptedTopics('AllowEventBridgeRulesOfThisAccountToPublishToEncryptedTopics', 'events.amazonaws.com', {
      StringEquals: { 'aws:SourceAccount': this.account },
    });

    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 's3-policy-watch: the rule itself failed',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.letPublishToAlertTopic('AllowCloudWatchAlarmsOfThisAccount', 'cloudwatch.amazonaws.com', cloudWatchAlarmsOfThisAccount);
    // The stack's own alarms reach the same person as the remediation's: the email, or the existing topic.
    if (settings.notificationEmail !== NO_TARGET) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(settings.notificationEmail));
    }
    const alertTargets = [
      this.alertTopic,
      ...(settings.notificationTopicArn !== NO_TARGET ? [sns.Topic.fromTopicArn(this, 'NotificationTopic', settings.notificationTopicArn)] : []),
    ];

    // ---- optional trail: its log group is the one the remediation builds on.
    if (settings.createTrail) this.trail = new ManagementTrail(this, 'ManagementTrail', { logGroupName: settings.trailLogGroupName, key: this.key });

    // ---- the rule Lambda
    this.ruleLogGroup = new logs.LogGroup(this, 'RuleLogGroup', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.ruleRole = new iam.Role(this, 'RuleRole', {
      // A fixed name, so that a trail owner's read-only role can trust it by name in every member account.
      roleName: `${settings.ruleRoleName}-${Aws.REGION}`,
      path: RULE_ROLE_PATH,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 's3-policy-watch rule: reads the trail -> log group -> filter -> alarm -> topic chain and reports to Config',
    });
    // Its own log group only (no AWSLambdaBasicExecutionRole, which may write to every log group).
    this.ruleRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.ruleLogGroup.logGroupArn] }),
    );
    const ruleAccess = ruleGrants({
      partition: this.partition,
      account: this.account,
      region: this.region,
      trailOwnerReadRoleName: settings.trailOwnerReadRoleName,
      securityHubFindings: settings.securityHubFindings,
    });
    for (const statement of grantStatements(ruleAccess)) this.ruleRole.addToPrincipalPolicy(statement);

    const functionProps = {
      description: 's3-policy-watch: would a change to any S3 bucket policy raise an alarm that reaches a person?',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Reads follow the chain across regions with adaptive retries; a throttled account needs the time.
      timeout: Duration.minutes(2),
      role: this.ruleRole,
      logGroup: this.ruleLogGroup,
      environment: {
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
        POWERTOOLS_SERVICE_NAME: 's3-policy-watch',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // Stack traces in the log point into rule/*.ts rather than into the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
    };
    if (props.ruleCodeKey) {
      const prefix = new CfnParameter(this, 'RuleCodeBucketPrefix', {
        type: 'String',
        description: `The rule's code is read from s3://PREFIX-REGION/${props.ruleCodeKey}: one bucket per region (infra/rule-package.ts uploads it)`,
        allowedPattern: '^[a-z0-9][a-z0-9.-]{1,40}$',
        constraintDescription: 'a bucket name prefix: lower-case letters, digits, dots and hyphens, at most 41 characters (the region is appended)',
      });
      const bucket = s3.Bucket.fromBucketName(this, 'RuleCodeBucket', codeBucketName(prefix.valueAsString, Aws.REGION));
      this.ruleFunction = new lambda.Function(this, 'RuleFunction', { ...functionProps, code: lambda.Code.fromBucket(bucket, props.ruleCodeKey), handler: 'index.handler' });
    } else {
      this.ruleFunction = new nodejs.NodejsFunction(this, 'RuleFunction', {
        ...functionProps,
        entry: path.join(PROJECT_ROOT, 'rule', 'handler.ts'),
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        // The Node.js runtime ships AWS SDK v3; bundling it would only make the package bigger.
        bundling: { forceDockerBundling: false, ...RULE_BUNDLING, externalModules: [...RULE_BUNDLING.externalModules] },
      });
    }

    // ---- the Config rule
    this.ruleFunction.addPermission('ConfigInvoke', {
      principal: new iam.ServicePrincipal('config.amazonaws.com'),
      sourceAccount: this.account,
    });
    this.configRule = new config.CfnConfigRule(this, 'ConfigRule', {
      description:
        'NON_COMPLIANT unless a change to any S3 bucket policy raises a CloudWatch alarm that reaches a person (CloudTrail -> CloudWatch Logs -> metric filter -> alarm -> SNS subscriber). s3-policy-watch.',
      source: {
        owner: 'CUSTOM_LAMBDA',
        sourceIdentifier: this.ruleFunction.functionArn,
        sourceDetails: [
          { eventSource: 'aws.config', messageType: 'ScheduledNotification', maximumExecutionFrequency: settings.evaluationFrequency },
        ],
      },
      inputParameters: settings.ruleInputParameters,
      maximumExecutionFrequency: settings.evaluationFrequency,
    });
    this.configRule.node.addDependency(this.ruleFunction.node.findChild('ConfigInvoke'));

    // ---- the remediation
    const remediation = settings.remediation ? this.attachRemediation(settings, alarmArns) : undefined;
    this.document = remediation?.document;
    this.automationRole = remediation?.automationRole;
    this.remediation = remediation?.configuration;

    // ---- tamper watch
    this.tamperWatch = new TamperWatch(this, 'TamperWatch', {
      configRuleName: this.configRule.ref,
      configRuleArn: this.configRule.attrArn,
      remediationRoleArn: this.automationRole?.roleArn,
    });

    // ---- the rule must be noticed when it cannot evaluate, and when the tamper watch cannot start it.
    const notify = alertTargets.map((topic) => new cloudwatchActions.SnsAction(topic));
    const alarmOnFirstFailure = (id: string, alarmDescription: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(...notify);
    const failuresPerFiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    const ruleErrors = this.ruleFunction.metricErrors(failuresPerFiveMinutes);
    alarmOnFirstFailure(
      'RuleErrorsAlarm',
      settings.securityHubFindings
        ? 'The s3-policy-watch rule Lambda failed (Config has no current verdict), or could not import its Security Hub finding (the verdict stands). Its log group says which API, region and resource.'
        : 'The s3-policy-watch rule Lambda failed: Config has no current verdict. Its log group says which API, region and resource.',
      settings.securityHubFindings ? this.errorsOrFindingImportFailures(ruleErrors, failuresPerFiveMinutes) : ruleErrors,
    );
    alarmOnFirstFailure(
      'ReEvaluationFailedAlarm',
      'The s3-policy-watch tamper watch could not start a re-evaluation after a change to the alarm chain. Its execution history says why.',
      this.tamperWatch.reEvaluation.metricFailed(failuresPerFiveMinutes),
    );
    if (remediation) {
      alarmOnFirstFailure(
        'RemediationFailedAlarm',
        'An execution of the s3-policy-watch remediation document failed, timed out or was cancelled: the account stays NON_COMPLIANT, and after repeated failures Config stops remediating it (a remediation exception). The execution history in Systems Manager > Automation names the step and the reason.',
        new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'TriggeredRules',
          dimensionsMap: { RuleName: remediation.failed.ruleName },
          ...failuresPerFiveMinutes,
        }),
      );
    }

    new CfnOutput(this, 'ConfigRuleName', { value: this.configRule.ref, description: 'The Config rule: Config console > Rules, or aws configservice describe-compliance-by-config-rule' });
    if (this.document) {
      new CfnOutput(this, 'RemediationDocumentName', { value: this.document.ref, description: 'The SSM Automation document Config runs on a NON_COMPLIANT account' });
    }
    new CfnOutput(this, 'AlertTopicArn', { value: this.alertTopic.topicArn, description: 'Where failures of the rule itself are announced' });

    this.acknowledgeNagFindings(settings, ruleAccess, remediation?.automationRole, remediation?.access);
    tolerateRedundantRoleDependency(this.ruleFunction);
    tolerateRedundantRoleDependency(this.tamperWatch.reEvaluation);
  }

  /** A service may publish to the alert topic, under `conditions` (this account, this rule). */
  private letPublishToAlertTopic(sid: string, service: string, conditions: Record<string, unknown>): void {
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({ sid, principals: [new iam.ServicePrincipal(service)], actions: ['sns:Publish'], resources: [this.alertTopic.topicArn], conditions }),
    );
  }

  /**
   * A failed Security Hub import does not fail the function (the Config verdict is published and stands), so the
   * errors alarm also counts the log lines rule/publish.ts writes for it, through a metric filter on the rule's log group.
   */
  private errorsOrFindingImportFailures(ruleErrors: cloudwatch.Metric, options: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const importFailures = new logs.MetricFilter(this, 'FindingImportFailures', {
      logGroup: this.ruleLogGroup,
      filterPattern: logs.FilterPattern.stringValue(`$.${FINDING_IMPORT_FAILED.field}`, '=', FINDING_IMPORT_FAILED.value),
      metricNamespace: 's3-policy-watch',
      metricName: 'SecurityHubFindingImportFailures',
      metricValue: '1',
    });
    return new cloudwatch.MathExpression({
      expression: 'FILL(errors, 0) + FILL(importFailures, 0)',
      usingMetrics: { errors: ruleErrors, importFailures: importFailures.metric(options) },
      label: 'Rule errors and failed Security Hub imports',
      period: options.period,
    });
  }

  /**
   * The SSM Automation document, the role it runs with (exactly the APIs it calls, on the trail's log group and on
   * topics and alarms it names), and the automatic remediation configuration of the rule.
   */
  private attachRemediation(settings: DeployContext, alarmArns: (namePattern: string) => string) {
    const document = new ssm.CfnDocument(this, 'RemediationDocument', {
      // No name: CloudFormation names it, so a change of content replaces the document cleanly.
      documentType: 'Automation',
      documentFormat: 'JSON',
      content: remediationDocument,
    });

    const logGroupArn = this.trail?.logGroup.logGroupArn ?? this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${settings.trailLogGroupName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const automationRole = new iam.Role(this, 'RemediationRole', {
      description: 's3-policy-watch remediation: the SSM Automation document builds the filter -> alarm -> topic chain',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' }) },
        },
      }),
    });
    const remediationAccess = remediationGrants(remediationDocument, {
      logGroupArn,
      topicArns: this.formatArn({ service: 'sns', resource: `${RESOURCE_PREFIX}*` }),
      alarmArns: alarmArns(`${RESOURCE_PREFIX}*`),
      configRuleArn: this.configRule.attrArn,
      keyArn: this.key.keyArn,
      ...(settings.notificationTopicArn !== NO_TARGET ? { notificationTopicArn: settings.notificationTopicArn } : {}),
    });
    for (const statement of grantStatements(remediationAccess)) automationRole.addToPrincipalPolicy(statement);

    const staticParameters: Record<string, string> = {
      AutomationAssumeRole: automationRole.roleArn,
      LogGroupName: this.trail?.logGroup.logGroupName ?? settings.trailLogGroupName,
      PatternProfile: settings.patternProfile,
      AlarmPeriodSeconds: String(settings.alarmPeriodSeconds),
      KmsKeyArn: this.key.keyArn,
      NotificationEmail: settings.notificationEmail,
      NotificationTopicArn: settings.notificationTopicArn,
      ConfigRuleName: this.configRule.ref,
    };
    for (const name of [...Object.keys(staticParameters), 'AccountId']) {
      if (!(name in remediationDocument.parameters)) throw new Error(`the remediation document declares no parameter ${name}`);
    }
    const configuration = new config.CfnRemediationConfiguration(this, 'Remediation', {
      configRuleName: this.configRule.ref,
      targetType: 'SSM_DOCUMENT',
      targetId: document.ref,
      automatic: true,
      // Config records a remediation exception (and stops remediating the account) after the 5th failed attempt
      // within RetryAttemptSeconds. A run that fails for a reason it states (a key CloudWatch cannot use, a topic
      // nobody receives) fails every time: a burst of re-evaluations is cut off within the hour, while a single
      // transient failure is retried at the next evaluation. Every failure raises RemediationFailedAlarm.
      maximumAutomaticAttempts: REMEDIATION_ATTEMPTS.attempts,
      retryAttemptSeconds: REMEDIATION_ATTEMPTS.withinSeconds,
      parameters: {
        AccountId: { ResourceValue: { Value: 'RESOURCE_ID' } },
        ...Object.fromEntries(Object.entries(staticParameters).map(([name, value]) => [name, { StaticValue: { Values: [value] } }])),
      },
    });
    // Config may start the first automatic run as soon as the configuration exists: the role's policy must exist by
    // then, or the run fails with AccessDenied and counts towards a remediation exception.
    configuration.node.addDependency(automationRole.node.findChild('DefaultPolicy'));

    // A failed, timed-out or cancelled execution of this document: its own notification (with the execution id)
    // on the alert topic, and RemediationFailedAlarm.
    const failed = new events.Rule(this, 'RemediationFailed', {
      description: 'An execution of the s3-policy-watch remediation document failed, timed out or was cancelled.',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Automation Execution Status-change Notification'],
        detail: { Definition: [document.ref], Status: [...FAILED_EXECUTION_STATUSES] },
      },
    });
    // The topic's ARN as the target; the statements that let this rule (and only it) publish are ours, with
    // conditions, rather than the unconditioned ones a ready-made SNS target would add to the topic and key.
    failed.addTarget({ bind: () => ({ arn: this.alertTopic.topicArn }) });
    this.letPublishToAlertTopic('AllowRemediationFailedRule', 'events.amazonaws.com', { ArnEquals: { 'aws:SourceArn': failed.ruleArn } });
    return { document, automationRole, configuration, access: remediationAccess, failed };
  }

  /**
   * Each cdk-nag finding that stays, acknowledged where it arises, with the reason. `Resource: '*'` comes only from
   * the one list of unscoped actions (infra/iam.ts); every other wildcard is a name pattern inside one resource type
   * of this account.
   */
  private acknowledgeNagFindings(settings: DeployContext, ruleAccess: Grant[], automationRole?: iam.Role, remediationAccess: Grant[] = []): void {
    Validations.of(this.ruleRole).acknowledge(
      unscoped(ruleAccess),
      wildcard(
        'arn:<AWS::Partition>:cloudtrail:*:<AWS::AccountId>:trail/*',
        "The rule reads the status and event selectors of this account's trails, in any region: which trails exist is what it evaluates.",
      ),
      wildcard(
        'arn:<AWS::Partition>:logs:*:<AWS::AccountId>:log-group:*',
        "The rule reads the metric filters of the log group a trail delivers to, which may be any log group of this account, in any region.",
      ),
      wildcard(
        'arn:<AWS::Partition>:cloudwatch:*:<AWS::AccountId>:alarm:*',
        "The rule lists the alarms of the log group's region to find metric-math alarms on the filter's metric; any alarm of this account may be one.",
      ),
      wildcard(
        'arn:<AWS::Partition>:sns:*:*:*',
        "The rule reads the subscribers, attributes and subscription filter policies of the topics the alarms notify; that may be a central alerts topic of another account, whose topic policy decides.",
      ),
      wildcard(
        'arn:<AWS::Partition>:kms:*:*:key/*',
        "The rule describes the KMS key of an encrypted alarm topic, which may be any key (another account's for a central topic), to tell whether CloudWatch can use it.",
      ),
      wildcard(
        'arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*',
        "The rule reads the key policy of an alarm topic's key of this account, whichever key the topic names, to tell whether CloudWatch may use it.",
      ),
    );
    if (settings.trailOwnerReadRoleName) {
      Validations.of(this.ruleRole).acknowledge(
        wildcard(
          `arn:<AWS::Partition>:iam::*:role/${settings.trailOwnerReadRoleName}`,
          "The rule assumes the trail owner's read-only role of that one name in whichever account owns an organization trail it sees; the role's trust policy admits only this rule's role name within the organization.",
        ),
      );
    }
    if (automationRole) this.acknowledgeRemediationNagFindings(settings, automationRole, remediationAccess);

    Validations.of(this.tamperWatch.reEvaluation).acknowledge(
      {
        id: 'AwsSolutions-SF1',
        reason:
          'A standard workflow of two API calls and waits: its execution history keeps every run\'s input, refusals and error for 90 days, and a failed run raises ReEvaluationFailedAlarm on the alert topic.',
      },
      { id: 'AwsSolutions-SF2', reason: 'DescribeConfigRuleEvaluationStatus and StartConfigRulesEvaluation calls: X-Ray would trace nothing beyond what the execution history shows.' },
      unscoped([{ action: 'config:DescribeConfigRuleEvaluationStatus' }]),
    );
  }

  private acknowledgeRemediationNagFindings(settings: DeployContext, automationRole: iam.Role, remediationAccess: Grant[]): void {
    Validations.of(automationRole).acknowledge(
      unscoped(remediationAccess),
      wildcard(
        `arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:${RESOURCE_PREFIX}*`,
        `The remediation creates and configures only topics named ${RESOURCE_PREFIX}..., the names its document enforces (allowedPattern).`,
      ),
      wildcard(
        `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${RESOURCE_PREFIX}*`,
        `The remediation writes and reads back only alarms named ${RESOURCE_PREFIX}..., the names its document enforces (allowedPattern).`,
      ),
    );
    if (!settings.createTrail) {
      // The created log group's ARN is a GetAtt, which cdk-nag does not read as a wildcard.
      Validations.of(automationRole).acknowledge(
        wildcard(
          `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${settings.trailLogGroupName}:*`,
          "The remediation writes and reads back the metric filters of the trail's log group only; the trailing :* is how the log-group resource type is named.",
        ),
      );
    }
  }
}
