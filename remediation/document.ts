/**
 * The remediation: the SSM Automation document AWS Config runs on a NON_COMPLIANT account, built from TypeScript.
 * `s3-policy-watch document` prints it, `s3-policy-watch remediate` executes it, the CDK stack embeds it.
 *
 * It builds the missing chain on an existing log group (the one the trail delivers to): metric filter -> alarm ->
 * a topic someone receives: either an existing topic (NotificationTopicArn, e.g. the central security topic) or the
 * document's own topic with an email subscriber (NotificationEmail). Every resource it writes carries
 * RESOURCE_PREFIX, enforced by the parameters' allowedPattern, so it never rewrites a filter, alarm or topic it did
 * not create.
 *
 * It converges and never loops: a run first checks, reading only, whether what it builds is already in place. If
 * so it ends without writing and without re-evaluating the rule (what breaks the chain is then outside its reach,
 * and the rule's annotation names it); while an email subscription waits for its confirmation it ends the same way,
 * so the recipient gets no second confirmation email. Only a run that built something re-evaluates the rule.
 * Every step, selector and operator is one the Automation action reference documents; see docs/aws-behaviour.md.
 */
import { FILTER_PATTERNS, type PatternProfile } from '../rule/events/canonical';
import {
  assertAwsResourceProperty,
  branch,
  executeAwsApi,
  outputOf,
  parameterReferences,
  type AutomationDocument,
  type Choice,
  type ParameterDefinition,
  type Step,
  type StepOptions,
} from './builder';
import { reference } from './templates';

/** Every filter, alarm and topic the remediation writes is named with this prefix. */
export const RESOURCE_PREFIX = 's3-policy-watch-';

/** CIS by default: it also covers the two policy events, and it is the only text Security Hub CloudWatch.8 accepts. */
const DEFAULT_PROFILE: PatternProfile = 'CIS';

/**
 * A metric filter's metric is standard resolution: CloudWatch takes 60 s or a multiple of it as the alarm period
 * (10 and 30 s are for high-resolution metrics only). Beyond an hour an alarm only tells a person later.
 */
export const ALARM_PERIODS = Array.from({ length: 60 }, (_, minute) => (minute + 1) * 60);

/** The value of NotificationEmail / NotificationTopicArn that names no target. */
export const NO_TARGET = 'none';

/** A name that starts with the prefix: `characters` is the class the service allows, `maxLength` its limit. */
function prefixedName(characters: string, maxLength: number): string {
  return `^${RESOURCE_PREFIX}${characters}{1,${maxLength - RESOURCE_PREFIX.length}}$`;
}

const PARAMETERS = {
  AutomationAssumeRole: {
    type: 'String',
    description:
      'ARN of the IAM role Automation assumes to run the steps (logs, sns, cloudwatch, kms, config permissions). Empty: the permissions of whoever starts the automation.',
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
    description:
      "Alarm period in seconds: a multiple of 60 up to 3600 (a metric filter's metric is standard resolution). The alarm fires at the end of the period with the first event.",
    default: 300,
    allowedPattern: `^(${ALARM_PERIODS.join('|')})$`,
  },
  NotificationTopicArn: {
    type: 'String',
    description:
      "An existing SNS topic the alarm notifies (e.g. the central security topic with its paging or chat subscribers), in this region; it must have a confirmed subscription and a policy that lets CloudWatch publish. Or none, to use NotificationEmail. Set exactly one of the two.",
    default: NO_TARGET,
    allowedPattern: `^(${NO_TARGET}|arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256})$`,
  },
  NotificationEmail: {
    type: 'String',
    description:
      'Email address subscribed to the document\'s own topic TopicName (the recipient must confirm the subscription), or none, to use NotificationTopicArn. Set exactly one of the two.',
    default: NO_TARGET,
    allowedPattern: `^(${NO_TARGET}|[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,63})$`,
  },
  TopicName: {
    type: 'String',
    description: `With NotificationEmail: name of the document's own SNS topic (created if missing); must start with ${RESOURCE_PREFIX}.`,
    default: `${RESOURCE_PREFIX}alerts`,
    allowedPattern: prefixedName('[A-Za-z0-9_-]', 256),
  },
  KmsKeyArn: {
    type: 'String',
    description:
      "With NotificationEmail: ARN of a customer managed KMS key (key/..., not an alias) to encrypt the topic with, or empty for none. The run checks that the key is enabled and that its key policy names cloudwatch.amazonaws.com, so the alarm can publish.",
    default: '',
    allowedPattern: '^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]{1,128}$',
  },
  ConfigRuleName: {
    type: 'String',
    description: 'The s3-policy-watch Config rule to re-evaluate once the run has built something, so the account turns COMPLIANT in minutes.',
    default: 's3-policy-watch',
    allowedPattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  },
} satisfies Record<string, ParameterDefinition>;

