/**
 * The vocabulary of the Automation documents this project writes and runs (schemaVersion 0.3): actions, branch
 * operators, parameter and output types, and the services an aws:executeAwsApi step may name. The builder, the
 * validator, the branch logic and the runner all depend on this module and not on each other. The SDK packages
 * are imported for their types only (the builder derives API names and inputs from them).
 */
import type * as cloudWatchSdk from '@aws-sdk/client-cloudwatch';
import type * as logsSdk from '@aws-sdk/client-cloudwatch-logs';
import type * as configSdk from '@aws-sdk/client-config-service';
import type * as kmsSdk from '@aws-sdk/client-kms';
import type * as snsSdk from '@aws-sdk/client-sns';

export const PARAMETER_TYPES = ['String', 'StringList', 'Integer', 'Boolean', 'MapList', 'StringMap'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];
export const OUTPUT_TYPES = PARAMETER_TYPES;
export type OutputType = ParameterType;

export const SUPPORTED_ACTIONS = ['aws:executeAwsApi', 'aws:branch', 'aws:assertAwsResourceProperty'] as const;
export type Action = (typeof SUPPORTED_ACTIONS)[number];

/**
 * The system variables a document may reference as `{{ global:NAME }}`: Automation substitutes them at run time
 * (REGION: the region the automation runs in; AWS_PARTITION: its partition).
 */
export const GLOBAL_VARIABLES = ['global:REGION', 'global:AWS_PARTITION'] as const;

/** aws:branch compares a String with the string operators, an Integer with the numeric, a Boolean with BooleanEquals. */
export const STRING_OPERATORS = ['StringEquals', 'EqualsIgnoreCase', 'StartsWith', 'EndsWith', 'Contains'] as const;
export const NUMERIC_OPERATORS = [
  'NumericEquals',
  'NumericGreater',
  'NumericLesser',
  'NumericGreaterOrEquals',
  'NumericLesserOrEquals',
] as const;
export const BOOLEAN_OPERATORS = ['BooleanEquals'] as const;
export type StringOperator = (typeof STRING_OPERATORS)[number];
export type NumericOperator = (typeof NUMERIC_OPERATORS)[number];
export const COMPARISON_OPERATORS: readonly string[] = [...STRING_OPERATORS, ...NUMERIC_OPERATORS, ...BOOLEAN_OPERATORS];

/** The SDK v3 package of each Automation `Service` namespace a step may call. */
export interface ServiceSdks {
  logs: typeof logsSdk;
  sns: typeof snsSdk;
  cloudwatch: typeof cloudWatchSdk;
  config: typeof configSdk;
  kms: typeof kmsSdk;
}
export type Service = keyof ServiceSdks & string;
