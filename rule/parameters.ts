import { RequiredEventsError, resolveRequiredEvents } from './filter-pattern';

/**
 * The rule's parameters (Config `InputParameters`). Config hands them over as a JSON object of strings;
 * a typo or a value that is not one of the allowed ones is an error, never a silently different rule.
 */
/** Every protocol SNS delivers over, and the default of those that reach a person. */
export const SNS_PROTOCOLS = ['email', 'email-json', 'sms', 'https', 'http', 'application', 'lambda', 'sqs', 'firehose'] as const;
export const DEFAULT_SUBSCRIBER_PROTOCOLS: readonly string[] = ['email', 'email-json', 'sms', 'https', 'application'];

export interface RuleParameters {
  /** As given (`POLICY`, `CIS` or names), for reports. */
  requiredEventsSpec: string;
  requiredEvents: string[];
  allowOverBroadFilter: boolean;
  requireMultiRegionTrail: boolean;
  requireConfirmedSubscription: boolean;
  securityHubParity: boolean;
  /** Also send the verdict to Security Hub as one ASFF finding per account and region (rule/security-hub-finding.ts). */
  securityHubFindings: boolean;
  /** The subscription protocols that count as reaching a person. */
  subscriberProtocols: string[];
  /** Accepted and validated; reading the owner's log group with it comes with cross-account support. */
  trailOwnerReadRoleName?: string;
}

export class ParameterError extends Error {
  override name = 'ParameterError';
}

const BOOLEAN_KEYS = {
  AllowOverBroadFilter: 'allowOverBroadFilter',
  RequireMultiRegionTrail: 'requireMultiRegionTrail',
  RequireConfirmedSubscription: 'requireConfirmedSubscription',
  SecurityHubParity: 'securityHubParity',
  SecurityHubFindings: 'securityHubFindings',
} as const satisfies Record<string, keyof RuleParameters>;

const KNOWN_KEYS = ['RequiredEvents', ...Object.keys(BOOLEAN_KEYS), 'SubscriberProtocols', 'TrailOwnerReadRoleName'];

export const DEFAULT_PARAMETERS: Readonly<RuleParameters> = Object.freeze({
  requiredEventsSpec: 'POLICY',
  requiredEvents: resolveRequiredEvents('POLICY'),
  allowOverBroadFilter: false,
  requireMultiRegionTrail: true,
  requireConfirmedSubscription: true,
  securityHubParity: false,
  securityHubFindings: false,
  subscriberProtocols: [...DEFAULT_SUBSCRIBER_PROTOCOLS],
});

// IAM role names: 1-64 of letters, digits and +=,.@_-
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Parses `ruleParameters`: the JSON text of a Config event, or an object (`check --parameters`). A missing
 * or empty value means the default (a CloudFormation template often passes '' for "not set").
 */
export function parseRuleParameters(input: string | Record<string, unknown> | undefined | null): RuleParameters {
  const raw = typeof input === 'string' ? parseJsonObject(input) : (input ?? {});
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ParameterError(`rule parameters must be a JSON object of strings such as {"RequiredEvents":"CIS"}, got ${JSON.stringify(raw)}`);
  }
  const parameters: RuleParameters = {
    ...DEFAULT_PARAMETERS,
    requiredEvents: [...DEFAULT_PARAMETERS.requiredEvents],
    subscriberProtocols: [...DEFAULT_PARAMETERS.subscriberProtocols],
  };
  for (const [key, value] of Object.entries(raw)) {
    if (!KNOWN_KEYS.includes(key)) throw new ParameterError(unknownKeyMessage(key));
    if (value === '' || value === null || value === undefined) continue;
    if (key === 'RequiredEvents') {
      const spec = stringValue(key, value, 'POLICY, CIS or a comma list of S3 event names');
      try {
        parameters.requiredEvents = resolveRequiredEvents(spec);
      } catch (error) {
        if (error instanceof RequiredEventsError) throw new ParameterError(`rule parameter ${error.message}`);
        throw error;
      }
      parameters.requiredEventsSpec = spec;
    } else if (key === 'SubscriberProtocols') {
      parameters.subscriberProtocols = subscriberProtocols(stringValue(key, value, `a comma list of ${SNS_PROTOCOLS.join(', ')}`));
    } else if (key === 'TrailOwnerReadRoleName') {
      const name = stringValue(key, value, 'an IAM role name');
      if (!ROLE_NAME.test(name)) {
        throw new ParameterError(
          `rule parameter TrailOwnerReadRoleName: "${name}" is not an IAM role name (1-64 letters, digits and +=,.@_- ; a name, not an ARN)`,
        );
      }
      parameters.trailOwnerReadRoleName = name;
    } else {
      parameters[BOOLEAN_KEYS[key as keyof typeof BOOLEAN_KEYS]] = booleanValue(key, value);
    }
  }
  return parameters;
}

/** A comma list of SNS subscription protocols; a typo is an error, not a protocol that never matches. */
function subscriberProtocols(spec: string): string[] {
  const protocols = spec.split(',').map((protocol) => protocol.trim());
  const unknown = protocols.filter((protocol) => !(SNS_PROTOCOLS as readonly string[]).includes(protocol));
  if (unknown.length > 0 || protocols.length === 0) {
    throw new ParameterError(`rule parameter SubscriberProtocols: ${unknown.map((p) => JSON.stringify(p)).join(', ')} is not an SNS protocol; use a comma list of ${SNS_PROTOCOLS.join(', ')}`);
  }
  return [...new Set(protocols)];
}

function parseJsonObject(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ParameterError(`rule parameters are not valid JSON (${(error as Error).message}): ${text}; write a JSON object of strings such as {"RequiredEvents":"CIS"}`);
  }
}

function unknownKeyMessage(key: string): string {
  const sameButCase = KNOWN_KEYS.find((known) => known.toLowerCase() === key.toLowerCase());
  const hint = sameButCase ? ` (did you mean ${sameButCase}? names are case-sensitive)` : '';
  return `unknown rule parameter "${key}"${hint}; the rule takes ${KNOWN_KEYS.join(', ')}`;
}

function stringValue(key: string, value: unknown, allowed: string): string {
  if (typeof value !== 'string') throw new ParameterError(`rule parameter ${key} must be a string (${allowed}), got ${JSON.stringify(value)}`);
  return value;
}

/** Only true or false (any case); "yes", "1" or "true " are errors rather than guesses. */
function booleanValue(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw new ParameterError(`rule parameter ${key} must be "true" or "false", got ${JSON.stringify(value)}`);
}
