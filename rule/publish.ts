import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { RegionalClients } from './clients';
import type { Verdict } from './evaluate';
import { AwsCallError, readExistingFinding } from './gather';
import { complianceStatus, findingId, productArn, securityHubFinding, type ComplianceStatus } from './security-hub-finding';

/**
 * The rule's only writes: the verdict to AWS Config (PutEvaluations) and, with the rule parameter SecurityHubFindings,
 * the same verdict to Security Hub (BatchImportFindings). They sit together so that everything the rule changes in
 * an account is in one place, next to the permissions infra/iam.ts grants for it.
 */

export interface EvaluationTarget {
  accountId: string;
  /** The evaluation's OrderingTimestamp: when Config created the notification. */
  notificationTime: Date;
  resultToken: string;
}

export async function putEvaluation(
  clients: RegionalClients,
  region: string,
  target: EvaluationTarget,
  verdict: Pick<Verdict, 'compliance' | 'annotation'>,
  testMode: boolean,
): Promise<void> {
  const resource = `account ${target.accountId}`;
  let response;
  try {
    response = await clients(region).config.send(
      new PutEvaluationsCommand({
        Evaluations: [
          {
            ComplianceResourceType: 'AWS::::Account',
            ComplianceResourceId: target.accountId,
            ComplianceType: verdict.compliance,
            Annotation: verdict.annotation,
            OrderingTimestamp: target.notificationTime,
          },
        ],
        ResultToken: target.resultToken,
        TestMode: testMode,
      }),
    );
  } catch (error) {
    throw new AwsCallError('PutEvaluations', region, resource, error);
  }
  const failed = response.FailedEvaluations ?? [];
  if (failed.length > 0) {
    throw new AwsCallError('PutEvaluations', region, resource, new Error(`Config rejected the evaluation: ${JSON.stringify(failed)}`));
  }
}

/**
 * The field and value of the log line a failed import writes. The stack's metric filter on the rule's log group
 * counts these lines into the metric its rule-errors alarm watches (infra/stack.ts), so a finding that stops
 * arriving reaches a person although the Lambda function itself succeeds.
 */
export const FINDING_IMPORT_FAILED = { field: 'securityHubFindingImport', value: 'FAILED' } as const;

export interface FindingOutcome {
  /** The finding's Id in Security Hub. */
  id: string;
  status: ComplianceStatus;
  imported: boolean;
  /** Why it was not imported. */
  error?: string;
}

export interface FindingPublication {
  clients: RegionalClients;
  region: string;
  accountId: string;
  /** The partition of the rule's credentials; undefined when GetCallerIdentity gave no ARN to take it from. */
  partition: string | undefined;
  verdict: Pick<Verdict, 'compliance' | 'annotation'> & Partial<Pick<Verdict, 'chains'>>;
  requiredEvents: readonly string[];
  now: Date;
  log: Logger;
}

/**
 * Reads the finding's CreatedAt, builds and imports the finding (Security Hub validates it: an invalid one comes back
 * in FailedFindings; the builder's output is checked against the ASFF rules in the tests, which keeps the validator out
 * of the Lambda bundle). Never throws: the Config verdict is already
 * published and stands; a failure is logged as FINDING_IMPORT_FAILED (which raises the rule-errors alarm) and returned.
 */
export async function publishFinding(publication: FindingPublication): Promise<FindingOutcome> {
  const { clients, region, accountId, partition, verdict, log } = publication;
  const id = findingId(region, accountId);
  const status = complianceStatus(verdict.compliance);
  try {
    if (!partition) throw new Error("the partition of the rule's credentials is unknown (GetCallerIdentity failed or returned no Arn), so the product ARN cannot be built");
    const product = productArn(partition, region, accountId);
    const existing = await readExistingFinding(clients, region, product, id);
    const finding = securityHubFinding({ verdict, accountId, region, partition, requiredEvents: publication.requiredEvents, now: publication.now, existing });
    await importFinding(clients, region, id, finding);
    log.info('Security Hub finding imported', { findingId: id, status: finding.Compliance.Status, createdAt: finding.CreatedAt, updatedAt: finding.UpdatedAt });
    return { id, status: finding.Compliance.Status, imported: true };
  } catch (error) {
    // GetFindings in a region where Security Hub is off fails with InvalidAccessException.
    const disabled = error instanceof AwsCallError && error.code === 'InvalidAccessException' ? notEnabledHint(region) : '';
    const message = `${error instanceof Error ? error.message : String(error)}${disabled}`;
    log.error('Security Hub finding not imported; the Config verdict stands', {
      [FINDING_IMPORT_FAILED.field]: FINDING_IMPORT_FAILED.value,
      findingId: id,
      region,
      error: message,
    });
    return { id, status, imported: false, error: message };
  }
}

async function importFinding(clients: RegionalClients, region: string, id: string, finding: object): Promise<void> {
  const resource = `finding ${id}`;
  let response;
  try {
    response = await clients(region).securityHub.send(new BatchImportFindingsCommand({ Findings: [finding as never] }));
  } catch (error) {
    throw new AwsCallError('BatchImportFindings', region, resource, error);
  }
  const failed = response.FailedFindings ?? [];
  if ((response.FailedCount ?? failed.length) > 0) {
    const reasons = failed.map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage}`).join('; ');
    // Security Hub answers a disabled hub or integration with InvalidAccess in FailedFindings, not with an error.
    const hint = failed.some((entry) => entry.ErrorCode === 'InvalidAccess') ? notEnabledHint(region) : '';
    throw new AwsCallError('BatchImportFindings', region, resource, new Error(`Security Hub rejected the finding (${reasons || 'no reason given'})${hint}`));
  }
}

function notEnabledHint(region: string): string {
  return `; enable Security Hub in ${region}, or turn the rule parameter SecurityHubFindings off`;
}
