/**
 * Executes an Automation document's steps locally, as SSM would, with the caller's credentials (or the document's
 * assumeRole): aws:executeAwsApi through the AWS SDK v3, Outputs selectors, aws:branch, aws:assertAwsResourceProperty,
 * onFailure, isCritical, nextStep, isEnd, maxAttempts. It knows nothing of the remediation document in particular,
 * and refuses a document it cannot run as written. With the rule's gather.ts, the only code that calls AWS.
 */
import * as cloudWatchSdk from '@aws-sdk/client-cloudwatch';
import * as logsSdk from '@aws-sdk/client-cloudwatch-logs';
import * as configSdk from '@aws-sdk/client-config-service';
import * as kmsSdk from '@aws-sdk/client-kms';
import * as snsSdk from '@aws-sdk/client-sns';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { makeClient, type ClientOptions } from '../rule/clients';
import { chooseNextStep } from './branch';
import type { AutomationDocument, ParameterDefinition, Step, StepOutput } from './builder';
import { nextAfterFailure, nextAfterSuccess } from './flow';
import { ParameterError } from './parameters';
import { select } from './selectors';
import { resolveTemplates, UnresolvedReferenceError, type Value } from './templates';
import { assertValidDocument } from './validate';
import type { Service, ServiceSdks } from './vocabulary';

/** The partition of a region, as Automation's global:AWS_PARTITION gives it. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** The services the runner can call: an Automation `Service` namespace -> its SDK v3 package and client. */
const SERVICES = {
  logs: { sdk: logsSdk, Client: logsSdk.CloudWatchLogsClient },
  sns: { sdk: snsSdk, Client: snsSdk.SNSClient },
  cloudwatch: { sdk: cloudWatchSdk, Client: cloudWatchSdk.CloudWatchClient },
  config: { sdk: configSdk, Client: configSdk.ConfigServiceClient },
  kms: { sdk: kmsSdk, Client: kmsSdk.KMSClient },
} satisfies { [S in Service]: { sdk: ServiceSdks[S]; Client: unknown } };

interface SdkClient {
  send(command: unknown): Promise<Record<string, unknown>>;
}
type CommandClass = new (input: unknown) => unknown;

/** Builds a client; tests may pass their own (the default is the project's one factory). */
export type ClientFactory = typeof makeClient;

export interface RunOptions {
  /** Region, endpoint (`--endpoint-url`, moto), credentials, headers. */
  clientOptions: ClientOptions;
  clientFactory?: ClientFactory;
  /** Print the calls with their resolved inputs and call nothing. */
  dryRun?: boolean;
  /** Called as each step finishes (or, in a dry run, is planned). */
  onProgress?: (step: StepRecord, totalSteps: number) => void;
}

export interface ApiCall {
  service: string;
  api: string;
  input: Record<string, unknown>;
}

export interface StepRecord {
  /** 1-based position in mainSteps. */
  index: number;
  name: string;
  action: string;
  status: 'Success' | 'Failed' | 'Planned';
  /** false when the step's failure does not fail the automation (isCritical: false). */
  critical: boolean;
  ms: number;
  call?: ApiCall;
  attempts?: number;
  outputs?: Record<string, Value>;
  /** A branch's decision. */
  next?: string;
  /** Why a dry run could not decide a branch. */
  note?: string;
  error?: string;
  /** The step's own description: why it is there, which helps whoever reads its failure. */
  description?: string;
}

export interface AutomationResult {
  status: 'Success' | 'Failed';
  dryRun: boolean;
  /** Steps in the order they ran. */
  steps: StepRecord[];
  /** Steps the execution did not reach. */
  notRun: string[];
  apiCalls: number;
  ms: number;
  /** The document's outputs (`Step.Output` -> value) that were produced. */
  outputs: Record<string, Value>;
}

/** The document asks for something the runner cannot do (an unknown service or API). */
export class UnsupportedDocumentError extends Error {
  override name = 'UnsupportedDocumentError';
}