const p = parameterReferences(PARAMETERS);

/**
 * The document's own topic, named before it exists: Automation substitutes its system variables global:REGION and
 * global:AWS_PARTITION, and the topic lives in the account being remediated. A run can so read the topic before
 * deciding whether to create anything.
 */
const ALERT_TOPIC_ARN = `arn:${reference('global:AWS_PARTITION')}:sns:${reference('global:REGION')}:${p.AccountId}:${p.TopicName}`;

/** Only CloudWatch alarms of this account may publish; nothing may reach the topic without TLS. */
const TOPIC_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowCloudWatchAlarmsOfThisAccount',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: ALERT_TOPIC_ARN,
      Condition: { StringEquals: { 'aws:SourceAccount': p.AccountId } },
    },
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: ALERT_TOPIC_ARN,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};

/** Sum >= 1 over one period, one datapoint: the first change fires it; notBreaching brings it back to OK for the next. */
const ALARM_SETTINGS = {
  Statistic: 'Sum',
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
} as const;

// ---- step names that are targets

const BUILD = 'BuildChain';
const CHECK_FILTER = 'CheckFilterInPlace';
const CHOOSE_FILTER = 'ChooseFilterPattern';
const CHOOSE_ALARM_TOPIC = 'ChooseAlarmTopic';
const VERIFY_ALARM = 'VerifyAlarmMetricName';

/** The CIS profile's steps are named Cis, the POLICY profile's Policy. */
function profileStepName(verb: string, profile: PatternProfile, noun = 'MetricFilter'): string {
  return `${verb}${profile.charAt(0)}${profile.slice(1).toLowerCase()}${noun}`;
}
const profiles = Object.keys(FILTER_PATTERNS) as PatternProfile[];

/** A branch on PatternProfile: each profile's step named by `verb`, the default profile's as Default. */
function chooseProfile(name: string, verb: string, noun?: string): Step {
  return branch(
    name,
    profiles
      .filter((profile) => profile !== DEFAULT_PROFILE)
      .map((profile) => ({ NextStep: profileStepName(verb, profile, noun), Variable: p.PatternProfile, StringEquals: profile })),
    profileStepName(verb, DEFAULT_PROFILE, noun),
  );
}

/**
 * A read that checks one thing a previous run built. A mismatch (or a resource that is not there) fails the step
 * without failing the automation and sends the run to BuildChain: the run then builds, and re-evaluates the rule.
 */
function inPlace(description: string, step: (options: StepOptions) => Step): Step {
  return step({ description, isCritical: false, onFailure: `step:${BUILD}` });
}

const describeFilter = { logGroupName: p.LogGroupName, filterNamePrefix: p.FilterName, metricNamespace: p.MetricNamespace, metricName: p.MetricName };
const describeAlarm = { AlarmNames: [p.AlarmName] };

/**
 * Why a run refuses: an assertion that cannot hold (a log group name is never "refused: ..."), so the step fails
 * with the reason in its expected value and in its description. Automation has no fail action; this reads the log
 * group the first step already found, so it fails for no other reason.
 */
