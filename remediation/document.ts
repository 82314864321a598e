/**
 * The remediation: the SSM Automation document AWS Config runs on a NON_COMPLIANT account, built from TypeScript.
 * `s3-policy-watch document` prints it, `s3-policy-watch remediate` executes it, the CDK stack embeds it.
 *
 * It builds the missing chain on an existing log group (the one the trail delivers to): metric filter -> alarm ->
 * SNS topic -> email subscriber. Every resource it writes carries RESOURCE_PREFIX, enforced by the parameters'
 * allowedPattern, so it never rewrites a filter, alarm or topic it did not create. Re-running it changes nothing
 * that matters: PutMetricFilter and PutMetricAlarm replace by name, CreateTopic returns the existing topic, and
 * the email is subscribed only when the topic does not list it yet.
 */
import { FILTER_PATTERNS, type PatternProfile } from '../rule/events/canonical';
import {
  assertAwsResourceProperty,
  branch,
  executeAwsApi,
  outputOf,
  parameterReferences,
  type AutomationDocument,
  type ParameterDefinition,
  type Step,
} from './builder';

/** Every filter, alarm and topic the remediation writes is named with this prefix. */
export const RESOURCE_PREFIX = 's3-policy-watch-';

/** CIS by default: it also covers the two policy events, and it is the only text Security Hub CloudWatch.8 accepts. */
const DEFAULT_PROFILE: PatternProfile = 'CIS';

/** CloudWatch accepts 10, 30 or a multiple of 60 seconds; beyond an hour an alarm only tells a person later. */
const ALARM_PERIODS = [10, 30, ...Array.from({ length: 60 }, (_, minute) => (minute + 1) * 60)];

/** A name that starts with the prefix: `characters` is the class the service allows, `maxLength` its limit. */
function prefixedName(characters: string, maxLength: number): string {
  return `^${RESOURCE_PREFIX}${characters}{1,${maxLength - RESOURCE_PREFIX.length}}$`;
}

const PARAMETERS = {
  AutomationAssumeRole: {
    type: 'String',
    description:
      'ARN of the IAM role Automation assumes to run the steps (logs, sns, cloudwatch, config permissions). Empty: the permissions of whoever starts the automation.',
    default: '',
    allowedPattern: '^$|^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$',
  },
  AccountId: {
    type: 'String',
    description: 'The account being remediated (AWS Config passes the resource id of AWS::::Account). Only CloudWatch alarms of this account may publish to the topic.',
    allowedPattern: '^\\d{12}$',
  },
  LogGroupName: {
    type: 'String',
    description: 'The CloudWatch Logs log group the CloudTrail trail delivers to. It must already exist: the remediation never creates one.',
    allowedPattern: '^[.\\-_/#A-Za-z0-9]{1,512}$',
  },
  PatternProfile: {
    type: 'String',
    description:
      'CIS: the nine-event CIS filter (covers PutBucketPolicy and DeleteBucketPolicy too; the only text Security Hub CloudWatch.8 accepts). POLICY: only the two bucket policy events.',
    default: DEFAULT_PROFILE,
    allowedPattern: `^(${Object.keys(FILTER_PATTERNS).join('|')})$`,
  },
  FilterName: {
    type: 'String',
    description: `Name of the metric filter to create or replace; must start with ${RESOURCE_PREFIX}.`,
    default: `${RESOURCE_PREFIX}bucket-policy-changes`,
    allowedPattern: prefixedName('[A-Za-z0-9._-]', 512),
  },
  MetricNamespace: {
    type: 'String',
    description: "Namespace of the filter's metric (no ':', '*' or '$').",
    default: 'CloudTrailMetrics',
    allowedPattern: '^[^:*$]{1,255}$',
  },
  MetricName: {
    type: 'String',
    description: "Name of the filter's metric (no ':', '*' or '$').",
    default: 'S3BucketPolicyChanges',
    allowedPattern: '^[^:*$]{1,255}$',
  },
  AlarmName: {
    type: 'String',
    description: `Name of the CloudWatch alarm to create or replace; must start with ${RESOURCE_PREFIX}.`,
    default: `${RESOURCE_PREFIX}bucket-policy-changes`,
    allowedPattern: prefixedName('[A-Za-z0-9._-]', 255),
  },
  AlarmPeriodSeconds: {
    type: 'Integer',
    description: 'Alarm period in seconds: 10, 30, or a multiple of 60 up to 3600. The alarm fires at the end of the period with the first event.',
    default: 300,
    allowedPattern: `^(${ALARM_PERIODS.join('|')})$`,
  },
  TopicName: {
    type: 'String',
    description: `Name of the SNS topic the alarm notifies (created if missing); must start with ${RESOURCE_PREFIX}.`,
    default: `${RESOURCE_PREFIX}alerts`,
    allowedPattern: prefixedName('[A-Za-z0-9_-]', 256),
  },
  KmsKeyArn: {
    type: 'String',
    description:
      "ARN of a customer managed KMS key or alias to encrypt the topic with, or empty for none. Its key policy must let cloudwatch.amazonaws.com use it; the AWS managed alias/aws/sns cannot, so it is refused.",
    default: '',
    allowedPattern: '^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key/[A-Za-z0-9-]{1,128}|alias/(?!aws/)[A-Za-z0-9/_-]{1,250})$',
  },
  NotificationEmail: {
    type: 'String',
    description: 'Email address to subscribe to the topic (the person must confirm the subscription), or none to subscribe nobody.',
    default: 'none',
    allowedPattern: '^(none|[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,63})$',
  },
  ConfigRuleName: {
    type: 'String',
    description: 'The s3-policy-watch Config rule to re-evaluate once the chain exists, so the account turns COMPLIANT in minutes.',
    default: 's3-policy-watch',
    allowedPattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  },
} satisfies Record<string, ParameterDefinition>;

