/**
 * A small typed builder for SSM Automation documents (schemaVersion 0.3), limited to the actions this project
 * runs: aws:executeAwsApi, aws:branch and aws:assertAwsResourceProperty. API inputs are typed by the AWS SDK's own
 * command input types, so a misspelt API or input field is a compile error, not a runtime surprise in SSM.
 * The SDK is imported for its types only: this module stays free of SDK code at run time.
 */
import { reference } from './templates';
import type { NumericOperator, OutputType, ParameterType, Service, ServiceSdks, StringOperator } from './vocabulary';

export interface ParameterDefinition {
  type: ParameterType;
  description: string;
  default?: string | number | boolean | string[];
  /** Checked against the text of the value (each item of a StringList) before any step runs. */
  allowedPattern?: string;
  allowedValues?: string[];
}

/** `{{ Name }}` or `{{ Step.Output }}`. */
export type Reference = `{{ ${string} }}`;

type Comparison =
  | { [O in StringOperator]: { Variable: Reference } & { [K in O]: string } }[StringOperator]
  | { [O in NumericOperator]: { Variable: Reference } & { [K in O]: number } }[NumericOperator]
  | { Variable: Reference; BooleanEquals: boolean };

export type Condition = Comparison | { And: Condition[] } | { Or: Condition[] } | { Not: Condition };
export type Choice = Condition & { NextStep: string };

export type OnFailure = 'Abort' | 'Continue' | `step:${string}`;

export interface StepOptions {
  description?: string;
  onFailure?: OnFailure;
  /** false: a failure of this step does not fail the automation. */
  isCritical?: boolean;
  nextStep?: string;
  isEnd?: boolean;
  maxAttempts?: number;
}

export interface StepOutput {
  Name: string;
  Selector: string;
  Type: OutputType;
}

type ApiCallInputs = { Service: string; Api: string } & Record<string, unknown>;

export interface ExecuteAwsApiStep extends StepOptions {
  name: string;
  action: 'aws:executeAwsApi';
  inputs: ApiCallInputs;
  outputs?: StepOutput[];
}

export interface AssertAwsResourcePropertyStep extends StepOptions {
  name: string;
  action: 'aws:assertAwsResourceProperty';
  inputs: ApiCallInputs & { PropertySelector: string; DesiredValues: string[] };
}

export interface BranchStep extends Pick<StepOptions, 'description' | 'isEnd'> {
  name: string;
  action: 'aws:branch';
  inputs: { Choices: Choice[]; Default?: string };
}

export type Step = ExecuteAwsApiStep | AssertAwsResourcePropertyStep | BranchStep;

export interface AutomationDocument {
  schemaVersion: '0.3';
  description: string;
  assumeRole: string;
  parameters: Record<string, ParameterDefinition>;
  mainSteps: Step[];
  outputs?: string[];
}

// ---- API typing, derived from the SDK packages the runner maps services to ----

type CommandName<S extends Service> = Extract<keyof ServiceSdks[S], `${string}Command`>;
/** The APIs of a service: every `<Api>Command` its SDK package exports. */
export type ApiOf<S extends Service> = {
  [K in CommandName<S>]: K extends `${infer Api}Command` ? (Api extends '' | `$${string}` ? never : Api) : never;
}[CommandName<S>];
type ApiInput<S extends Service, A extends ApiOf<S>> = ServiceSdks[S][`${A}Command` & keyof ServiceSdks[S]] extends abstract new (
  ...args: never[]
) => { input: infer I }
  ? I
  : never;

/** An SDK input type where any value may also be a `{{ reference }}` resolved when the step runs. */
export type Templated<T> = T extends string | number | boolean
  ? T | Reference
  : T extends readonly (infer U)[]
    ? Templated<U>[] | Reference
    : T extends Date
      ? T
      : T extends object
        ? { [K in keyof T]: Templated<T[K]> }
        : T;

// ---- builders ----

/** `{ Name: '{{ Name }}' }` for each parameter, so steps refer to parameters by checked names. */
export function parameterReferences<P extends string>(parameters: Record<P, ParameterDefinition>): Record<P, Reference> {
  return Object.fromEntries(Object.keys(parameters).map((name) => [name, reference(name)])) as Record<P, Reference>;
}

export function executeAwsApi<S extends Service, A extends ApiOf<S>>(
  name: string,
  service: S,
  api: A,
  input: Templated<ApiInput<S, A>>,
  options: StepOptions & { outputs?: StepOutput[] } = {},
): ExecuteAwsApiStep {
  const { outputs, ...stepOptions } = options;
  return {
    name,
    action: 'aws:executeAwsApi',
    ...stepOptions,
    inputs: { Service: service, Api: api, ...(input as object) },
    ...(outputs ? { outputs } : {}),
  };
}

/** Calls the API and fails the step unless the property the selector picks is one of the desired values. */
export function assertAwsResourceProperty<S extends Service, A extends ApiOf<S>>(
  name: string,
  service: S,
  api: A,
  input: Templated<ApiInput<S, A>>,
  property: { PropertySelector: string; DesiredValues: string[] },
  options: StepOptions = {},
): AssertAwsResourcePropertyStep {
  return {
    name,
    action: 'aws:assertAwsResourceProperty',
    ...options,
    inputs: { Service: service, Api: api, ...(input as object), ...property },
  };
}

/** The first true choice names the next step; otherwise `Default` (or, without one, the next step in the list). */
export function branch(name: string, choices: Choice[], defaultStep?: string, description?: string): BranchStep {
  return {
    name,
    action: 'aws:branch',
    ...(description ? { description } : {}),
    inputs: { Choices: choices, ...(defaultStep ? { Default: defaultStep } : {}) },
  };
}

/** `{{ Step.Output }}`, refusing an output the step does not declare. */
export function outputOf(step: ExecuteAwsApiStep, output: string): Reference {
  if (!step.outputs?.some((declared) => declared.Name === output)) {
    throw new Error(`step ${step.name} declares no output ${output}`);
  }
  return reference(`${step.name}.${output}`);
}
