import { CloudWatchLogsClient, TestMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { makeClient, type ClientOptions } from '../../rule/clients';
import type { LiveAnswer } from './live';

/**
 * The one AWS call of `conformance --live`: TestMetricFilter, which reads nothing of the account and creates
 * nothing. A pattern AWS rejects (InvalidParameterException) is an answer; any other failure is an error naming
 * the API and the IAM action.
 */
export function liveTestMetricFilter(options: ClientOptions): (pattern: string, messages: string[]) => Promise<LiveAnswer> {
  const logs = makeClient(CloudWatchLogsClient, options);
  return async (pattern, messages) => {
    try {
      const answer = await logs.send(new TestMetricFilterCommand({ filterPattern: pattern, logEventMessages: messages }));
      return { matches: (answer.matches ?? []).map((m) => ({ eventMessage: m.eventMessage ?? '', ...(m.extractedValues ? { extractedValues: m.extractedValues } : {}) })) };
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      const text = error instanceof Error ? error.message : String(error);
      if (code === 'InvalidParameterException') return { rejected: text };
      const hint = /AccessDenied/.test(code) ? ' (your credentials need logs:TestMetricFilter)' : '';
      throw new Error(`TestMetricFilter failed in ${options.region} for pattern ${JSON.stringify(pattern)}: ${code}: ${text}${hint}`, { cause: error });
    }
  };
}
