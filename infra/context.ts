/**
 * The deployment's settings, read from CDK context (`cdk.json` "context", or `-c key=value` on the command line).
 * Every key is validated here, before a single construct is built: a missing or malformed value stops synth with a
 * message naming the key and what it accepts. Values the remediation document passes on are checked against the
 * document's own allowedPattern, and the rule's parameters against the rule's own parser, so a deployment can never
 * hand either of them something they would refuse at run time.
 */
import { FILTER_PATTERNS, isSecurityHubExactText, type PatternProfile } from '../rule/events/canonical';
import { analyzeFilterPattern } from '../rule/filter-pattern';
import { DEFAULT_PARAMETERS, ParameterError as RuleParameterError, parseRuleParameters } from '../rule/parameters';
import type { ParameterDefinition } from '../remediation/builder';
import { NO_TARGET, remediationDocument } from '../remediation/document';
import { disallowedReason } from '../remediation/parameters';

/** How often Config runs the rule on its own (the tamper watch re-runs it sooner after a change to the chain). */
export const EVALUATION_FREQUENCIES = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'] as const;
export type EvaluationFrequency = (typeof EVALUATION_FREQUENCIES)[number];

/** Powertools Logger levels. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DeployContext {
  /** The log group the trail delivers to (createTrail=false), or the one the stack creates for its trail. */
  trailLogGroupName: string;
  createTrail: boolean;
  /** An email address, or `none`. */
  notificationEmail: string;
  /** An existing SNS topic (the central security topic), or `none`. With remediation on, exactly one of the two is set. */
  notificationTopicArn: string;
  /** The rule's InputParameters, exactly as Config passes them to the Lambda. */
  ruleInputParameters: Record<string, string>;
  patternProfile: PatternProfile;
  evaluationFrequency: EvaluationFrequency;
  alarmPeriodSeconds: number;
  logLevel: LogLevel;
  /**
   * The rule Lambda role is named `<ruleRoleName>-<region>`: a fixed name, so that a trail owner's read-only role can
   * trust it in every member account (IAM names are per account, and a StackSet puts one stack in each region).
   */
  ruleRoleName: string;
  /** Rule parameter TrailOwnerReadRoleName, and the name of the read-only role in the trail owner's account. */
  trailOwnerReadRoleName?: string;
  /** Rule parameter SecurityHubFindings: the rule also imports one ASFF finding per evaluation into Security Hub. */
  securityHubFindings: boolean;
  /** Whether the stack attaches the automatic remediation (an account covered only by another's trail has nothing to remediate). */
  remediation: boolean;
}

export class ContextError extends Error {
  override name = 'ContextError';
  constructor(readonly problems: string[]) {
    super(`invalid CDK context (cdk.json "context" or -c key=value):\n  ${problems.join('\n  ')}`);
  }
}

/** `-<region>` is appended to the rule role's name; IAM role names have at most 64 characters, and a region 14. */
export const MAX_RULE_ROLE_NAME_LENGTH = 64 - '-ap-southeast-5'.length;

/** Reads one context key: a value from cdk.json keeps its JSON type, one from `-c` is always a string. */
export type ContextLookup = (key: string) => unknown;

const documentParameters: Record<string, ParameterDefinition> = remediationDocument.parameters;

/** Each key, its default (undefined: required) and what it accepts, for errors and docs/deploy.md. */
export const CONTEXT_KEYS = {
  trailLogGroupName: { default: undefined, allowed: `a log group name (${documentParameters.LogGroupName!.allowedPattern})` },
  createTrail: { default: false, allowed: 'true or false' },
  notificationEmail: { default: documentParameters.NotificationEmail!.default, allowed: 'an email address or none' },
  notificationTopicArn: { default: documentParameters.NotificationTopicArn!.default, allowed: 'the ARN of an existing SNS topic in the deploy region, or none' },
  requiredEvents: { default: 'POLICY', allowed: 'POLICY, CIS or a comma list of S3 event names' },
  patternProfile: { default: documentParameters.PatternProfile!.default, allowed: Object.keys(FILTER_PATTERNS).join(' or ') },
  evaluationFrequency: { default: 'TwentyFour_Hours', allowed: EVALUATION_FREQUENCIES.join(', ') },
  alarmPeriodSeconds: { default: documentParameters.AlarmPeriodSeconds!.default, allowed: 'a multiple of 60 up to 3600' },
  securityHubParity: { default: false, allowed: 'true or false' },
  securityHubFindings: { default: false, allowed: 'true or false' },
  logLevel: { default: 'INFO', allowed: LOG_LEVELS.join(', ') },
  ruleRoleName: { default: 's3-policy-watch-rule', allowed: `an IAM role name of 1-${MAX_RULE_ROLE_NAME_LENGTH} letters, digits and +=,.@_- (the region is appended)` },
  trailOwnerReadRoleName: { default: 'none', allowed: 'an IAM role name, or none' },
  subscriberProtocols: { default: DEFAULT_PARAMETERS.subscriberProtocols.join(','), allowed: 'a comma list of SNS protocols (email, email-json, sms, https, http, application, lambda, sqs, firehose)' },
  remediation: { default: true, allowed: 'true or false' },
} as const;

