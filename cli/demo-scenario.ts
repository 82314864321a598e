import type { SandboxAccount } from './sandbox-account';

/**
 * The demo account: what a real account often looks like before s3-policy-watch. CloudTrail delivers to
 * CloudWatch Logs and someone once wrote a bucket-policy filter with an alarm and a subscribed topic, so
 * every text-matching checker calls it monitored; but the filter joins the two event names with &&, which no
 * record can satisfy, so the alarm can never fire. Around it, the usual unrelated log groups, filters and
 * alarms of a working account.
 */
export const DEMO_ACCOUNT_ID = '123456789012';
export const DEMO_LOG_GROUP = 'CloudTrail/Default';
export const DEMO_EMAIL = 'security-team@example.com';
export const NEAR_MISS_PATTERN = '{ ($.eventName = "PutBucketPolicy") && ($.eventName = "DeleteBucketPolicy") }';

export async function buildDemoAccount(account: SandboxAccount): Promise<void> {
  await account.trail({ name: 'management-events', logGroup: { name: DEMO_LOG_GROUP } });
  // CIS 4.3 (root usage) already monitored on the same log group: a working chain for another control.
  const rootTopic = await account.topic({ name: 'root-usage-alerts', emails: [DEMO_EMAIL] });
  await account.metricFilter({
    name: 'root-account-usage',
    logGroup: DEMO_LOG_GROUP,
    pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    namespace: 'CISBenchmark',
    metricName: 'RootAccountUsage',
  });
  await account.alarm({ name: 'root-account-usage', namespace: 'CISBenchmark', metricName: 'RootAccountUsage', actions: [rootTopic] });
  // The near-miss: looks like the seed article's filter, with an alarm and a subscriber behind it.
  const policyTopic = await account.topic({ name: 's3-policy-alerts', emails: [DEMO_EMAIL] });
  await account.metricFilter({ name: 's3-bucket-policy-changes', logGroup: DEMO_LOG_GROUP, pattern: NEAR_MISS_PATTERN, namespace: 'CISBenchmark', metricName: 'S3BucketPolicyChanges' });
  await account.alarm({ name: 's3-bucket-policy-changes', namespace: 'CISBenchmark', metricName: 'S3BucketPolicyChanges', actions: [policyTopic] });
  // Application logs with their own error alarms.
  for (const [group, metric] of [
    ['/aws/lambda/orders-api', 'OrdersApiErrors'],
    ['/ecs/payments', 'PaymentsErrors'],
    ['/aws/rds/instance/billing/postgresql', 'BillingDbErrors'],
  ] as const) {
    await account.logGroup(group);
    await account.metricFilter({ name: `${metric}-filter`, logGroup: group, pattern: '?ERROR ?FATAL', namespace: 'Apps', metricName: metric });
    await account.alarm({ name: metric, namespace: 'Apps', metricName: metric, threshold: 5, actions: [] });
  }
}