function refuse(name: string, reason: string): Step {
  return assertAwsResourceProperty(
    name,
    'logs',
    'DescribeLogGroups',
    { logGroupNamePrefix: p.LogGroupName, limit: 1 },
    { PropertySelector: '$.logGroups[0].logGroupName', DesiredValues: [`refused: ${reason}`] },
    { description: reason, isEnd: true },
  );
}

// ---- 1. where the alarm goes

const topicMode: Choice = {
  NextStep: 'ReadNotificationTopic',
  And: [
    { Variable: p.NotificationTopicArn, StartsWith: 'arn:' },
    { Variable: p.NotificationEmail, StringEquals: NO_TARGET },
  ],
};
const emailMode: Choice = {
  NextStep: 'ReadAlertTopic',
  And: [
    { Variable: p.NotificationTopicArn, StringEquals: NO_TARGET },
    { Not: { Variable: p.NotificationEmail, StringEquals: NO_TARGET } },
  ],
};

const readNotificationTopic = executeAwsApi('ReadNotificationTopic', 'sns', 'GetTopicAttributes', { TopicArn: p.NotificationTopicArn }, {
  description: 'The existing topic must exist in this region and be readable; its subscriber counts are always in the answer.',
  outputs: [{ Name: 'SubscriptionsConfirmed', Selector: '$.Attributes.SubscriptionsConfirmed', Type: 'String' }],
});
const readAlertTopic = executeAwsApi('ReadAlertTopic', 'sns', 'GetTopicAttributes', { TopicArn: ALERT_TOPIC_ARN }, {
  description: 'Reads the own topic before anything is written. A topic that does not exist yet fails this read, and the run builds.',
  isCritical: false,
  onFailure: `step:${BUILD}`,
  outputs: [
    { Name: 'SubscriptionsConfirmed', Selector: '$.Attributes.SubscriptionsConfirmed', Type: 'String' },
    { Name: 'SubscriptionsPending', Selector: '$.Attributes.SubscriptionsPending', Type: 'String' },
    { Name: 'Policy', Selector: '$.Attributes.Policy', Type: 'String' },
  ],
});
const alertTopicConfirmed = outputOf(readAlertTopic, 'SubscriptionsConfirmed');

const NOTIFICATION_STEPS: Step[] = [
  branch(
    'ChooseNotificationTarget',
    [topicMode, emailMode],
    'RefuseWithoutNotificationTarget',
    'The alarm must reach someone: an existing topic (NotificationTopicArn) or an email address on the own topic (NotificationEmail), exactly one of them.',
  ),
  refuse(
    'RefuseWithoutNotificationTarget',
    'set exactly one of NotificationEmail and NotificationTopicArn: without a target nobody receives the alarm, and the rule would stay NON_COMPLIANT after every run',
  ),

  // An existing topic: a run never writes to it, so it must already reach a person.
  readNotificationTopic,
  branch(
    'ChooseNotificationTopicSubscribers',
    [{ NextStep: 'RefuseNotificationTopicWithoutSubscriber', Variable: outputOf(readNotificationTopic, 'SubscriptionsConfirmed'), StringEquals: '0' }],
    'CheckAlarmNotifiesNotificationTopic',
  ),
  refuse(
    'RefuseNotificationTopicWithoutSubscriber',
    'NotificationTopicArn has no confirmed subscription: subscribe someone to it and confirm, or use NotificationEmail',
  ),
  inPlace('Is the alarm in place, notifying the existing topic?', (options) =>
    assertAwsResourceProperty(
      'CheckAlarmNotifiesNotificationTopic',
      'cloudwatch',
      'DescribeAlarms',
      describeAlarm,
      { PropertySelector: '$.MetricAlarms[0].AlarmActions[0]', DesiredValues: [p.NotificationTopicArn] },
      { ...options, nextStep: CHECK_FILTER },
    ),
  ),

  // The own topic with an email subscriber.
  readAlertTopic,
  branch(
    'ChooseConfirmationState',
    [
      {
        NextStep: 'EndWhileConfirmationPending',
        And: [{ Not: { Variable: outputOf(readAlertTopic, 'SubscriptionsPending'), StringEquals: '0' } }, { Variable: alertTopicConfirmed, StringEquals: '0' }],
      },
      { NextStep: BUILD, Variable: alertTopicConfirmed, StringEquals: '0' },
    ],
    'CheckAlertTopicPolicy',
  ),
  executeAwsApi('EndWhileConfirmationPending', 'sns', 'GetTopicAttributes', { TopicArn: ALERT_TOPIC_ARN }, {
    description:
      'The email subscription waits for its recipient to confirm it (the link in the message from AWS Notifications). Until then the run changes nothing and sends no second confirmation email; the rule says who must confirm.',
    isEnd: true,
  }),
  branch('CheckAlertTopicPolicy', [{ NextStep: 'CheckAlarmNotifiesAlertTopic', Variable: outputOf(readAlertTopic, 'Policy'), Contains: TOPIC_POLICY.Statement[0]!.Sid }], BUILD),
  inPlace('Is the alarm in place, notifying the own topic?', (options) =>
    assertAwsResourceProperty(
      'CheckAlarmNotifiesAlertTopic',
      'cloudwatch',
      'DescribeAlarms',
      describeAlarm,
      { PropertySelector: '$.MetricAlarms[0].AlarmActions[0]', DesiredValues: [ALERT_TOPIC_ARN] },
      options,
    ),
  ),
];

