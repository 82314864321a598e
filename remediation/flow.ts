/**
 * Which step runs after which, as Automation decides it: shared by the validator (reachability, loops, whether an
 * output is produced before it is used) and the runner (what to run next). Pure.
 */
import type { Step } from './builder';

/** The step after `step` in the list, or undefined after the last one. */
function nextInList(steps: readonly Step[], step: Step): string | undefined {
  return steps[steps.indexOf(step) + 1]?.name;
}

/**
 * Where the automation goes after `step` succeeds: a branch's chosen step; otherwise nowhere after `isEnd`, else
 * `nextStep`, else the next step in the list. A branch with no true choice and no Default falls through the same way.
 */
export function nextAfterSuccess(steps: readonly Step[], step: Step, chosen?: string): string | undefined {
  if (chosen !== undefined) return chosen;
  if (step.isEnd) return undefined;
  if ('nextStep' in step && step.nextStep !== undefined) return step.nextStep;
  return nextInList(steps, step);
}

/** Where the automation goes after `step` fails: `step:Name`, the normal successor for `Continue`, or nowhere (Abort). */
export function nextAfterFailure(steps: readonly Step[], step: Step): string | undefined {
  const onFailure = 'onFailure' in step ? step.onFailure : undefined;
  if (onFailure === 'Continue') return nextAfterSuccess(steps, step);
  if (onFailure?.startsWith('step:')) return onFailure.slice('step:'.length);
  return undefined;
}

/** Every step that can run right after `step`, whatever happens in it. */
export function successors(steps: readonly Step[], step: Step): string[] {
  const next = new Set<string>();
  if (step.action === 'aws:branch') {
    for (const choice of step.inputs.Choices ?? []) next.add(choice.NextStep);
    const fallThrough = step.inputs.Default ?? nextAfterSuccess(steps, step);
    if (fallThrough !== undefined) next.add(fallThrough);
  } else {
    const onSuccess = nextAfterSuccess(steps, step);
    if (onSuccess !== undefined) next.add(onSuccess);
  }
  const onFailure = nextAfterFailure(steps, step);
  if (onFailure !== undefined) next.add(onFailure);
  return [...next];
}
