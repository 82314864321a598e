import { parseTopicArn } from '../arn';
import { evaluatePolicy, PolicyDocumentError, type PolicyDecision, type PolicyRequest } from '../iam-policy';
import type { RuleParameters } from '../parameters';
import type { Subscription, TopicSnapshot } from '../snapshot';
import type { LinkReport } from './report';

/**
 * The notification link — "why is my topic judged broken" is answered here. CloudWatch publishes an alarm's
 * notification to the topic as the service principal cloudwatch.amazonaws.com, on behalf of the alarm. It reaches a
 * person only if
 *   1. the topic's key lets CloudWatch encrypt: not the AWS managed alias/aws/sns (its policy cannot be changed and
 *      does not admit CloudWatch), a customer managed key that is enabled and whose key policy allows
 *      cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*;
 *   2. the topic policy lets CloudWatch call sns:Publish (no Deny, an Allow);
 *   3. a confirmed subscription over a protocol that reaches a person (rule parameter SubscriberProtocols) receives
 *      the ALARM notification: no filter policy on message attributes (alarm notifications carry none), and a
 *      MessageBody filter policy that accepts the notification's JSON.
 */

/** The alarm on whose behalf CloudWatch publishes: the request context of the topic and key policies. */
export interface NotifyingAlarm {
  name: string;
  arn: string;
  accountId: string;
  /** For the notification body a MessageBody filter policy is matched against. */
  notification: AlarmNotification;
}

/** The fields of an alarm's SNS notification (the Message JSON) that the rule knows before the alarm fires. */
export interface AlarmNotification {
  AlarmName: string;
  AlarmArn: string;
  AWSAccountId: string;
  AlarmActions: string[];
  Trigger: Record<string, unknown>;
}

const CLOUDWATCH = 'cloudwatch.amazonaws.com';
const AWS_MANAGED_SNS_KEY = /(^|:)alias\/aws\/sns$/;

export function judgeTopic(topic: TopicSnapshot, publisher: NotifyingAlarm, parameters: RuleParameters): LinkReport {
  const ref = parseTopicArn(topic.arn);
  const accountId = publisher.accountId;
  const subject = `topic ${ref.name}${ref.accountId === accountId ? '' : ` (account ${ref.accountId})`}`;
  const broken = (detail: string): LinkReport => ({ link: 'notification', status: 'broken', subject, detail });
  if (topic.unreadable) {
    return broken(
      `belongs to account ${ref.accountId}, whose subscriptions cannot be listed or attributes read from here (${topic.unreadable}); allow sns:ListSubscriptionsByTopic and sns:GetTopicAttributes to account ${accountId} in the topic policy`,
    );
  }
  if (!topic.exists) return broken(`does not exist in ${ref.region}`);
  if (!topic.attributes) throw new Error(`incomplete snapshot: attributes of topic ${topic.arn} were not read`);
  // What IAM puts in the request context of a service principal's call (docs/aws-behaviour.md N1, N10): a Deny
  // on aws:PrincipalIsAWSService, aws:PrincipalServiceName or aws:RequestedRegion must be able to apply.
  const context = {
    'aws:SourceAccount': accountId,
    'aws:SourceArn': publisher.arn,
    'AWS:SourceOwner': accountId,
    'aws:SecureTransport': 'true',
    'aws:PrincipalIsAWSService': 'true',
    'aws:PrincipalServiceName': CLOUDWATCH,
    'aws:RequestedRegion': ref.region,
  };
  const keyProblem = encryptionProblem(topic, context);
  if (keyProblem) return broken(keyProblem);
  const policyProblem = topicPolicyProblem(topic, context);
  if (policyProblem) return broken(policyProblem);
  return judgeSubscriptions(topic, publisher, parameters, subject);
}