// ---- 2. is the rest in place? (reads only)

/** The alarm settings a run reads back, with the text Automation compares (numbers and booleans as text). */
const ALARM_CHECKS: [string, string, string[]][] = [
  ['CheckAlarmMetricName', 'MetricName', [p.MetricName]],
  ['CheckAlarmNamespace', 'Namespace', [p.MetricNamespace]],
  ['CheckAlarmStatistic', 'Statistic', [ALARM_SETTINGS.Statistic]],
  ['CheckAlarmPeriod', 'Period', [p.AlarmPeriodSeconds]],
  ['CheckAlarmDatapoints', 'DatapointsToAlarm', [String(ALARM_SETTINGS.DatapointsToAlarm)]],
  // A double: the SDK's JSON says 1, Python's text of it 1.0.
  ['CheckAlarmThreshold', 'Threshold', [String(ALARM_SETTINGS.Threshold), ALARM_SETTINGS.Threshold.toFixed(1)]],
  ['CheckAlarmComparison', 'ComparisonOperator', [ALARM_SETTINGS.ComparisonOperator]],
  ['CheckAlarmMissingData', 'TreatMissingData', [ALARM_SETTINGS.TreatMissingData]],
  ['CheckAlarmActionsEnabled', 'ActionsEnabled', ['True']],
];

const IN_PLACE_STEPS: Step[] = [
  chooseProfile(CHECK_FILTER, 'Check', 'FilterInPlace'),
  ...profiles.map((profile) =>
    inPlace(`Is the ${profile} metric filter in place, byte for byte?`, (options) =>
      assertAwsResourceProperty(
        profileStepName('Check', profile, 'FilterInPlace'),
        'logs',
        'DescribeMetricFilters',
        describeFilter,
        { PropertySelector: '$.metricFilters[0].filterPattern', DesiredValues: [FILTER_PATTERNS[profile]] },
        { ...options, nextStep: 'CheckFilterMetricValue' },
      ),
    ),
  ),
  inPlace('Does the filter still count 1 per matching record?', (options) =>
    assertAwsResourceProperty(
      'CheckFilterMetricValue',
      'logs',
      'DescribeMetricFilters',
      describeFilter,
      { PropertySelector: '$.metricFilters[0].metricTransformations[0].metricValue', DesiredValues: ['1'] },
      options,
    ),
  ),
  ...ALARM_CHECKS.map(([name, property, expected]) =>
    inPlace(`Is the alarm's ${property} still ${expected[0]}?`, (options) =>
      assertAwsResourceProperty(name, 'cloudwatch', 'DescribeAlarms', describeAlarm, { PropertySelector: `$.MetricAlarms[0].${property}`, DesiredValues: expected }, options),
    ),
  ),
  executeAwsApi('EndChainInPlace', 'cloudwatch', 'DescribeAlarms', describeAlarm, {
    description:
      'Everything this document builds is in place, so a run would change nothing: it ends without writing and without re-evaluating the rule (which would only start it again). What breaks the chain is outside its reach (the trail, its delivery); the rule\'s annotation names it.',
    isEnd: true,
  }),
];

