import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** How to reach AWS: the one place that sets region, endpoint and retries for every client. */
export interface ClientOptions {
  region: string;
  /** One URL for all services, as with a local emulator (`--endpoint-url`). */
  endpoint?: string;
  /** Credentials other than the default chain (e.g. an assumed role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Extra HTTP headers on every request (a local emulator's account selector, for instance). */
  headers?: Record<string, string>;
  /** Attempts per call, including the first (adaptive retry mode). */
  maxAttempts?: number;
}

type ClientClass<C> = new (config: Record<string, unknown>) => C;

const DEFAULT_MAX_ATTEMPTS = 5;
const CONNECTION_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 20_000;

/** Builds any SDK v3 client with the shared settings. */
export function makeClient<C extends { middlewareStack: { add: Function } }>(Client: ClientClass<C>, options: ClientOptions): C {
  const client = new Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // A reply that never comes must become an error (and a retry), not a rule that hangs until Lambda's timeout.
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  const headers = options.headers;
  if (headers && Object.keys(headers).length > 0) {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: { request?: { headers?: Record<string, string> } }) => {
        if (args.request?.headers) Object.assign(args.request.headers, headers);
        return next(args);
      },
      { step: 'build', name: 'extraHeaders' },
    );
  }
  return client;
}

/** The clients the rule reads and reports with, for one region. */
export interface RuleClients {
  cloudTrail: CloudTrailClient;
  logs: CloudWatchLogsClient;
  cloudWatch: CloudWatchClient;
  sns: SNSClient;
  kms: KMSClient;
  config: ConfigServiceClient;
  sts: STSClient;
  securityHub: SecurityHubClient;
}

export function ruleClients(options: ClientOptions): RuleClients {
  return {
    cloudTrail: makeClient(CloudTrailClient, options),
    logs: makeClient(CloudWatchLogsClient, options),
    cloudWatch: makeClient(CloudWatchClient, options),
    sns: makeClient(SNSClient, options),
    kms: makeClient(KMSClient, options),
    config: makeClient(ConfigServiceClient, options),
    sts: makeClient(STSClient, options),
    securityHub: makeClient(SecurityHubClient, options),
  };
}

/** Clients for any region, with the same endpoint, credentials and retries. */
export type RegionalClients = (region: string) => RuleClients;

export function regionalClients(options: ClientOptions): RegionalClients {
  return perRegion(options, ruleClients);
}

/** Clients made once per region with `make`, from the same endpoint, credentials and retries. */
export function perRegion<C>(options: ClientOptions, make: (options: ClientOptions) => C): (region: string) => C {
  const byRegion = new Map<string, C>();
  return (region) => {
    let clients = byRegion.get(region);
    if (!clients) {
      clients = make({ ...options, region });
      byRegion.set(region, clients);
    }
    return clients;
  };
}
