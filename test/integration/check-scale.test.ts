import { TestAccount } from '../support/moto';
import { checkAccount } from '../support/check';

/**
 * The cost of an evaluation grows with the chains, not with the account: a compliant account with one trail is
 * judged in at most 10 calls however many unrelated alarms, log groups and filters it has (ids 3141592002xx).
 */

const OTHER_MONITORS = [
  ['root-usage', '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'],
  ['console-without-mfa', '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'],
  ['iam-policy-changes', '{ ($.eventName = DeleteGroupPolicy) || ($.eventName = PutUserPolicy) || ($.eventName = AttachRolePolicy) }'],
  ['cloudtrail-changes', '{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = StopLogging) }'],
  ['security-group-changes', '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupIngress) }'],
] as const;

test('5,000 unrelated alarms, other monitors on the trail log group and other log groups: the call count does not change', async () => {
  const account = new TestAccount('314159200201');
  await account.chain();
  const quiet = await checkAccount(account);
  expect(quiet.result.compliance).toBe('COMPLIANT');
  expect(quiet.result.apiCalls).toBeLessThanOrEqual(10);

  // The CIS monitors that usually share the trail's log group, each with an alarm on the same topic.
  const topicArn = quiet.result.chains[0]!.topicArn!;
  for (const [name, pattern] of OTHER_MONITORS) {
    await account.metricFilter({ name, pattern, metricName: name });
    await account.alarm({ name, metricName: name, actions: [topicArn] });
  }
  for (let n = 0; n < 20; n += 1) {
    await account.logGroup(`/aws/lambda/service-${n}`);
    await account.metricFilter({ name: `errors-${n}`, logGroup: `/aws/lambda/service-${n}`, pattern: 'ERROR', namespace: 'Services', metricName: `Errors-${n}` });
  }
  await account.unrelatedAlarms(5000);

  const busy = await checkAccount(account);
  expect(busy.result.compliance).toBe('COMPLIANT');
  expect(busy.result.apiCalls).toBe(quiet.result.apiCalls);
  // Seeding 5,000 alarms into moto takes most of a minute on two busy cores; the assertion is about calls, not time.
}, 180_000);