function encryptionProblem(topic: TopicSnapshot, context: PolicyRequest['context']): string | undefined {
  const keyId = topic.attributes?.kmsMasterKeyId;
  if (!keyId) return undefined;
  const fix = `use a customer managed key whose key policy lets ${CLOUDWATCH} use kms:Decrypt and kms:GenerateDataKey*`;
  if (AWS_MANAGED_SNS_KEY.test(keyId)) return `is encrypted with alias/aws/sns, which CloudWatch alarms cannot use (its key policy does not admit ${CLOUDWATCH} and cannot be changed): ${fix}`;
  const key = topic.key;
  if (!key) throw new Error(`incomplete snapshot: KMS key ${keyId} of topic ${topic.arn} was not read`);
  if (key.unreadable && key.keyState === 'unknown') {
    return `is encrypted with KMS key ${key.arn}, which cannot be read from here (${key.unreadable}), so whether CloudWatch may use it is unproven`;
  }
  if (key.keyManager === 'AWS') return `is encrypted with the AWS managed key ${key.arn}, which CloudWatch alarms cannot use: ${fix}`;
  if (key.keyState !== 'Enabled') return `is encrypted with KMS key ${key.arn}, which is ${key.keyState}: SNS cannot encrypt the alarm's notification, so it is not delivered`;
  if (key.policy === undefined) {
    return `is encrypted with KMS key ${key.arn}, whose key policy cannot be read from here (${key.unreadable ?? 'not read'}), so whether CloudWatch may use it is unproven`;
  }
  for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
    // SNS asks KMS with the topic's ARN as encryption context (docs/aws-behaviour.md N11).
    const keyContext = { ...context, 'kms:EncryptionContext:aws:sns:topicArn': topic.arn };
    const decision = decide(key.policy, { principal: { service: CLOUDWATCH }, action, resource: key.arn, context: keyContext }, `the key policy of ${key.arn}`);
    if (typeof decision === 'string') return `is encrypted with KMS key ${key.arn}: ${decision}`;
    if (decision.decision !== 'allow') return `is encrypted with KMS key ${key.arn}, whose key policy ${refusal(decision, action)}: ${fix}`;
  }
  return undefined;
}

function topicPolicyProblem(topic: TopicSnapshot, context: PolicyRequest['context']): string | undefined {
  const policy = topic.attributes?.policy;
  // SNS gives every topic a policy; without one nothing but the owner's own principals could publish.
  if (policy === undefined) return `has no topic policy, so ${CLOUDWATCH} may not publish to it`;
  const decision = decide(policy, { principal: { service: CLOUDWATCH }, action: 'sns:Publish', resource: topic.arn, context }, 'the topic policy');
  if (typeof decision === 'string') return decision;
  if (decision.decision === 'allow') return undefined;
  return `has a topic policy that ${refusal(decision, 'sns:Publish')}, so the alarm's notification is refused: allow ${CLOUDWATCH} sns:Publish (a condition on aws:SourceAccount or aws:SourceArn may keep it to this account's alarms)`;
}

function decide(policy: string, request: PolicyRequest, what: string): PolicyDecision | string {
  try {
    return evaluatePolicy(policy, request);
  } catch (error) {
    if (error instanceof PolicyDocumentError) return `${what} cannot be evaluated (${error.message})`;
    throw error;
  }
}

function refusal(decision: PolicyDecision, action: string): string {
  const unsupported = decision.unsupported.length ? `; not evaluated, and judged against the alarm: ${decision.unsupported.join(', ')}` : '';
  if (decision.decision === 'explicit-deny') return `denies ${action} to ${CLOUDWATCH} (${decision.statement}${unsupported})`;
  return `does not allow ${CLOUDWATCH} ${action} (no statement allows it${unsupported})`;
}

// ---------------------------------------------------------------- subscriptions

