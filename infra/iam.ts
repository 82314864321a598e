/**
 * The permissions of the rule and of the remediation, least privilege: each action on the resources it touches.
 * `Resource: '*'` is granted only to the actions listed in UNSCOPED_ACTIONS, which IAM cannot scope at all.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { AutomationDocument } from '../remediation/builder';
import { productArn } from '../rule/security-hub-finding';

/**
 * The one list of actions granted on `Resource: '*'`, each with the reason. All of them are actions for which the
 * Service Authorization Reference defines no resource type: a narrower Resource would deny them.
 */
export const UNSCOPED_ACTIONS: Readonly<Record<string, string>> = {
  'cloudtrail:DescribeTrails': 'lists the trails visible from a region; it has no resource type to scope to',
  'cloudwatch:DescribeAlarmsForMetric': 'looks alarms up by metric, not by alarm ARN; it has no resource type to scope to',
  'config:PutEvaluations': 'reports results with the result token of the invocation; it has no resource type to scope to',
  'config:DescribeConfigRuleEvaluationStatus': 'reads when Config last invoked a rule (the tamper watch); it has no resource type to scope to',
  'logs:DescribeLogGroups': 'lists log groups by name prefix; it has no resource type to scope to',
};

/** An action and what it may act on; no resources: one of UNSCOPED_ACTIONS. */
export interface Grant {
  action: string;
  resources?: string[];
}

/** The cdk-nag acknowledgment of the grants on '*': each action of UNSCOPED_ACTIONS, with its reason. */
export function unscopedAcknowledgment(grants: Grant[]): { id: string; reason: string } {
  const reasons = grants.filter((grant) => grant.action in UNSCOPED_ACTIONS).map(({ action }) => `${action} (${UNSCOPED_ACTIONS[action]})`);
  return { id: 'AwsSolutions-IAM5[Resource::*]', reason: `Granted on '*' only: ${reasons.join('; ')}` };
}

/** The cdk-nag acknowledgment of one wildcard resource (as cdk-nag writes it: `<AWS::Partition>`...), with its reason. */
export function wildcardAcknowledgment(resource: string, reason: string): { id: string; reason: string } {
  return { id: `AwsSolutions-IAM5[Resource::${resource}]`, reason };
}

/** Policy statements for the grants: one per distinct resource set, unscoped actions together on '*'. */
export function grantStatements(grants: Grant[]): iam.PolicyStatement[] {
  const byResources = new Map<string, { resources: string[]; actions: string[] }>();
  for (const { action, resources } of grants) {
    if (action.includes('*')) throw new Error(`IAM action ${action}: wildcards are not granted; name the action`);
    if (!resources || resources.length === 0) {
      if (!(action in UNSCOPED_ACTIONS)) throw new Error(`IAM action ${action} needs resources: only ${Object.keys(UNSCOPED_ACTIONS).join(', ')} are granted on '*'`);
    } else if (action in UNSCOPED_ACTIONS) {
      throw new Error(`IAM action ${action} has no resource type; grant it without resources (on '*')`);
    }
    const scope = resources && resources.length > 0 ? resources : ['*'];
    const key = scope.join('\n');
    const entry = byResources.get(key) ?? { resources: scope, actions: [] };
    if (!entry.actions.includes(action)) entry.actions.push(action);
    byResources.set(key, entry);
  }
  return [...byResources.values()].map(({ resources, actions }) => new iam.PolicyStatement({ actions, resources }));
}

/** Where the rule's reads reach: the rule runs in one region but follows the trail to any region. */
export interface RuleReadScope {
  partition: string;
  account: string;
  /** Where the rule runs: its Security Hub finding is this region's. */
  region: string;
  /** Rule parameter TrailOwnerReadRoleName: the role the rule may assume in a trail owner's account. */
  trailOwnerReadRoleName?: string;
  /** Rule parameter SecurityHubFindings: the rule imports its finding into this account's Security Hub. */
  securityHubFindings?: boolean;
}

/**
 * What the rule Lambda calls (rule/gather.ts and rule/publish.ts). sts:GetCallerIdentity needs no permission.
 * Trails, log groups and alarms are this account's in any region: gather.ts reads only this account's trails and
 * log groups. Topics may be another account's (a central alerts topic); that account's topic policy decides.
 */
