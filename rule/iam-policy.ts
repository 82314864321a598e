/**
 * A resource-policy evaluator (pure): does this policy let this principal do this action on this resource in
 * this request context? It answers for the two policies that decide whether an alarm's notification is
 * delivered: the SNS topic policy (may cloudwatch.amazonaws.com call sns:Publish?) and the KMS key policy of an
 * encrypted topic (may it call kms:Decrypt and kms:GenerateDataKey?).
 *
 * IAM's rules, as the IAM User Guide's policy evaluation logic states them: an explicit Deny wins, else an Allow
 * decides, else the request is implicitly denied. A statement applies when its principal, action, resource and
 * every condition match. What this evaluator does not understand (an unknown condition operator, a policy
 * variable) is judged against the caller: an Allow it cannot read does not apply, a Deny it cannot read does, and
 * the decision says so.
 */

export interface PolicyRequest {
  /** A service principal (`cloudwatch.amazonaws.com`) or an AWS principal ARN. */
  principal: { service: string } | { aws: string };
  action: string;
  resource: string;
  /** Condition keys of the request (compared case-insensitively, as IAM does). */
  context: Record<string, string | readonly string[]>;
  /**
   * Keys known to be absent from the request. Any other key missing from `context` is one whose value this rule
   * cannot know (aws:SourceOrgID, kms:ViaService, …): a condition on it is judged against the caller.
   */
  absentKeys?: readonly string[];
}

export interface PolicyDecision {
  decision: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** The statement that decided (its Sid, else `statement N`), for an allow or an explicit deny. */
  statement?: string;
  /** What could not be evaluated and was judged against the caller. */
  unsupported: string[];
}

export class PolicyDocumentError extends Error {
  override name = 'PolicyDocumentError';
}

type Values = string | readonly string[];

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: Values;
  NotAction?: Values;
  Resource?: Values;
  NotResource?: Values;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Evaluates `policy` (the JSON text a GetTopicAttributes or GetKeyPolicy returns, or the parsed object). */
export function evaluatePolicy(policy: string | object, request: PolicyRequest): PolicyDecision {
  const statements = statementsOf(policy);
  const unsupported: string[] = [];
  let allow: string | undefined;
  for (const [index, statement] of statements.entries()) {
    const name = statement.Sid ? `statement "${statement.Sid}"` : `statement ${index + 1}`;
    const effect = statement.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyDocumentError(`${name} has Effect ${JSON.stringify(effect)}; IAM accepts only Allow or Deny`);
    const deny = effect === 'Deny';
    if (!principalMatches(statement, request.principal)) continue;
    if (!listMatches(statement.Action, statement.NotAction, request.action, { ignoreCase: true })) continue;
    if (!listMatches(statement.Resource, statement.NotResource, request.resource, { ignoreCase: false, absentMatches: true })) continue;
    const conditions = conditionsMatch(statement.Condition ?? {}, request);
    // Conditions are ANDed: one that is known to fail settles it. Otherwise an unreadable condition means a Deny
    // may apply and an Allow is not proven.
    if (!conditions.matches) continue;
    if (conditions.unsupported.length) unsupported.push(...conditions.unsupported.map((what) => `${name}: ${what}`));
    const applies = conditions.unsupported.length ? deny : true;
    if (!applies) continue;
    if (deny) return { decision: 'explicit-deny', statement: name, unsupported };
    allow ??= name;
  }
  return allow ? { decision: 'allow', statement: allow, unsupported } : { decision: 'implicit-deny', unsupported };
}

function statementsOf(policy: string | object): Statement[] {
  let document: unknown = policy;
  if (typeof policy === 'string') {
    try {
      document = JSON.parse(policy);
    } catch (error) {
      throw new PolicyDocumentError(`the policy is not valid JSON (${(error as Error).message})`);
    }
  }
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  if (statement === undefined) throw new PolicyDocumentError('the policy has no Statement');
  const list = Array.isArray(statement) ? statement : [statement];
  if (!list.every((item) => typeof item === 'object' && item !== null)) throw new PolicyDocumentError('every Statement must be a JSON object');
  return list as Statement[];
}

function asList(values: unknown): string[] {
  if (values === undefined || values === null) return [];
  return (Array.isArray(values) ? values : [values]).map(String);
}

/** `*` matches any run of characters, `?` one character (IAM's wildcards in actions, resources and *Like operators). */
function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function listMatches(
  positive: Values | undefined,
  negative: Values | undefined,
  value: string,
  { ignoreCase, absentMatches = false }: { ignoreCase: boolean; absentMatches?: boolean },
): boolean {
  if (positive !== undefined) return asList(positive).some((pattern) => wildcardMatches(pattern, value, ignoreCase));
  if (negative !== undefined) return !asList(negative).some((pattern) => wildcardMatches(pattern, value, ignoreCase));
  return absentMatches;
}