function judgeSubscriptions(topic: TopicSnapshot, publisher: NotifyingAlarm, parameters: RuleParameters, subject: string): LinkReport {
  const confirmed = topic.subscriptions.filter((subscription) => subscription.subscriptionArn.startsWith('arn:'));
  const pending = topic.subscriptions.filter((subscription) => subscription.subscriptionArn === 'PendingConfirmation');
  const candidates = parameters.requireConfirmedSubscription ? confirmed : [...confirmed, ...pending];
  const protocols = parameters.subscriberProtocols;
  const personal = candidates.filter((subscription) => protocols.includes(subscription.protocol));
  const verdicts = personal.map((subscription) => ({ subscription, dropped: droppedBy(subscription, publisher.notification) }));
  const receiving = verdicts.filter((verdict) => verdict.dropped === undefined).map((verdict) => verdict.subscription);
  const notCounted = candidates.filter((subscription) => !protocols.includes(subscription.protocol));
  const otherProtocols = [...new Set(notCounted.map((subscription) => subscription.protocol))];
  if (receiving.length > 0) {
    const kinds = [...new Set(receiving.map((subscription) => subscription.protocol))].join(', ');
    const what = parameters.requireConfirmedSubscription ? 'confirmed subscription' : 'subscription';
    const aside = otherProtocols.length ? `; ${otherProtocols.join(', ')} not counted (SubscriberProtocols)` : '';
    return { link: 'notification', status: 'ok', subject, detail: `has ${receiving.length} ${what}${receiving.length === 1 ? '' : 's'} (${kinds}) that receive${receiving.length === 1 ? 's' : ''} the ALARM notification${aside}` };
  }
  const broken = (detail: string): LinkReport => ({ link: 'notification', status: 'broken', subject, detail });
  const filtered = verdicts.find((verdict) => verdict.dropped !== undefined);
  // The subscription's id, never its endpoint (an address or a phone number stays out of reports: SECURITY.md).
  if (filtered) return broken(`has no subscriber that receives the alarm: ${filtered.subscription.protocol} subscription ${filtered.subscription.subscriptionArn.split(':').pop()} ${filtered.dropped}`);
  if (otherProtocols.length > 0) {
    return broken(
      `has only ${otherProtocols.join(', ')} subscriptions, which do not reach a person by themselves (SubscriberProtocols=${protocols.join(',')}; add the protocol there if its endpoint alerts someone)`,
    );
  }
  if (pending.length > 0) {
    // Who must do what, without naming the endpoint (endpoints never reach an annotation).
    const pendingProtocols = [...new Set(pending.map((subscription) => subscription.protocol))].join(', ');
    return broken(
      `has no confirmed subscription: ${pending.length} pending confirmation (${pendingProtocols}); its recipient must confirm it from the subscription confirmation message AWS sent (RequireConfirmedSubscription=true)`,
    );
  }
  return broken('has no subscribers, so the alarm reaches nobody');
}