const p = parameterReferences(PARAMETERS);

/** The CIS profile's steps are named Cis, the POLICY profile's Policy. */
function profileStepName(verb: string, profile: PatternProfile): string {
  return `${verb}${profile.charAt(0)}${profile.slice(1).toLowerCase()}MetricFilter`;
}

const CREATE_TOPIC = 'CreateAlertTopic';
const CHOOSE_NOTIFICATION = 'ChooseNotification';
const PUT_ALARM = 'PutAlertAlarm';

/** PutMetricFilter with the profile's pattern, then read it back: the pattern text is the profile's, byte for byte. */
function filterSteps(profile: PatternProfile): Step[] {
  const verify = profileStepName('Verify', profile);
  return [
    executeAwsApi(
      profileStepName('Put', profile),
      'logs',
      'PutMetricFilter',
      {
        logGroupName: p.LogGroupName,
        filterName: p.FilterName,
        filterPattern: FILTER_PATTERNS[profile],
        metricTransformations: [{ metricNamespace: p.MetricNamespace, metricName: p.MetricName, metricValue: '1' }],
      },
      { nextStep: verify },
    ),
    assertAwsResourceProperty(
      verify,
      'logs',
      'DescribeMetricFilters',
      { logGroupName: p.LogGroupName, filterNamePrefix: p.FilterName, metricNamespace: p.MetricNamespace, metricName: p.MetricName },
      { PropertySelector: '$.metricFilters[0].filterPattern', DesiredValues: [FILTER_PATTERNS[profile]] },
      { nextStep: CREATE_TOPIC },
    ),
  ];
}

const profiles = Object.keys(FILTER_PATTERNS) as PatternProfile[];

const createTopic = executeAwsApi(CREATE_TOPIC, 'sns', 'CreateTopic', { Name: p.TopicName }, {
  description: 'Idempotent by name: returns the existing topic on a re-run.',
  outputs: [{ Name: 'TopicArn', Selector: '$.TopicArn', Type: 'String' }],
});
const topicArn = outputOf(createTopic, 'TopicArn');

/** Only CloudWatch alarms of this account may publish; nothing may reach the topic without TLS. */
const TOPIC_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowCloudWatchAlarmsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topicArn,
      Condition: { StringEquals: { 'aws:SourceAccount': p.AccountId } },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: topicArn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};

const listSubscriptions = executeAwsApi('ListAlertTopicSubscriptions', 'sns', 'ListSubscriptionsByTopic', { TopicArn: topicArn }, {
  outputs: [{ Name: 'Endpoints', Selector: '$.Subscriptions..Endpoint', Type: 'StringList' }],
});

/** Reads the alarm back: `property` of the first (only) alarm named AlarmName must be `expected`. */
function verifyAlarm(name: string, property: string, expected: string): Step {
  return assertAwsResourceProperty(
    name,
    'cloudwatch',
    'DescribeAlarms',
    { AlarmNames: [p.AlarmName] },
    { PropertySelector: `$.MetricAlarms[0].${property}`, DesiredValues: [expected] },
  );
}

