/**
 * Shared by the infra tests: synthesize the app once (with cdk-nag, as `npm run synth` does), read the template,
 * render intrinsic functions to text, collect IAM statements, run cfn-lint, and audit cdk-nag acknowledgments.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { defineApp } from '../../infra/app';
import type { S3PolicyWatchStack } from '../../infra/stack';
import { render } from '../support/render';

export { render };

export interface Synthesized extends SynthesizedTemplate {
  app: App;
  stack: S3PolicyWatchStack;
  outdir: string;
  assembly: CloudAssembly;
}

/** One stack's template, parsed, as the assertions library reads it, and where synth wrote it. */
export interface SynthesizedTemplate {
  template: Template;
  json: CfnTemplate;
  templatePath: string;
}

export interface CfnTemplate {
  Parameters?: Record<string, Record<string, any>>;
  Rules?: Record<string, unknown>;
  Outputs?: Record<string, Record<string, any>>;
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: string[]; Metadata?: Record<string, any> }>;
}

/** Synthesizes in a fresh temporary cloud assembly; throws (with cdk-nag's report) when validation fails. */
export function synthesize(context: Record<string, unknown>): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 's3pw-cdk-'));
  // CDK's built-in schema validation takes seconds; these tests run cfn-lint on the template instead.
  const app = new App({ context, outdir, builtinCloudFormationValidation: false });
  const stack = defineApp(app);
  const assembly = app.synth();
  return { app, stack, outdir, assembly, ...templateOf(assembly.getStackByName(stack.stackName).templateFullPath) };
}

/** Another stack of the synthesized app, by name (S3PolicyWatchOrganization...). */
export function stackTemplate(synthesized: Synthesized, stackName: string): SynthesizedTemplate {
  return templateOf(synthesized.assembly.getStackByName(stackName).templateFullPath);
}

/** A template written to a file (a StackSet's TemplateBody, say), to lint and assert like the others. */
export function templateFile(template: unknown, outdir: string, name: string): SynthesizedTemplate {
  const templatePath = path.join(outdir, `${name}.template.json`);
  fs.writeFileSync(templatePath, JSON.stringify(template, null, 1));
  return templateOf(templatePath);
}

function templateOf(templatePath: string): SynthesizedTemplate {
  const json = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as CfnTemplate;
  return { template: Template.fromJSON(json), json, templatePath };
}

export function removeOutdir(synthesized: Synthesized | undefined): void {
  if (synthesized) fs.rmSync(synthesized.outdir, { recursive: true, force: true });
}

/** Intrinsics as text: `${AWS::Region}` for Ref, `${Id.Arn}` for GetAtt, Fn::Join joined. */
export interface Statement {
  /** The logical id of the resource that holds the policy. */
  holder: string;
  holderType: string;
  Effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function statementsOf(holder: string, holderType: string, document: { Statement: any[] } | undefined): Statement[] {
  return (document?.Statement ?? []).map((statement) => ({
    holder,
    holderType,
    Effect: statement.Effect,
    actions: asList<string>(statement.Action),
    resources: asList<unknown>(statement.Resource).map(render),
    principal: statement.Principal,
    Condition: statement.Condition,
  }));
}

/** Identity policies: what the stack's roles may do. */
export function identityStatements(json: CfnTemplate): Statement[] {
  return Object.entries(json.Resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') return statementsOf(id, resource.Type, properties.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') return (properties.Policies ?? []).flatMap((policy: any) => statementsOf(id, resource.Type, policy.PolicyDocument));
    return [];
  });
}

/** Resource policies: who may use the stack's key, topic and bucket. */
export function resourcePolicyStatements(json: CfnTemplate): Statement[] {
  return Object.entries(json.Resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::KMS::Key') return statementsOf(id, resource.Type, properties.KeyPolicy);
    if (resource.Type === 'AWS::SNS::TopicPolicy' || resource.Type === 'AWS::S3::BucketPolicy') return statementsOf(id, resource.Type, properties.PolicyDocument);
    return [];
  });
}

/** The statements of the policies attached to one role (by the role's logical id). */
export function roleStatements(json: CfnTemplate, roleLogicalId: string): Statement[] {
  const attached = Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy' && resource.Properties!.Roles.some((role: any) => role.Ref === roleLogicalId))
    .map(([id]) => id);
  return identityStatements(json).filter((statement) => statement.holder === roleLogicalId || attached.includes(statement.holder));
}

/** Which action may touch which resources, over a set of statements (Allow only). */
export function grantsByAction(statements: Statement[]): Map<string, string[]> {
  const grants = new Map<string, string[]>();
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    for (const action of statement.actions) grants.set(action, [...(grants.get(action) ?? []), ...statement.resources]);
  }
  return grants;
}

/** Allow statements that name a wildcard action, anywhere in the template (identity and resource policies). */
export function wildcardActionGrants(json: CfnTemplate): Pick<Statement, 'holderType' | 'actions' | 'principal'>[] {
  return [...identityStatements(json), ...resourcePolicyStatements(json)]
    .filter((statement) => statement.Effect === 'Allow' && statement.actions.some((action) => action.includes('*')))
    .map(({ holderType, actions, principal }) => ({ holderType, actions, principal }));
}