/** Why SNS does not deliver the ALARM notification to this subscription; undefined when it does. */
function droppedBy(subscription: Subscription, notification: AlarmNotification): string | undefined {
  if (!subscription.subscriptionArn.startsWith('arn:')) return undefined; // a pending one has no attributes to read yet
  if (!subscription.filter) throw new Error(`incomplete snapshot: attributes of subscription ${subscription.subscriptionArn} were not read`);
  const { policy, scope } = subscription.filter;
  if (!policy || policy.trim() === '' || policy.trim() === '{}') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return `has a filter policy that is not JSON, so whether it accepts the alarm cannot be told`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'has a filter policy that is not a JSON object';
  if ((scope ?? 'MessageAttributes') === 'MessageAttributes') {
    const verdict = accepts(parsed as FilterPolicy, {});
    if (verdict === true) return undefined;
    return `has a filter policy on message attributes, and alarm notifications carry no message attributes, so SNS drops them${verdict === false ? '' : ` (${verdict})`}`;
  }
  for (const oldState of ['OK', 'INSUFFICIENT_DATA']) {
    const body = { ...notification, NewStateValue: 'ALARM', OldStateValue: oldState, NewStateReason: UNKNOWN, StateChangeTime: UNKNOWN, Region: UNKNOWN, AlarmDescription: UNKNOWN, AlarmConfigurationUpdatedTimestamp: UNKNOWN, OKActions: UNKNOWN, InsufficientDataActions: UNKNOWN };
    const verdict = accepts(parsed as FilterPolicy, body);
    if (verdict !== true) {
      return `has a MessageBody filter policy that ${verdict === false ? 'does not accept' : `cannot be shown to accept (${verdict})`} the alarm's ALARM notification (from ${oldState})`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- SNS filter policies

/** A field whose value the rule cannot know before the alarm fires (the reason text, the time...). */
const UNKNOWN = Symbol('unknown');

type FilterPolicy = Record<string, unknown>;

/**
 * Whether an SNS filter policy accepts a message (SNS developer guide, "Amazon SNS subscription filter policies"):
 * every property of the policy must match (a nested object matches the nested property), `$or` takes any of its
 * policies, and a property matches when any of its conditions does (against any element of an array value).
 * A string says what could not be decided.
 */
function accepts(policy: FilterPolicy, message: Record<string | symbol, unknown>): boolean | string {
  let undecided: string | undefined;
  for (const [key, conditions] of Object.entries(policy)) {
    let result: boolean | string;
    if (key === '$or' && Array.isArray(conditions)) {
      const results = conditions.map((alternative) => accepts(alternative as FilterPolicy, message));
      result = results.includes(true) ? true : (results.find((entry) => typeof entry === 'string') ?? false);
    } else if (conditions !== null && typeof conditions === 'object' && !Array.isArray(conditions)) {
      const nested = message[key];
      result = nested !== null && typeof nested === 'object' ? accepts(conditions as FilterPolicy, nested as Record<string, unknown>) : nested === UNKNOWN ? `${key} is not known in advance` : false;
    } else {
      result = propertyMatches(key, Array.isArray(conditions) ? conditions : [conditions], key in message ? message[key] : ABSENT);
    }
    if (result === false) return false;
    if (typeof result === 'string') undecided ??= result;
  }
  return undecided ?? true;
}

const ABSENT = Symbol('absent');

function propertyMatches(key: string, conditions: unknown[], value: unknown): boolean | string {
  if (value === UNKNOWN) {
    if (conditions.some((condition) => isOperator(condition, 'exists') && (condition as { exists: unknown }).exists === true)) return true;
    return `${key} is not known in advance`;
  }
  const values = Array.isArray(value) ? value : [value];
  let undecided: string | undefined;
  for (const condition of conditions) {
    const results = values.map((item) => conditionMatches(condition, item));
    if (value === ABSENT || values.length === 0) results.push(conditionMatches(condition, ABSENT));
    if (results.includes(true)) return true;
    undecided ??= results.find((result): result is string => typeof result === 'string');
  }
  return undecided ?? false;
}

function isOperator(condition: unknown, name: string): boolean {
  return condition !== null && typeof condition === 'object' && !Array.isArray(condition) && name in condition;
}

function conditionMatches(condition: unknown, value: unknown): boolean | string {
  if (condition === null || typeof condition !== 'object') {
    if (value === ABSENT) return false;
    if (typeof condition === 'number') return typeof value === 'number' ? value === condition : Number(value) === condition;
    return value === condition;
  }
  const [operator, operand] = Object.entries(condition as Record<string, unknown>)[0] ?? [];
  if (operator === 'exists') return (value !== ABSENT) === operand;
  if (value === ABSENT) return false;
  const text = String(value);
  switch (operator) {
    case 'prefix':
      return text.startsWith(String(operand));
    case 'suffix':
      return text.endsWith(String(operand));
    case 'equals-ignore-case':
      return text.toLowerCase() === String(operand).toLowerCase();
    case 'anything-but': {
      if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
        const inner = conditionMatches(operand, value);
        return typeof inner === 'string' ? inner : !inner;
      }
      return !(Array.isArray(operand) ? operand : [operand]).some((excluded) => conditionMatches(excluded, value) === true);
    }
    case 'numeric': {
      const number = typeof value === 'number' ? value : Number(text);
      if (!Number.isFinite(number) || !Array.isArray(operand)) return false;
      for (let i = 0; i + 1 < operand.length; i += 2) {
        const [op, bound] = [operand[i] as string, Number(operand[i + 1])];
        const holds = { '=': number === bound, '<': number < bound, '<=': number <= bound, '>': number > bound, '>=': number >= bound }[op];
        if (!holds) return false;
      }
      return true;
    }
    default:
      return `filter operator "${operator}" is not evaluated`;
  }
}