/** Principal `"*"` (or `{"AWS": "*"}`) is everyone, service principals included; NotPrincipal is everyone else. */
function principalMatches(statement: Statement, principal: PolicyRequest['principal']): boolean {
  if (statement.Principal !== undefined) return principalListed(statement.Principal, principal);
  if (statement.NotPrincipal !== undefined) return !principalListed(statement.NotPrincipal, principal);
  // Identity policies have no principal; a resource policy statement without one names nobody.
  return false;
}

function principalListed(element: unknown, principal: PolicyRequest['principal']): boolean {
  if (element === '*') return true;
  if (typeof element !== 'object' || element === null) return false;
  const entries = element as Record<string, unknown>;
  if (asList(entries.AWS).includes('*')) return true;
  if ('service' in principal) return asList(entries.Service).some((service) => service.toLowerCase() === principal.service.toLowerCase());
  const account = /^\d{12}$/;
  return asList(entries.AWS).some((listed) => {
    if (listed === principal.aws) return true;
    // An account id or its root ARN names every principal of that account.
    const accountOf = (arn: string) => arn.split(':')[4];
    return (account.test(listed) && accountOf(principal.aws) === listed) || (/:root$/.test(listed) && accountOf(listed) === accountOf(principal.aws));
  });
}

type Comparator = (policyValue: string, requestValue: string) => boolean;

const COMPARATORS: Record<string, { compare: Comparator; negated: boolean }> = {
  StringEquals: { compare: (p, r) => p === r, negated: false },
  StringNotEquals: { compare: (p, r) => p === r, negated: true },
  StringEqualsIgnoreCase: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: true },
  StringLike: { compare: (p, r) => wildcardMatches(p, r), negated: false },
  StringNotLike: { compare: (p, r) => wildcardMatches(p, r), negated: true },
  ArnEquals: { compare: (p, r) => p === r, negated: false },
  ArnNotEquals: { compare: (p, r) => p === r, negated: true },
  ArnLike: { compare: (p, r) => wildcardMatches(p, r), negated: false },
  ArnNotLike: { compare: (p, r) => wildcardMatches(p, r), negated: true },
  Bool: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
};

function contextValues(context: PolicyRequest['context'], key: string): string[] | undefined {
  const found = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : asList(found[1]);
}

/**
 * Every operator of the block, and every key of each operator, must match (AND); any of a key's values may (OR).
 * A key absent from the request: false, except for negated operators (true), `...IfExists` (true) and Null.
 */
function conditionsMatch(block: Record<string, Record<string, unknown>>, request: Pick<PolicyRequest, 'context' | 'absentKeys'>): { matches: boolean; unsupported: string[] } {
  const { context } = request;
  const knownAbsent = (key: string) => (request.absentKeys ?? []).some((absent) => absent.toLowerCase() === key.toLowerCase());
  const unsupported: string[] = [];
  let matches = true;
  for (const [operatorText, keys] of Object.entries(block)) {
    const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operatorText)?.[1];
    let operator = qualifier ? operatorText.slice(qualifier.length + 1) : operatorText;
    const ifExists = operator.endsWith('IfExists');
    if (ifExists) operator = operator.slice(0, -'IfExists'.length);
    for (const [key, expected] of Object.entries(keys ?? {})) {
      const policyValues = asList(expected);
      const requestValues = contextValues(context, key);
      if (operator !== 'Null' && !COMPARATORS[operator]) {
        unsupported.push(`condition operator ${operatorText}`);
        continue;
      }
      if (requestValues === undefined && !knownAbsent(key)) {
        unsupported.push(`condition key ${key}, whose value in the request this rule cannot know`);
        continue;
      }
      if (operator === 'Null') {
        const wantsAbsent = policyValues.some((value) => value.toLowerCase() === 'true');
        matches &&= wantsAbsent === (requestValues === undefined || requestValues.length === 0);
        continue;
      }
      const comparator = COMPARATORS[operator]!;
      if (policyValues.some((value) => value.includes('${'))) {
        unsupported.push(`policy variable in ${operatorText} ${key}`);
        continue;
      }
      if (requestValues === undefined || requestValues.length === 0) {
        matches &&= ifExists || comparator.negated || qualifier === 'ForAllValues';
        continue;
      }
      const one = (value: string) => policyValues.some((policyValue) => comparator.compare(policyValue, value));
      const result =
        qualifier === 'ForAllValues'
          ? requestValues.every((value) => (comparator.negated ? !one(value) : one(value)))
          : comparator.negated
            ? !requestValues.some(one)
            : requestValues.some(one);
      matches &&= result;
    }
  }
  return { matches, unsupported };
}
