import type { Logger } from '@aws-lambda-powertools/logger';
import { evaluateAccount, type Compliance, type Verdict } from './evaluate';
import { regionalClients, type RegionalClients } from './clients';
import { assumedRoleClients, gatherSnapshot, readCaller, type AssumedRoleClients } from './gather';

/**
 * In Lambda, members wait up to this long before reading the trail owner's account, so that evaluations started
 * together (a StackSet rollout, an organization-wide schedule) spread over the owner's read quotas.
 */
export const TRAIL_OWNER_READ_SPREAD_MS = 20_000;
import { logger as defaultLogger } from './log';
import { parseRuleParameters, type RuleParameters } from './parameters';
import { publishFinding, putEvaluation, type FindingOutcome } from './publish';

/**
 * The Lambda function AWS Config invokes: Config event -> gather -> evaluate -> PutEvaluations on the
 * account (AWS::::Account), then, with SecurityHubFindings, the same verdict as a Security Hub finding. A bad
 * event or bad parameters throw before anything is read or published; a read that fails throws an error naming
 * API, region and resource, which Config shows on the rule. The Security Hub finding never fails the invocation.
 */

/** What AWS Config sends a custom Lambda rule (the fields this rule uses). */
export interface ConfigRuleEvent {
  invokingEvent: string;
  ruleParameters?: string;
  resultToken: string;
  eventLeftScope?: boolean;
  accountId: string;
  configRuleName?: string;
  [key: string]: unknown;
}

export class ConfigEventError extends Error {
  override name = 'ConfigEventError';
}

/** The trigger types of a Config rule; a change notification also just means "evaluate the account now". */
const MESSAGE_TYPES = ['ScheduledNotification', 'ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification'];

/**
 * Where an invoking event names the account: a scheduled notification at the top, a change notification in its
 * configuration item, an oversized one in the item's summary. Each must be the event's account.
 */
const ACCOUNT_ID_PATHS = [['awsAccountId'], ['configurationItem', 'awsAccountId'], ['configurationItemSummary', 'awsAccountId']];

/** Config's result token for a test invocation: evaluations are validated but not recorded. */
export const TEST_MODE_TOKEN = 'TESTMODE';

export interface RuleInvocation {
  accountId: string;
  messageType: string;
  /** When Config created the notification: the evaluation's OrderingTimestamp. */
  notificationTime: Date;
  resultToken: string;
  eventLeftScope: boolean;
  parameters: RuleParameters;
}

export function parseConfigEvent(event: unknown): RuleInvocation {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new ConfigEventError('the event is not a JSON object');
  const fields = event as Record<string, unknown>;
  if (typeof fields.invokingEvent !== 'string') throw new ConfigEventError('the event has no invokingEvent (a JSON string)');
  let invoking: Record<string, unknown>;
  try {
    invoking = JSON.parse(fields.invokingEvent);
  } catch (error) {
    throw new ConfigEventError(`invokingEvent is not valid JSON (${(error as Error).message})`);
  }
  if (typeof invoking !== 'object' || invoking === null || Array.isArray(invoking)) throw new ConfigEventError('invokingEvent is not a JSON object');
  const messageType = invoking.messageType;
  if (typeof messageType !== 'string' || !MESSAGE_TYPES.includes(messageType)) {
    throw new ConfigEventError(`invokingEvent.messageType is ${JSON.stringify(messageType)}; expected one of ${MESSAGE_TYPES.join(', ')}`);
  }
  const notificationTime = new Date(typeof invoking.notificationCreationTime === 'string' ? invoking.notificationCreationTime : NaN);
  if (Number.isNaN(notificationTime.getTime())) {
    throw new ConfigEventError(`invokingEvent.notificationCreationTime is ${JSON.stringify(invoking.notificationCreationTime)}, not a timestamp`);
  }
  if (typeof fields.resultToken !== 'string' || fields.resultToken === '') throw new ConfigEventError('the event has no resultToken');
  const accountId = fields.accountId;
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw new ConfigEventError(`the event's accountId is ${JSON.stringify(accountId)}, not a 12-digit account id`);
  }
  for (const path of ACCOUNT_ID_PATHS) {
    const named = path.reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), invoking);
    if (named !== undefined && named !== accountId) {
      throw new ConfigEventError(`invokingEvent.${path.join('.')} ${JSON.stringify(named)} differs from the event's accountId ${accountId}`);
    }
  }
  if (fields.eventLeftScope !== undefined && typeof fields.eventLeftScope !== 'boolean') {
    throw new ConfigEventError(`eventLeftScope is ${JSON.stringify(fields.eventLeftScope)}, not true or false`);
  }
  if (fields.ruleParameters !== undefined && typeof fields.ruleParameters !== 'string') {
    throw new ConfigEventError('ruleParameters must be a JSON string, as Config sends it');
  }
  return {
    accountId,
    messageType,
    notificationTime,
    resultToken: fields.resultToken,
    eventLeftScope: fields.eventLeftScope === true,
    parameters: parseRuleParameters(fields.ruleParameters),
  };
}