// ---- 3. build

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
      describeFilter,
      { PropertySelector: '$.metricFilters[0].filterPattern', DesiredValues: [FILTER_PATTERNS[profile]] },
      { nextStep: CHOOSE_ALARM_TOPIC },
    ),
  ];
}

const countSubscribers = executeAwsApi('CountAlertTopicSubscribers', 'sns', 'GetTopicAttributes', { TopicArn: ALERT_TOPIC_ARN }, {
  outputs: [
    { Name: 'SubscriptionsConfirmed', Selector: '$.Attributes.SubscriptionsConfirmed', Type: 'String' },
    { Name: 'SubscriptionsPending', Selector: '$.Attributes.SubscriptionsPending', Type: 'String' },
  ],
});
const readKeyPolicy = executeAwsApi('ReadTopicKeyPolicy', 'kms', 'GetKeyPolicy', { KeyId: p.KmsKeyArn, PolicyName: 'default' }, {
  outputs: [{ Name: 'Policy', Selector: '$.Policy', Type: 'String' }],
});

function putAlarm(name: string, topicArn: string, verifyName: string): Step[] {
  return [
    executeAwsApi(name, 'cloudwatch', 'PutMetricAlarm', {
      AlarmName: p.AlarmName,
      AlarmDescription: 'An S3 bucket policy (or, with the CIS profile, another bucket configuration) changed. Created by s3-policy-watch.',
      ActionsEnabled: true,
      AlarmActions: [topicArn],
      Namespace: p.MetricNamespace,
      MetricName: p.MetricName,
      Period: p.AlarmPeriodSeconds,
      ...ALARM_SETTINGS,
    }),
    assertAwsResourceProperty(
      verifyName,
      'cloudwatch',
      'DescribeAlarms',
      describeAlarm,
      { PropertySelector: '$.MetricAlarms[0].AlarmActions[0]', DesiredValues: [topicArn] },
      { nextStep: VERIFY_ALARM },
    ),
  ];
}