export function ruleGrants({ partition, account, region, trailOwnerReadRoleName, securityHubFindings }: RuleReadScope): Grant[] {
  const anyRegion = (service: string, resource: string) => `arn:${partition}:${service}:*:${account}:${resource}`;
  // The trail owner is whichever account owns an organization trail the member sees; that role's trust policy
  // decides who gets in (infra/trail-owner-read.ts).
  const assumeTrailOwnerRead: Grant[] = trailOwnerReadRoleName
    ? [{ action: 'sts:AssumeRole', resources: [`arn:${partition}:iam::*:role/${trailOwnerReadRoleName}`] }]
    : [];
  // Its own finding only: BatchImportFindings is authorized on the product it imports into (the account's own
  // `default` product), GetFindings on the hub it reads from (the Service Authorization Reference's resource types).
  const securityHub: Grant[] = securityHubFindings
    ? [
        { action: 'securityhub:BatchImportFindings', resources: [productArn(partition, region, account)] },
        { action: 'securityhub:GetFindings', resources: [`arn:${partition}:securityhub:${region}:${account}:hub/default`] },
      ]
    : [];
  return [
    ...assumeTrailOwnerRead,
    ...securityHub,
    { action: 'cloudtrail:DescribeTrails' },
    { action: 'cloudtrail:GetTrailStatus', resources: [anyRegion('cloudtrail', 'trail/*')] },
    { action: 'cloudtrail:GetEventSelectors', resources: [anyRegion('cloudtrail', 'trail/*')] },
    { action: 'logs:DescribeMetricFilters', resources: [anyRegion('logs', 'log-group:*')] },
    { action: 'cloudwatch:DescribeAlarmsForMetric' },
    { action: 'cloudwatch:DescribeAlarms', resources: [anyRegion('cloudwatch', 'alarm:*')] },
    { action: 'sns:ListSubscriptionsByTopic', resources: [`arn:${partition}:sns:*:*:*`] },
    // Whether CloudWatch may publish (topic policy, key) and whether a subscription filters the alarm out.
    { action: 'sns:GetTopicAttributes', resources: [`arn:${partition}:sns:*:*:*`] },
    { action: 'sns:GetSubscriptionAttributes', resources: [`arn:${partition}:sns:*:*:*`] },
    // A topic's key may be another account's (DescribeKey works across accounts); GetKeyPolicy only in its own.
    { action: 'kms:DescribeKey', resources: [`arn:${partition}:kms:*:*:key/*`] },
    { action: 'kms:GetKeyPolicy', resources: [anyRegion('kms', 'key/*')] },
    { action: 'config:PutEvaluations' },
  ];
}

/** Where the trail owner's read-only role reaches: its own account, in the region of the trail and its log group. */
export interface TrailOwnerReadScope {
  partition: string;
  account: string;
  region: string;
  /** The log group the organization trail delivers to. */
  logGroupName: string;
}

/**
 * What rule/gather.ts reads through the trail owner's role: the trail's status and event selectors, the filters of
 * its log group and of every log group writing into the alarmed metric, the alarms on their metrics, the alarms'
 * topics, their attributes and keys (DescribeTrails is the member's own call).
 */
export function trailOwnerReadGrants({ partition, account, region, logGroupName }: TrailOwnerReadScope): Grant[] {
  const here = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${account}:${resource}`;
  return [
    { action: 'cloudtrail:GetTrailStatus', resources: [here('cloudtrail', 'trail/*')] },
    { action: 'cloudtrail:GetEventSelectors', resources: [here('cloudtrail', 'trail/*')] },
    // The trail's log group, and (asked by metric name, without a log group) every filter writing into the alarmed metric.
    { action: 'logs:DescribeMetricFilters', resources: [here('logs', 'log-group:*')] },
    { action: 'cloudwatch:DescribeAlarmsForMetric' },
    { action: 'cloudwatch:DescribeAlarms', resources: [here('cloudwatch', 'alarm:*')] },
    { action: 'sns:ListSubscriptionsByTopic', resources: [`arn:${partition}:sns:${region}:*:*`] },
    { action: 'sns:GetTopicAttributes', resources: [`arn:${partition}:sns:${region}:*:*`] },
    { action: 'sns:GetSubscriptionAttributes', resources: [`arn:${partition}:sns:${region}:*:*`] },
    { action: 'kms:DescribeKey', resources: [`arn:${partition}:kms:${region}:*:key/*`] },
    { action: 'kms:GetKeyPolicy', resources: [here('kms', 'key/*')] },
  ];
}

/** Automation's `Service` (a boto3 client name) to the IAM service prefix of its actions. */
const AUTOMATION_SERVICE_PREFIX: Readonly<Record<string, string>> = {
  logs: 'logs',
  sns: 'sns',
  cloudwatch: 'cloudwatch',
  config: 'config',
  kms: 'kms',
};

/** Every API the document's steps call, as IAM actions, in step order, each once. */
export function documentActions(document: AutomationDocument): string[] {
  const actions = document.mainSteps.flatMap((step) => {
    if (step.action === 'aws:branch') return [];
    const { Service, Api } = step.inputs;
    const prefix = AUTOMATION_SERVICE_PREFIX[Service];
    if (!prefix) throw new Error(`step ${step.name} calls service "${Service}", which has no IAM mapping in infra/iam.ts`);
    return [`${prefix}:${Api}`];
  });
  return [...new Set(actions)];
}

/** What the remediation may touch, by IAM service prefix: the resources the document names. */
export interface RemediationResources {
  logGroupArn: string;
  topicArns: string;
  alarmArns: string;
  configRuleArn: string;
  /** The key the document checks and encrypts its topic with. */
  keyArn: string;
  /** An existing topic the alarm notifies (context notificationTopicArn): the document only reads its attributes. */
  notificationTopicArn?: string;
}

/** The one call the document makes on an existing topic it does not own. */
const READ_NOTIFICATION_TOPIC = 'sns:GetTopicAttributes';

export function remediationGrants(document: AutomationDocument, resources: RemediationResources): Grant[] {
  const byPrefix: Record<string, string> = {
    logs: resources.logGroupArn,
    sns: resources.topicArns,
    cloudwatch: resources.alarmArns,
    config: resources.configRuleArn,
    kms: resources.keyArn,
  };
  return documentActions(document).map((action) => {
    if (action in UNSCOPED_ACTIONS) return { action };
    const resource = byPrefix[action.split(':')[0]!];
    if (!resource) throw new Error(`the document calls ${action}, but infra/iam.ts names no resource for its service`);
    const existingTopic = action === READ_NOTIFICATION_TOPIC && resources.notificationTopicArn ? [resources.notificationTopicArn] : [];
    return { action, resources: [resource, ...existingTopic] };
  });
}