/** The KMS default key policy statement: the account may manage the key through IAM. */
export const KEY_ADMIN_BY_ACCOUNT = {
  holderType: 'AWS::KMS::Key',
  actions: ['kms:*'],
  principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
};

/** The actions roles of the stack may perform on `Resource: '*'`. */
export function actionsOnAnyResource(json: CfnTemplate): string[] {
  return identityStatements(json)
    .filter((statement) => statement.Effect === 'Allow' && statement.resources.includes('*'))
    .flatMap((statement) => statement.actions);
}

/** `new XCommand(` in a file of the rule's AWS edge (rule/FILE), as IAM actions: the service prefix of the SDK package X comes from. */
export function ruleSdkCalls(file: string): string[] {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'rule', file), 'utf8');
  const prefixes: Record<string, string> = {
    cloudtrail: 'cloudtrail',
    cloudwatch: 'cloudwatch',
    'cloudwatch-logs': 'logs',
    'config-service': 'config',
    sns: 'sns',
    kms: 'kms',
    sts: 'sts',
    securityhub: 'securityhub',
  };
  const packageOf = new Map<string, string>();
  for (const [, names, client] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([\w-]+)'/g)) {
    for (const name of names!.split(',').map((text) => text.trim())) packageOf.set(name, client!);
  }
  return [...source.matchAll(/new (\w+)Command\(/g)].map(([, api]) => {
    const client = packageOf.get(`${api}Command`);
    if (!client || !prefixes[client]) throw new Error(`${file}: cannot tell the service of ${api}Command`);
    return `${prefixes[client]}:${api}`;
  });
}

export function logicalIdOf(construct: IConstruct): string {
  const resource = (CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnResource;
  return resource.stack.getLogicalId(resource);
}

export interface CfnLintResult {
  status: number | null;
  output: string;
}

/** cfn-lint on one or more templates, in one run (it takes seconds to start). */
export function cfnLint(...templatePaths: string[]): CfnLintResult {
  const result = spawnSync('cfn-lint', ['--format', 'parseable', ...templatePaths], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The Service Authorization Reference as cfn-lint ships it: per service, per action (lower case), its resource types. */
export interface ServiceAuthorizationReference {
  [service: string]: {
    Actions: Record<string, { Resources?: string[] }>;
    Resources: Record<string, { ARNFormats: string[] }>;
  };
}

export function serviceAuthorizationReference(): ServiceAuthorizationReference {
  const cfnLintDir = execFileSync('python3', ['-c', 'import cfnlint, os; print(os.path.dirname(cfnlint.__file__))'], { encoding: 'utf8' }).trim();
  return JSON.parse(fs.readFileSync(path.join(cfnLintDir, 'data', 'AdditionalSpecs', 'Policies.json'), 'utf8'));
}

/** The resource types an action can be scoped to; throws for an action IAM does not know. */
export function resourceTypesOf(reference: ServiceAuthorizationReference, action: string): string[] {
  const [service, name] = action.split(':') as [string, string];
  const entry = reference[service]?.Actions[name.toLowerCase()];
  if (!entry) throw new Error(`${action} is not an IAM action`);
  return entry.Resources ?? [];
}

export interface Acknowledgment {
  path: string;
  id: string;
  reason: string;
}

export interface NagAudit {
  /** Every finding cdk-nag raises, acknowledged or not: `Rule[finding] at path`. */
  findings: { id: string; path: string }[];
  acknowledgments: Acknowledgment[];
  /** Acknowledgments no finding needed: stale, or broader than the finding. */
  unused: Acknowledgment[];
}

/** Runs the AwsSolutions pack once more over the synthesized tree, recording which acknowledgment each finding used. */
export function auditNag(app: App): NagAudit {
  const findings: { id: string; path: string }[] = [];
  const used = new Set<string>();
  // isAcknowledged is where cdk-nag asks about each finding (private in its typings, hence the cast).
  const checks = new AwsSolutionsChecks() as unknown as { isAcknowledged(node: IConstruct, ruleId: string): boolean; validateScope(scope: IConstruct): unknown };
  const isAcknowledged = checks.isAcknowledged.bind(checks);
  checks.isAcknowledged = (node, ruleId) => {
    findings.push({ id: ruleId, path: node.node.path });
    const acknowledged = isAcknowledged(node, ruleId);
    for (let current: IConstruct | undefined = node; acknowledged && current; current = current.node.scope) {
      if (acknowledgmentsOn(current).some((entry) => entry.id === ruleId)) {
        used.add(`${current.node.path} ${ruleId}`);
        break;
      }
    }
    return acknowledged;
  };
  checks.validateScope(app);
  const acknowledgments = app.node.findAll().flatMap(acknowledgmentsOn);
  return { findings, acknowledgments, unused: acknowledgments.filter((entry) => !used.has(`${entry.path} ${entry.id}`)) };
}

function acknowledgmentsOn(construct: IConstruct): Acknowledgment[] {
  return construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
    .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason }));
}
