import { ListSubscriptionsByTopicCommand, SetSubscriptionAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ClientOptions } from '../../rule/clients';
import { SandboxAccount } from '../../cli/sandbox-account';
import { motoClientOptions } from '../../cli/moto-server';

/** The moto server of this test run (jest's globalSetup starts it unless MOTO_ENDPOINT names one). */
export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: run the tests with `npm test` (jest globalSetup starts moto)');
  return endpoint;
}

/**
 * Client options for the test run's moto server, in an account of the test file's own, so that test files
 * can run in parallel without seeing each other's resources. Give every file a distinct id.
 */
export function motoAccount(accountId: string, region = 'us-east-1'): ClientOptions {
  return motoClientOptions(motoEndpoint(), accountId, region);
}

/** A sandbox account in the test run's moto server. */
export class TestAccount extends SandboxAccount {
  constructor(accountId: string, region = 'us-east-1') {
    super(accountId, motoEndpoint(), region);
  }
}

/** Gives the topic's first subscription a filter policy (and its scope, when given), as a subscriber's owner would. */
export async function filterFirstSubscription(
  sns: SNSClient,
  topicArn: string,
  policy: object,
  scope?: 'MessageBody' | 'MessageAttributes',
): Promise<void> {
  const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
  const SubscriptionArn = listed.Subscriptions![0]!.SubscriptionArn!;
  if (scope) await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicyScope', AttributeValue: scope }));
  await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: JSON.stringify(policy) }));
}
