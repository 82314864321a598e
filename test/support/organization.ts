import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { SandboxAccount, type ChainInfo, type ChainSpec } from '../../cli/sandbox-account';
import { regionalClients, type ClientOptions, type RegionalClients } from '../../rule/clients';
import { assumedRoleClients, type AssumedRoleClients } from '../../rule/gather';

/**
 * An organization on a moto server: the account that owns the organization trail (its log group, filter, alarm and
 * topic live there) and a member account whose rule reads that chain through the owner's read-only role.
 *
 * moto decides the account of a request by the x-moto-account-id header if there is one, else by the access key.
 * The member's rule therefore signs with an access key of an IAM user of the member account and sends no header:
 * then the credentials STS AssumeRole returns act in the role's account, as in AWS, and the product code needs no
 * seam for moto. moto does not show an organization trail to member accounts, so the member's CloudTrail client
 * is the owner's (what DescribeTrails with shadow trails shows a member in AWS); moto also issues credentials for
 * any role ARN, so a missing role cannot be shown here (test/unit/gather-trail-owner.test.ts covers it).
 */
export class OrganizationSandbox {
  readonly owner: SandboxAccount;
  readonly member: SandboxAccount;

  constructor(
    ownerAccountId: string,
    memberAccountId: string,
    readonly endpoint: string,
    readonly region = 'us-east-1',
  ) {
    this.owner = new SandboxAccount(ownerAccountId, endpoint, region);
    this.member = new SandboxAccount(memberAccountId, endpoint, region);
  }

  /** The owner's organization trail `org-trail` and as much of its chain as `spec` says (the seed chain by default). */
  orgChain(spec: ChainSpec = {}): Promise<ChainInfo> {
    return this.owner.chain({ ...spec, trail: { name: 'org-trail', organization: true, ...spec.trail } });
  }

  /** The read-only role in the owner account (infra/trail-owner-read.ts deploys it in AWS). */
  async readRole(name: string): Promise<string> {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
    const role = await this.owner.clients().iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    return role.Role!.Arn!;
  }

  /** How the rule in the member account reaches AWS: its clients, and clients for the role it assumes. */
  async memberConnection(): Promise<{ clients: RegionalClients; clientsFor: AssumedRoleClients; options: ClientOptions }> {
    const { iam } = this.member.clients();
    await iam.send(new CreateUserCommand({ UserName: 's3-policy-watch-rule' }));
    const { AccessKey: key } = await iam.send(new CreateAccessKeyCommand({ UserName: 's3-policy-watch-rule' }));
    const options: ClientOptions = {
      region: this.region,
      endpoint: this.endpoint,
      credentials: { accessKeyId: key!.AccessKeyId!, secretAccessKey: key!.SecretAccessKey! },
      maxAttempts: 2,
    };
    const memberClients = regionalClients(options);
    const ownerClients = regionalClients(this.owner.options());
    const clients: RegionalClients = (region) => ({ ...memberClients(region), cloudTrail: ownerClients(region).cloudTrail });
    return { clients, clientsFor: assumedRoleClients(options), options };
  }
}
