/**
 * ARN parsing for the resources the chain links by ARN: trails, log groups, SNS topics. Pure.
 * The region and account of a log group or topic come from its ARN, never from where the rule runs.
 */

export class ArnError extends Error {
  override name = 'ArnError';
}

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

// aws, aws-cn, aws-us-gov and the isolated partitions (aws-iso, aws-iso-b, ...).
const PARTITION = /^aws(-[a-z]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

/** Splits `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` for a regional resource of `service`. */
export function parseArn(text: string, service: string, what: string, example: string): Arn {
  const fail = (problem: string): never => {
    throw new ArnError(`${what} "${text}" is not a valid ARN (${problem}); expected ${example}`);
  };
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') fail('it does not have the form arn:partition:service:region:account:resource');
  const [, partition, actualService, region, accountId] = parts as [string, string, string, string, string];
  if (!PARTITION.test(partition)) fail(`unknown partition "${partition}"`);
  if (actualService !== service) fail(`service is "${actualService}", not "${service}"`);
  if (!REGION.test(region)) fail(`"${region}" is not a region`);
  if (!ACCOUNT.test(accountId)) fail(`"${accountId}" is not a 12-digit account id`);
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** A CloudWatch Logs log group, identified by its full ARN (without the trailing `:*` CloudTrail stores). */
export interface LogGroupRef {
  arn: string;
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

export function parseLogGroupArn(text: string): LogGroupRef {
  const example = 'arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*';
  const arn = parseArn(text, 'logs', 'CloudWatch Logs log group ARN', example);
  const match = /^log-group:([^:]+)(:\*)?$/.exec(arn.resource);
  if (!match || !LOG_GROUP_NAME.test(match[1]!)) {
    throw new ArnError(`CloudWatch Logs log group ARN "${text}" does not name a log group; expected ${example}`);
  }
  const name = match[1]!;
  return {
    arn: `arn:${arn.partition}:logs:${arn.region}:${arn.accountId}:log-group:${name}`,
    partition: arn.partition,
    region: arn.region,
    accountId: arn.accountId,
    name,
  };
}

/** A named regional resource: a trail (`trail/NAME`) or an SNS topic (`NAME`). */
export interface NamedResourceRef {
  arn: string;
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

export function parseTrailArn(text: string): NamedResourceRef {
  const example = 'arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME';
  const arn = parseArn(text, 'cloudtrail', 'CloudTrail trail ARN', example);
  const match = /^trail\/(.+)$/.exec(arn.resource);
  if (!match) throw new ArnError(`CloudTrail trail ARN "${text}" does not name a trail; expected ${example}`);
  return { arn: text, partition: arn.partition, region: arn.region, accountId: arn.accountId, name: match[1]! };
}

export function parseTopicArn(text: string): NamedResourceRef {
  const example = 'arn:aws:sns:REGION:ACCOUNT:NAME';
  const arn = parseArn(text, 'sns', 'SNS topic ARN', example);
  if (!/^[\w-]{1,256}(\.fifo)?$/.test(arn.resource)) throw new ArnError(`SNS topic ARN "${text}" does not name a topic; expected ${example}`);
  return { arn: text, partition: arn.partition, region: arn.region, accountId: arn.accountId, name: arn.resource };
}

/** Alarm actions can be SNS topics, Auto Scaling policies, EC2 actions, SSM OpsItems, Lambda functions... */
export function isSnsTopicArn(text: string): boolean {
  return /^arn:aws(-[a-z]+)*:sns:/.test(text);
}
