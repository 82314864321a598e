/**
 * Tamper watch: someone who stops the trail or deletes the alarm, and then changes a bucket policy, would otherwise
 * go unnoticed until the next periodic evaluation (up to 24 hours). An EventBridge rule on the CloudTrail management
 * events that break a link of the chain starts a re-evaluation of the Config rule within minutes; a NON_COMPLIANT
 * result then triggers the automatic remediation.
 *
 * One deploy that touches alarms and filters is a burst of such events; Config runs one evaluation at a time and
 * at most one start a minute, so the executions coalesce (REEVALUATION) instead of each insisting on its own.
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

/**
 * How the re-evaluation coalesces a burst: each event's execution waits SETTLE for the burst to end, then is done
 * as soon as Config has invoked the rule after the event (whoever started that evaluation); otherwise it starts
 * one. Config refuses a start while an evaluation runs or within a minute of the last (LimitExceededException),
 * and while the rule is being deleted or is deleting its results (ResourceInUseException): the execution waits
 * RETRY and looks again, up to MAX_REFUSALS times. Only then, when no evaluation after the event could be started
 * at all, does the execution fail and ReEvaluationFailedAlarm fire.
 */
export const REEVALUATION = { settleSeconds: 60, retrySeconds: 60, maxRefusals: 10 } as const;

/** The errors Step Functions' AWS SDK integration names for Config's two refusals (ServiceName.ErrorName). */
export const CONFIG_REFUSALS = ['Config.LimitExceededException', 'Config.ResourceInUseException'] as const;

export class TamperWatch extends Construct {
  readonly rule: events.Rule;
  readonly reEvaluation: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TamperWatchProps) {
    super(scope, id);

    const status = '$.status.ConfigRulesEvaluationStatus[0]';
    const invokedAfterChange = (field: string) =>
      sfn.Condition.and(sfn.Condition.isPresent(`${status}.${field}`), sfn.Condition.timestampGreaterThanJsonPath(`${status}.${field}`, '$.time'));

    const initialize = new sfn.Pass(this, 'NoRefusalYet', { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.refusals' });
    const settle = new sfn.Wait(this, 'LetTheBurstSettle', { time: sfn.WaitTime.duration(Duration.seconds(REEVALUATION.settleSeconds)) });
    const readStatus = new tasks.CallAwsService(this, 'ReadRuleEvaluationStatus', {
      service: 'config',
      action: 'describeConfigRuleEvaluationStatus',
      iamAction: 'config:DescribeConfigRuleEvaluationStatus',
      // No resource type to scope to (infra/iam.ts UNSCOPED_ACTIONS).
      iamResources: ['*'],
      parameters: { ConfigRuleNames: [props.configRuleName] },
      resultPath: '$.status',
    });
    const start = new tasks.CallAwsService(this, 'StartRuleEvaluation', {
      service: 'config',
      action: 'startConfigRulesEvaluation',
      iamAction: 'config:StartConfigRulesEvaluation',
      iamResources: [props.configRuleArn],
      parameters: { ConfigRuleNames: [props.configRuleName] },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const countRefusal = new sfn.Pass(this, 'CountRefusal', {
      parameters: { 'count.$': 'States.MathAdd($.refusals.count, 1)' },
      resultPath: '$.refusals',
    });
    const waitForRunning = new sfn.Wait(this, 'WaitForTheRunningEvaluation', { time: sfn.WaitTime.duration(Duration.seconds(REEVALUATION.retrySeconds)) });
    const gaveUp = new sfn.Fail(this, 'NoEvaluationCouldStart', {
      error: 'ReEvaluationNotStarted',
      cause: `Config refused StartConfigRulesEvaluation ${REEVALUATION.maxRefusals} times, ${REEVALUATION.retrySeconds} s apart, and invoked the rule in no other way since the change.`,
    });

    start.addCatch(countRefusal, { errors: [...CONFIG_REFUSALS], resultPath: '$.refused' });
    start.next(new sfn.Succeed(this, 'Started', { comment: 'An evaluation that starts after the change.' }));
    const definition = initialize
      .next(settle)
      .next(readStatus)
      .next(
        new sfn.Choice(this, 'EvaluatedSinceTheChange')
          .when(
            sfn.Condition.or(invokedAfterChange('LastSuccessfulInvocationTime'), invokedAfterChange('LastFailedInvocationTime')),
            new sfn.Succeed(this, 'AlreadyEvaluated', { comment: 'Config invoked the rule after this change: another execution (or the schedule) covered it.' }),
          )
          .otherwise(start),
      );
    countRefusal.next(
      new sfn.Choice(this, 'RefusedTooOften')
        .when(sfn.Condition.numberGreaterThanEquals('$.refusals.count', REEVALUATION.maxRefusals), gaveUp)
        .otherwise(waitForRunning.next(readStatus)),
    );

    this.reEvaluation = new sfn.StateMachine(this, 'ReEvaluation', {
      comment: 'Re-evaluates the s3-policy-watch Config rule after a change that may break the alarm chain, once per burst of changes.',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
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