const BUILD_STEPS: Step[] = [
  branch(BUILD, [{ NextStep: 'CreateAlertTopic', Variable: p.NotificationTopicArn, StringEquals: NO_TARGET }], CHOOSE_FILTER, 'Builds what is missing; the existing topic (NotificationTopicArn) is never written to.'),
  executeAwsApi('CreateAlertTopic', 'sns', 'CreateTopic', { Name: p.TopicName }, {
    description: 'Idempotent by name: returns the existing topic on a re-run.',
    outputs: [{ Name: 'TopicArn', Selector: '$.TopicArn', Type: 'String' }],
  }),
  executeAwsApi('SetAlertTopicPolicy', 'sns', 'SetTopicAttributes', {
    TopicArn: ALERT_TOPIC_ARN,
    AttributeName: 'Policy',
    AttributeValue: JSON.stringify(TOPIC_POLICY),
  }),
  branch('ChooseTopicEncryption', [{ NextStep: 'CheckTopicKeyEnabled', Variable: p.KmsKeyArn, StartsWith: 'arn:' }], countSubscribers.name),
  assertAwsResourceProperty(
    'CheckTopicKeyEnabled',
    'kms',
    'DescribeKey',
    { KeyId: p.KmsKeyArn },
    { PropertySelector: '$.KeyMetadata.KeyState', DesiredValues: ['Enabled'] },
    { description: 'A disabled key, or one pending deletion, would make every alarm notification fail.' },
  ),
  readKeyPolicy,
  branch(
    'ChooseTopicKeyPolicy',
    [{ NextStep: 'EncryptAlertTopic', Variable: outputOf(readKeyPolicy, 'Policy'), Contains: '"cloudwatch.amazonaws.com"' }],
    'RefuseTopicKey',
  ),
  refuse('RefuseTopicKey', 'the key policy of KmsKeyArn does not name cloudwatch.amazonaws.com: allow it kms:Decrypt and kms:GenerateDataKey, or CloudWatch cannot publish to the encrypted topic'),
  executeAwsApi('EncryptAlertTopic', 'sns', 'SetTopicAttributes', { TopicArn: ALERT_TOPIC_ARN, AttributeName: 'KmsMasterKeyId', AttributeValue: p.KmsKeyArn }),
  countSubscribers,
  branch(
    'ChooseSubscription',
    [
      {
        NextStep: 'SubscribeNotificationEmail',
        And: [
          { Variable: outputOf(countSubscribers, 'SubscriptionsConfirmed'), StringEquals: '0' },
          { Variable: outputOf(countSubscribers, 'SubscriptionsPending'), StringEquals: '0' },
        ],
      },
    ],
    CHOOSE_FILTER,
    'Subscribes the address only when nobody is subscribed, confirmed or pending: a re-run never sends a second confirmation email.',
  ),
  executeAwsApi('SubscribeNotificationEmail', 'sns', 'Subscribe', { TopicArn: ALERT_TOPIC_ARN, Protocol: 'email', Endpoint: p.NotificationEmail }),
  chooseProfile(CHOOSE_FILTER, 'Put'),
  ...profiles.flatMap(filterSteps),
  branch(CHOOSE_ALARM_TOPIC, [{ NextStep: 'PutAlarmOnNotificationTopic', Variable: p.NotificationTopicArn, StartsWith: 'arn:' }], 'PutAlertAlarm'),
  ...putAlarm('PutAlarmOnNotificationTopic', p.NotificationTopicArn, 'VerifyAlarmNotifiesNotificationTopic'),
  ...putAlarm('PutAlertAlarm', ALERT_TOPIC_ARN, 'VerifyAlarmNotifiesAlertTopic'),
  assertAwsResourceProperty(VERIFY_ALARM, 'cloudwatch', 'DescribeAlarms', describeAlarm, { PropertySelector: '$.MetricAlarms[0].MetricName', DesiredValues: [p.MetricName] }),
  assertAwsResourceProperty('VerifyAlarmNamespace', 'cloudwatch', 'DescribeAlarms', describeAlarm, { PropertySelector: '$.MetricAlarms[0].Namespace', DesiredValues: [p.MetricNamespace] }),
  executeAwsApi(
    'StartConfigRuleEvaluation',
    'config',
    'StartConfigRulesEvaluation',
    { ConfigRuleNames: [p.ConfigRuleName] },
    {
      description:
        'Re-evaluates the rule now rather than at its next periodic run. Only a run that built something gets here. The chain exists either way, so a failure here does not fail the remediation.',
      isCritical: false,
      onFailure: 'Continue',
      isEnd: true,
    },
  ),
];

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
  ...NOTIFICATION_STEPS,
  ...IN_PLACE_STEPS,
  ...BUILD_STEPS,
];

export const remediationDocument: AutomationDocument = {
  schemaVersion: '0.3',
  description:
    'Builds what makes a change to any S3 bucket policy in this account raise an alarm that reaches a person: ' +
    'a metric filter on the log group the CloudTrail trail delivers to, a CloudWatch alarm on its metric, and either an existing SNS topic or an own topic with an email subscriber (s3-policy-watch). ' +
    'A run that finds everything in place, or an email subscription waiting for its confirmation, changes nothing.',
  assumeRole: p.AutomationAssumeRole,
  parameters: PARAMETERS,
  mainSteps: STEPS,
  outputs: ['CreateAlertTopic.TopicArn'],
};