export interface HandlerDependencies {
  /** Where the rule runs; defaults to AWS_REGION (set by Lambda). */
  region?: string;
  /** Clients per region; defaults to the SDK's credential chain in each region. */
  clients?: RegionalClients;
  /** Clients with a trail owner's role credentials (TrailOwnerReadRoleName); defaults to AWS's own endpoints. */
  clientsFor?: AssumedRoleClients;
  /** Publish with TestMode (also implied by the TESTMODE result token). */
  testMode?: boolean;
  logger?: Logger;
  /** The clock for the Security Hub finding's UpdatedAt; defaults to the system clock. */
  now?: () => Date;
}

export interface HandlerResult {
  compliance: Compliance;
  annotation: string;
  accountId: string;
  region: string;
  orderingTimestamp: string;
  testMode: boolean;
  /** Reads made to reach the verdict (PutEvaluations not counted). */
  apiCalls: number;
  /** With SecurityHubFindings: the finding sent to Security Hub, or why it was not. */
  securityHubFinding?: FindingOutcome;
}

export function createHandler(dependencies: HandlerDependencies = {}): (event: unknown) => Promise<HandlerResult> {
  return async (event) => {
    const log = dependencies.logger ?? defaultLogger;
    const invocation = parseConfigEvent(event);
    const region = dependencies.region ?? process.env.AWS_REGION;
    if (!region) throw new Error('no region to evaluate: AWS_REGION is not set');
    const clients = dependencies.clients ?? regionalClients({ region });
    const testMode = dependencies.testMode === true || invocation.resultToken === TEST_MODE_TOKEN;
    log.info('evaluating', { accountId: invocation.accountId, region, messageType: invocation.messageType, testMode, parameters: invocation.parameters });

    let verdict: Pick<Verdict, 'compliance' | 'annotation'> & Partial<Verdict>;
    let apiCalls = 0;
    let partition: string | undefined;
    if (invocation.eventLeftScope) {
      verdict = { compliance: 'NOT_APPLICABLE', annotation: 'The account has left the scope of this rule (eventLeftScope)' };
    } else {
      const gathered = await gatherSnapshot(clients, region, invocation.parameters, dependencies.clientsFor ?? assumedRoleClients({ region }, TRAIL_OWNER_READ_SPREAD_MS));
      if (gathered.snapshot.accountId !== invocation.accountId) {
        throw new Error(
          `the event is for account ${invocation.accountId}, but the rule's credentials read account ${gathered.snapshot.accountId}; nothing was published`,
        );
      }
      verdict = evaluateAccount(gathered.snapshot, invocation.parameters);
      apiCalls = gathered.apiCalls;
      partition = gathered.partition;
    }
    log.info('verdict', { ...verdict, accountId: invocation.accountId, region, apiCalls });

    await putEvaluation(clients, region, invocation, verdict, testMode);
    const securityHubFinding = invocation.parameters.securityHubFindings
      ? await publishFinding({
          clients,
          region,
          accountId: invocation.accountId,
          partition: partition ?? (await callerPartition(clients, region, log)),
          verdict,
          requiredEvents: invocation.parameters.requiredEvents,
          now: (dependencies.now ?? (() => new Date()))(),
          log,
        })
      : undefined;
    return {
      compliance: verdict.compliance,
      annotation: verdict.annotation,
      accountId: invocation.accountId,
      region,
      orderingTimestamp: invocation.notificationTime.toISOString(),
      testMode,
      apiCalls,
      ...(securityHubFinding ? { securityHubFinding } : {}),
    };
  };
}

/** The partition for the finding of an account that left the scope (no snapshot was gathered); a failure is publishFinding's to report. */
async function callerPartition(clients: RegionalClients, region: string, log: Logger): Promise<string | undefined> {
  try {
    return (await readCaller(clients, region)).partition;
  } catch (error) {
    log.warn('GetCallerIdentity failed; the Security Hub finding cannot be built', { error: (error as Error).message });
    return undefined;
  }
}

/** The Lambda entry point. */
export const handler = createHandler();