/** Automation actions that call an API: `Service`/`Api` plus the API's own inputs. */
const CALL_ACTIONS = new Set(['aws:executeAwsApi', 'aws:assertAwsResourceProperty']);

/** What an aws:assertAwsResourceProperty step expects of the response. */
interface Expectation {
  selector: string;
  desired: string[];
}

function commandFor(service: string, api: string): CommandClass | undefined {
  const entry = SERVICES[service as Service];
  const command = entry && (entry.sdk as Record<string, unknown>)[`${api}Command`];
  return typeof command === 'function' ? (command as CommandClass) : undefined;
}

/** Refuses a document that is invalid, or that calls a service or API the runner cannot map to the SDK. */
export function assertRunnable(document: unknown): asserts document is AutomationDocument {
  assertValidDocument(document);
  const problems = document.mainSteps.flatMap((step) => {
    if (!CALL_ACTIONS.has(step.action)) return [];
    const { Service: service, Api: api } = step.inputs as { Service: string; Api: string };
    if (!(service in SERVICES)) return [`${step.name}: service ${service} is not one the runner can call (${Object.keys(SERVICES).join(', ')})`];
    if (!commandFor(service, api)) return [`${step.name}: ${service} has no API ${api}`];
    return [];
  });
  if (problems.length > 0) throw new UnsupportedDocumentError(`the runner cannot execute this document:\n  ${problems.join('\n  ')}`);
}

/** The caller's account (sts GetCallerIdentity), e.g. for an AccountId parameter nobody gave. */
export async function callerAccountId(clientOptions: ClientOptions, clientFactory: ClientFactory = makeClient): Promise<string> {
  const identity = await clientFactory(STSClient, clientOptions)
    .send(new GetCallerIdentityCommand({}))
    .catch((error: unknown) => {
      throw new Error(`cannot look up the account id (sts GetCallerIdentity in ${clientOptions.region}): ${errorText(error)}; pass --parameter AccountId=<12 digits>`);
    });
  if (!identity.Account) throw new Error('sts GetCallerIdentity returned no account id; pass --parameter AccountId=<12 digits>');
  return identity.Account;
}

/** A text for a value the assert compares: Automation writes booleans True/False. */
function propertyText(value: unknown): string | undefined {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return undefined;
}

function outputValue(output: StepOutput, value: unknown): Value {
  const isObject = (item: unknown) => item !== null && typeof item === 'object' && !Array.isArray(item);
  const fits: Record<StepOutput['Type'], boolean> = {
    String: ['string', 'number', 'boolean'].includes(typeof value),
    Integer: Number.isInteger(value),
    Boolean: typeof value === 'boolean',
    StringList: Array.isArray(value) && value.every((item) => typeof item === 'string'),
    StringMap: isObject(value),
    MapList: Array.isArray(value) && value.every(isObject),
  };
  if (!fits[output.Type]) throw new Error(`output ${output.Name}: ${output.Selector} selected ${JSON.stringify(value)}, which is not a ${output.Type}`);
  return (output.Type === 'String' ? String(value) : value) as Value;
}

/** One line that says what went wrong, with the HTTP status when the answer was not an AWS error at all. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (error.name === 'SyntaxError' && status !== undefined) {
    return `the endpoint answered HTTP ${status} with something that is not an AWS response (does it implement this API?)`;
  }
  const message = error.message.split('\n')[0];
  return error.name && error.name !== 'Error' && !message.startsWith(error.name) ? `${error.name}: ${message}` : message;
}

/** One execution: the values references resolve to, the clients, the count of calls. */
class Execution {
  readonly outputs: Record<string, Value> = {};
  apiCalls = 0;
  private readonly clients = new Map<string, SdkClient>();
  private clientOptions: ClientOptions;

  /** The system variables (vocabulary GLOBAL_VARIABLES), as Automation substitutes them in this region. */
  private readonly globals: Record<string, Value>;