const STEPS: Step[] = [
  assertAwsResourceProperty(
    'CheckLogGroupExists',
    'logs',
    'DescribeLogGroups',
    // Names are listed in order, and a name sorts before every longer name it prefixes: the first group of
    // the prefix is the exact name exactly when that log group exists.
    { logGroupNamePrefix: p.LogGroupName, limit: 1 },
    { PropertySelector: '$.logGroups[0].logGroupName', DesiredValues: [p.LogGroupName] },
    { description: 'The log group the trail delivers to must exist. Nothing is changed before this check; the remediation never creates a log group no trail writes to.' },
  ),
  branch(
    'ChooseFilterPattern',
    profiles
      .filter((profile) => profile !== DEFAULT_PROFILE)
      .map((profile) => ({ NextStep: profileStepName('Put', profile), Variable: p.PatternProfile, StringEquals: profile })),
    profileStepName('Put', DEFAULT_PROFILE),
  ),
  ...profiles.flatMap(filterSteps),
  createTopic,
  executeAwsApi('SetAlertTopicPolicy', 'sns', 'SetTopicAttributes', {
    TopicArn: topicArn,
    AttributeName: 'Policy',
    AttributeValue: JSON.stringify(TOPIC_POLICY),
  }),
  branch('ChooseTopicEncryption', [{ NextStep: 'EncryptAlertTopic', Variable: p.KmsKeyArn, StartsWith: 'arn:' }], CHOOSE_NOTIFICATION),
  executeAwsApi('EncryptAlertTopic', 'sns', 'SetTopicAttributes', {
    TopicArn: topicArn,
    AttributeName: 'KmsMasterKeyId',
    AttributeValue: p.KmsKeyArn,
  }),
  branch(CHOOSE_NOTIFICATION, [{ NextStep: PUT_ALARM, Variable: p.NotificationEmail, StringEquals: 'none' }], listSubscriptions.name),
  listSubscriptions,
  branch(
    'ChooseSubscription',
    [{ NextStep: PUT_ALARM, Variable: outputOf(listSubscriptions, 'Endpoints'), Contains: p.NotificationEmail }],
    'SubscribeNotificationEmail',
    'A re-run must not subscribe the address twice (nor send it a second confirmation email).',
  ),
  executeAwsApi('SubscribeNotificationEmail', 'sns', 'Subscribe', { TopicArn: topicArn, Protocol: 'email', Endpoint: p.NotificationEmail }),
  executeAwsApi(PUT_ALARM, 'cloudwatch', 'PutMetricAlarm', {
    AlarmName: p.AlarmName,
    AlarmDescription: 'An S3 bucket policy (or, with the CIS profile, another bucket configuration) changed. Created by s3-policy-watch.',
    ActionsEnabled: true,
    AlarmActions: [topicArn],
    Namespace: p.MetricNamespace,
    MetricName: p.MetricName,
    Statistic: 'Sum',
    Period: p.AlarmPeriodSeconds,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  }),
  verifyAlarm('VerifyAlarmMetricName', 'MetricName', p.MetricName),
  verifyAlarm('VerifyAlarmNamespace', 'Namespace', p.MetricNamespace),
  verifyAlarm('VerifyAlarmNotifiesTopic', 'AlarmActions[0]', topicArn),
  executeAwsApi(
    'StartConfigRuleEvaluation',
    'config',
    'StartConfigRulesEvaluation',
    { ConfigRuleNames: [p.ConfigRuleName] },
    {
      description: 'Re-evaluates the rule now rather than at its next periodic run. The chain exists either way, so a failure here does not fail the remediation.',
      isCritical: false,
      onFailure: 'Continue',
      isEnd: true,
    },
  ),
];

export const remediationDocument: AutomationDocument = {
  schemaVersion: '0.3',
  description:
    'Builds what makes a change to any S3 bucket policy in this account raise an alarm that reaches a person: ' +
    'a metric filter on the log group the CloudTrail trail delivers to, a CloudWatch alarm on its metric, and an SNS topic with an email subscriber (s3-policy-watch).',
  assumeRole: p.AutomationAssumeRole,
  parameters: PARAMETERS,
  mainSteps: STEPS,
  outputs: [`${CREATE_TOPIC}.TopicArn`],
};
