/**
 * Tamper watch: someone who stops the trail or deletes the alarm, and then changes a bucket policy, would otherwise
 * go unnoticed until the next periodic evaluation (up to 24 hours). An EventBridge rule on the CloudTrail management
 * events that break a link of the chain starts a re-evaluation of the Config rule within minutes; a NON_COMPLIANT
 * result then triggers the automatic remediation.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** The calls that break a link of the chain, by the CloudTrail eventSource of their service. */
export const TAMPER_EVENTS: Readonly<Record<string, readonly string[]>> = {
  'cloudtrail.amazonaws.com': ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
  'logs.amazonaws.com': ['DeleteMetricFilter', 'PutMetricFilter', 'DeleteLogGroup'],
  'monitoring.amazonaws.com': ['DeleteAlarms', 'DisableAlarmActions', 'PutMetricAlarm', 'PutCompositeAlarm'],
  'sns.amazonaws.com': ['DeleteTopic', 'Unsubscribe', 'SetTopicAttributes', 'SetSubscriptionAttributes'],
  // The topic's key: the rule judges whether CloudWatch may still use it.
  'kms.amazonaws.com': ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'],
};

export interface TamperWatchProps {
  configRuleName: string;
  configRuleArn: string;
  /**
   * The remediation's role. Its own changes are not tampering, and its document ends by starting an evaluation
   * itself; starting another one would let a remediation that cannot finish the chain (an email not yet confirmed)
   * trigger itself again and again. Absent when the stack has no remediation.
   */
  remediationRoleArn?: string;
}

export class TamperWatch extends Construct {
  readonly rule: events.Rule;
  readonly reEvaluation: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TamperWatchProps) {
    super(scope, id);

    // StartConfigRulesEvaluation refuses a second call within a minute or while an evaluation runs
    // (LimitExceededException): a burst of changes retries with back-off instead of being lost.
    const start = new tasks.CallAwsService(this, 'StartRuleEvaluation', {
      service: 'config',
      action: 'startConfigRulesEvaluation',
      iamAction: 'config:StartConfigRulesEvaluation',
      iamResources: [props.configRuleArn],
      parameters: { ConfigRuleNames: [props.configRuleName] },
    });
    start.addRetry({ errors: ['States.TaskFailed'], interval: Duration.minutes(1), backoffRate: 2, maxAttempts: 4 });

    this.reEvaluation = new sfn.StateMachine(this, 'ReEvaluation', {
      comment: 'Re-evaluates the s3-policy-watch Config rule after a change that may break the alarm chain.',
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(30),
    });

    this.rule = new events.Rule(this, 'ChainChanged', {
      description: 'A CloudTrail management event that may break the S3 bucket policy alarm chain: re-evaluate the s3-policy-watch rule now.',
      eventPattern: {
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: Object.keys(TAMPER_EVENTS),
          eventName: Object.values(TAMPER_EVENTS).flat(),
          // A call that failed changed nothing.
          errorCode: [{ exists: false }],
          ...(props.remediationRoleArn
            ? {
                $or: [
                  { userIdentity: { type: [{ 'anything-but': 'AssumedRole' }] } },
                  { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': props.remediationRoleArn }] } } } },
                ],
              }
            : {}),
        },
      },
      targets: [new targets.SfnStateMachine(this.reEvaluation)],
    });
  }
}