type ContextKey = keyof typeof CONTEXT_KEYS;

/** The document parameter each context key is handed to, whose allowedPattern it must pass. */
const DOCUMENT_PARAMETER: Partial<Record<ContextKey, string>> = {
  trailLogGroupName: 'LogGroupName',
  notificationEmail: 'NotificationEmail',
  notificationTopicArn: 'NotificationTopicArn',
  patternProfile: 'PatternProfile',
  alarmPeriodSeconds: 'AlarmPeriodSeconds',
};

/** Reads and validates every key; throws one ContextError listing every problem found. */
export function readDeployContext(lookup: ContextLookup, presentKeys: readonly string[] = []): DeployContext {
  const problems: string[] = [];
  for (const present of presentKeys) {
    const known = Object.keys(CONTEXT_KEYS).find((key) => key.toLowerCase() === present.toLowerCase());
    if (known && known !== present) problems.push(`${present}: unknown key; did you mean ${known}? (keys are case-sensitive)`);
  }

  const text = (key: ContextKey): string | undefined => {
    const value = lookup(key) ?? CONTEXT_KEYS[key].default;
    if (value === undefined) {
      problems.push(`${key} is missing; expected ${CONTEXT_KEYS[key].allowed}`);
      return undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      problems.push(`${key} must be ${CONTEXT_KEYS[key].allowed}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    const asText = String(value);
    const parameter = DOCUMENT_PARAMETER[key];
    const reason = parameter ? disallowedReason(parameter, documentParameters[parameter]!, asText) : undefined;
    if (reason) {
      problems.push(`${key} "${asText}" is not allowed: expected ${CONTEXT_KEYS[key].allowed} (the remediation's ${reason})`);
      return undefined;
    }
    return asText;
  };
  const oneOf = <T extends string>(key: ContextKey, allowed: readonly T[]): T | undefined => {
    const value = text(key);
    if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
    problems.push(`${key} "${value}" is not allowed: expected ${CONTEXT_KEYS[key].allowed}`);
    return undefined;
  };
  const flag = (key: ContextKey): boolean | undefined => {
    const value = oneOf(key, ['true', 'false']);
    return value === undefined ? undefined : value === 'true';
  };

  const trailLogGroupName = text('trailLogGroupName');
  const createTrail = flag('createTrail');
  const notificationEmail = text('notificationEmail');
  const notificationTopicArn = text('notificationTopicArn');
  const patternProfile = oneOf('patternProfile', Object.keys(FILTER_PATTERNS) as PatternProfile[]);
  const evaluationFrequency = oneOf('evaluationFrequency', EVALUATION_FREQUENCIES);
  const alarmPeriod = text('alarmPeriodSeconds');
  const subscriberProtocols = text('subscriberProtocols');
  const protocolsProblem = subscriberProtocols === undefined ? undefined : ruleParameterProblem({ SubscriberProtocols: subscriberProtocols });
  if (protocolsProblem) problems.push(`subscriberProtocols "${subscriberProtocols}" is not allowed: ${protocolsProblem}`);
  const logLevel = oneOf('logLevel', LOG_LEVELS);
  const requiredEvents = text('requiredEvents');
  const securityHubParity = flag('securityHubParity');
  const securityHubFindings = flag('securityHubFindings');
  const remediation = flag('remediation');
  const ruleRoleName = text('ruleRoleName');
  if (ruleRoleName !== undefined && !new RegExp(`^[\\w+=,.@-]{1,${MAX_RULE_ROLE_NAME_LENGTH}}$`).test(ruleRoleName)) {
    problems.push(`ruleRoleName "${ruleRoleName}" is not allowed: expected ${CONTEXT_KEYS.ruleRoleName.allowed}`);
  }
  const readRoleText = text('trailOwnerReadRoleName');
  const trailOwnerReadRoleName = readRoleText === 'none' ? undefined : readRoleText;
  const readRoleProblem = trailOwnerReadRoleName === undefined ? undefined : ruleParameterProblem({ TrailOwnerReadRoleName: trailOwnerReadRoleName });
  if (readRoleProblem) problems.push(`trailOwnerReadRoleName "${trailOwnerReadRoleName}" is not allowed: ${readRoleProblem} (or none)`);

  let ruleInputParameters: Record<string, string> | undefined;
  if (requiredEvents !== undefined && securityHubParity !== undefined && securityHubFindings !== undefined) {
    ruleInputParameters = {
      RequiredEvents: requiredEvents,
      SecurityHubParity: String(securityHubParity),
      // Off is the rule's default; only a deployment that turns it on passes it.
      ...(securityHubFindings ? { SecurityHubFindings: 'true' } : {}),
      ...(trailOwnerReadRoleName !== undefined && !readRoleProblem ? { TrailOwnerReadRoleName: trailOwnerReadRoleName } : {}),
      ...(subscriberProtocols !== undefined && !protocolsProblem && subscriberProtocols !== CONTEXT_KEYS.subscriberProtocols.default
        ? { SubscriberProtocols: subscriberProtocols }
        : {}),
    };
    try {
      const rule = parseRuleParameters(ruleInputParameters);
      if (patternProfile !== undefined) problems.push(...remediationMismatch(patternProfile, rule.requiredEvents, rule.allowOverBroadFilter, securityHubParity));
    } catch (error) {
      if (!(error instanceof RuleParameterError)) throw error;
      problems.push(`requiredEvents "${requiredEvents}" is not allowed: ${error.message}`);
    }
  }

  if (remediation && notificationEmail !== undefined && notificationTopicArn !== undefined) problems.push(...notificationTargetProblem(notificationEmail, notificationTopicArn));

  if (problems.length > 0) throw new ContextError(problems);
  return {
    trailLogGroupName: trailLogGroupName!,
    createTrail: createTrail!,
    notificationEmail: notificationEmail!,
    notificationTopicArn: notificationTopicArn!,
    ruleInputParameters: ruleInputParameters!,
    patternProfile: patternProfile!,
    evaluationFrequency: evaluationFrequency!,
    alarmPeriodSeconds: Number(alarmPeriod),
    logLevel: logLevel!,
    ruleRoleName: ruleRoleName!,
    ...(trailOwnerReadRoleName !== undefined ? { trailOwnerReadRoleName } : {}),
    securityHubFindings: securityHubFindings!,
    remediation: remediation!,
  };
}

/**
 * With the remediation on, someone must receive the alarm it builds: a chain that reaches nobody leaves the account
 * NON_COMPLIANT after every run. The document refuses the same at run time; synth says it first.
 */
function notificationTargetProblem(email: string, topicArn: string): string[] {
  if (email === NO_TARGET && topicArn === NO_TARGET) {
    return [
      'remediation=true needs someone to receive the alarm: set notificationEmail (an email address; the recipient confirms the subscription) or notificationTopicArn (an existing SNS topic, e.g. your central security topic with its paging or chat subscribers); or set remediation=false',
    ];
  }
  if (email !== NO_TARGET && topicArn !== NO_TARGET) return ['notificationEmail and notificationTopicArn are both set: set one of them (the remediation subscribes the email to its own topic, or notifies the existing topic)'];
  return [];
}

/** Why the rule's own parser refuses these parameters, or undefined when it takes them. */
function ruleParameterProblem(parameters: Record<string, string>): string | undefined {
  try {
    parseRuleParameters(parameters);
    return undefined;
  } catch (error) {
    if (error instanceof RuleParameterError) return error.message;
    throw error;
  }
}

/**
 * The filter the remediation writes must satisfy the rule it is attached to; otherwise the account would stay
 * NON_COMPLIANT after every remediation, and Config would retry it forever.
 */
function remediationMismatch(profile: PatternProfile, requiredEvents: string[], allowOverBroad: boolean, securityHubParity: boolean): string[] {
  const analysis = analyzeFilterPattern(FILTER_PATTERNS[profile], requiredEvents);
  const problems: string[] = [];
  if (!analysis.coversRequiredEvents) {
    problems.push(
      `patternProfile ${profile} does not cover requiredEvents (misses ${analysis.missedEvents.join(', ')}): the remediation's filter would never make the account COMPLIANT; use patternProfile CIS or fewer requiredEvents`,
    );
  }
  if (analysis.overBroad && !allowOverBroad) {
    problems.push(`patternProfile ${profile} writes a filter the rule judges over-broad (it matches ${analysis.benignMatched.join(', ')})`);
  }
  if (securityHubParity && !isSecurityHubExactText(FILTER_PATTERNS[profile])) {
    problems.push(`securityHubParity true needs the exact CIS filter text, which patternProfile ${profile} does not write; use patternProfile CIS`);
  }
  return problems;
}