  constructor(
    private readonly document: AutomationDocument,
    private readonly values: Record<string, Value>,
    private readonly options: RunOptions,
  ) {
    this.clientOptions = options.clientOptions;
    const region = options.clientOptions.region;
    this.globals = { 'global:REGION': region, 'global:AWS_PARTITION': partitionOf(region) };
  }

  private lookup = (name: string): Value | undefined => this.values[name] ?? this.outputs[name] ?? this.globals[name];

  /** Strict: an unknown reference is an error. */
  resolve = (value: unknown): unknown => resolveTemplates(value, this.lookup);

  /** For printing a plan: a value not known before run time stays as its `{{ reference }}`. */
  private resolveForPlan = (value: unknown): unknown => resolveTemplates(value, (name) => this.lookup(name) ?? `{{ ${name} }}`);

  private factory(): ClientFactory {
    return this.options.clientFactory ?? makeClient;
  }

  /** Assumes the document's role, if it names one, as Automation does before the first step. */
  async assumeRole(): Promise<void> {
    const role = this.resolve(this.document.assumeRole);
    if (typeof role !== 'string' || role === '') return;
    this.apiCalls += 1;
    const { Credentials: credentials } = await this.factory()(STSClient, this.clientOptions).send(
      new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 's3-policy-watch-remediate' }),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new Error(`sts AssumeRole ${role} returned no credentials`);
    this.clientOptions = {
      ...this.clientOptions,
      credentials: {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: credentials.Expiration,
      },
    };
  }

  private client(service: string): SdkClient {
    let client = this.clients.get(service);
    if (!client) {
      // Each service's client class differs in its middleware types; the factory treats them all alike.
      const Client = SERVICES[service as Service].Client as unknown as Parameters<ClientFactory>[0];
      client = this.factory()(Client, this.clientOptions) as unknown as SdkClient;
      this.clients.set(service, client);
    }
    return client;
  }

  /**
   * A step's inputs, resolved, split into the API call and (for an assert) the property it expects.
   * `plan`: values not known before run time stay as their `{{ reference }}`.
   */
  prepare(step: Step, plan: boolean): { call: ApiCall; expectation?: Expectation } {
    const { Service: service, Api: api, ...rest } = (plan ? this.resolveForPlan : this.resolve)(step.inputs) as Record<string, unknown>;
    if (step.action !== 'aws:assertAwsResourceProperty') return { call: { service: service as string, api: api as string, input: rest } };
    const { PropertySelector: selector, DesiredValues: desired, ...input } = rest as { PropertySelector: string; DesiredValues: string[] };
    return { call: { service: service as string, api: api as string, input }, expectation: { selector, desired } };
  }

  async send(call: ApiCall): Promise<Record<string, unknown>> {
    const Command = commandFor(call.service, call.api) as CommandClass;
    this.apiCalls += 1;
    try {
      const { $metadata: _metadata, ...response } = await this.client(call.service).send(new Command(call.input));
      // The shape Automation's selectors see: JSON, dates as text.
      return JSON.parse(JSON.stringify(response)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${call.service} ${call.api} failed: ${errorText(error)}`);
    }
  }

  /** Runs one attempt of an API step; returns its outputs, or throws why it failed. */
  async attempt(step: Step, call: ApiCall, expectation?: Expectation): Promise<Record<string, Value>> {
    const response = await this.send(call);
    if (expectation) {
      const { selector, desired } = expectation;
      const selection = select(selector, response);
      const actual = selection.found ? propertyText(selection.value) : undefined;
      // DesiredValues is a list of text: an Integer parameter in it is compared as its text.
      if (actual === undefined || !desired.map(String).includes(actual)) {
        const found = !selection.found ? 'nothing' : actual === undefined ? `${JSON.stringify(selection.value)} (not a single value)` : JSON.stringify(actual);
        throw new Error(`${selector} is ${found}; expected ${desired.map((value) => JSON.stringify(value)).join(' or ')}`);
      }
      return {};
    }
    const outputs: Record<string, Value> = {};
    for (const output of step.action === 'aws:executeAwsApi' ? (step.outputs ?? []) : []) {
      const selection = select(output.Selector, response);
      // An output whose path is absent has no value; a step that uses it fails, naming it.
      if (selection.found) outputs[output.Name] = outputValue(output, selection.value);
    }
    return outputs;
  }

  async runStep(step: Step, index: number, dryRun: boolean): Promise<StepRecord> {
    const started = Date.now();
    const critical = step.action === 'aws:branch' || step.isCritical !== false;
    const record: StepRecord = { index, name: step.name, action: step.action, status: 'Success', critical, ms: 0 };
    if (step.description) record.description = step.description;
    try {
      if (step.action === 'aws:branch') {
        try {
          record.next = chooseNextStep(step.inputs, this.resolve);
        } catch (error) {
          if (!(dryRun && error instanceof UnresolvedReferenceError)) throw error;
          record.next = step.inputs.Default;
          record.note = `decided at run time from {{ ${error.reference} }}; the plan follows ${record.next ? `Default (${record.next})` : 'the next step'}`;
        }
      } else if (dryRun) {
        record.call = this.prepare(step, true).call;
        record.status = 'Planned';
      } else {
        const { call, expectation } = this.prepare(step, false);
        record.call = call;
        const attempts = step.maxAttempts ?? 1;
        for (let attempt = 1; ; attempt += 1) {
          record.attempts = attempt;
          try {
            const outputs = await this.attempt(step, call, expectation);
            if (Object.keys(outputs).length > 0) record.outputs = outputs;
            for (const [name, value] of Object.entries(outputs)) this.outputs[`${step.name}.${name}`] = value;
            break;
          } catch (error) {
            if (attempt >= attempts) throw error;
          }
        }
      }
    } catch (error) {
      record.status = 'Failed';
      record.error = errorText(error);
    }
    record.ms = Date.now() - started;
    return record;
  }
}

/**
 * Runs the document with the given parameter values (see resolveParameters). Throws before any call when the
 * document cannot be run as written or a parameter has no value; a failing step is reported in the result.
 */
export async function runAutomation(document: AutomationDocument, values: Record<string, Value>, options: RunOptions): Promise<AutomationResult> {
  assertRunnable(document);
  const dryRun = options.dryRun === true;
  const missing = Object.entries(document.parameters).filter(([name]) => values[name] === undefined);
  if (missing.length > 0 && !dryRun) {
    throw new ParameterError(missing.map(([name, definition]: [string, ParameterDefinition]) => `missing parameter ${name}: ${definition.description}`));
  }
  const started = Date.now();
  const execution = new Execution(document, values, options);
  const steps = document.mainSteps;
  const byName = new Map(steps.map((step) => [step.name, step]));
  const records: StepRecord[] = [];
  let failed = false;
  if (!dryRun) {
    try {
      await execution.assumeRole();
    } catch (error) {
      throw new Error(`cannot assume the automation role: ${errorText(error)}`);
    }
  }
  for (let step = steps[0] as Step | undefined; step; ) {
    const record = await execution.runStep(step, steps.indexOf(step) + 1, dryRun);
    records.push(record);
    options.onProgress?.(record, steps.length);
    let next: string | undefined;
    if (record.status === 'Failed') {
      next = nextAfterFailure(steps, step);
      // A critical step's failure fails the automation; so does any failure that aborts it.
      const onFailure = 'onFailure' in step ? step.onFailure : undefined;
      if (record.critical || onFailure === undefined || onFailure === 'Abort') failed = true;
    } else {
      next = nextAfterSuccess(steps, step, record.next);
    }
    step = next === undefined ? undefined : byName.get(next);
  }
  const ran = new Set(records.map((record) => record.name));
  return {
    status: failed ? 'Failed' : 'Success',
    dryRun,
    steps: records,
    notRun: steps.filter((step) => !ran.has(step.name)).map((step) => step.name),
    apiCalls: execution.apiCalls,
    ms: Date.now() - started,
    outputs: Object.fromEntries((document.outputs ?? []).filter((name) => name in execution.outputs).map((name) => [name, execution.outputs[name]])),
  };
}
