/** Every status const object registered once as a GraphQL enum. */
import { registerEnumType } from "type-graphql";
import { AgentStatus, Complexity, PlanState, Priority, SignalKind, StepState, TraceOutcome } from "../domain/statuses.js";
import { InterventionKind, InterventionStatus } from "../engine/interventions.js";
import { CheckpointReason } from "../store/checkpoints.js";
import { QualityGrade } from "../insight/evaluation.js";

registerEnumType(PlanState, {
  name: "PlanState",
  description: "Where a plan is in its life.",
  valuesConfig: {
    IDLE: { description: "Created with start: false; waits for startPlan." },
    RUNNING: { description: "Steps are being handed out to agents." },
    PAUSED: { description: "No new claims; running attempts may finish." },
    COMPLETED: { description: "Every step succeeded (or was skipped)." },
    FAILED: { description: "A step failed for good, or the plan deadline passed." },
    CANCELLED: { description: "Cancelled by an operator." },
    COMPENSATING: { description: "Running compensation steps after a failure." },
    COMPENSATED: { description: "Compensation finished." },
  },
});

registerEnumType(StepState, {
  name: "StepState",
  description: "Where a step is in its life.",
  valuesConfig: {
    PENDING: { description: "Waiting for its dependencies." },
    READY: { description: "Dependencies satisfied; waiting for an agent to claim it." },
    RUNNING: { description: "Claimed: an agent holds a lease on it." },
    WAITING: { description: "Waiting for a timer (retry backoff) or a signal." },
    SUCCEEDED: { description: "Finished with an output." },
    FAILED: { description: "Failed with no retry left." },
    SKIPPED: { description: "Skipped; dependents treat it as satisfied." },
    CANCELLED: { description: "Will not run: its plan failed or was cancelled." },
    COMPENSATED: { description: "Its effects were undone by a compensation step." },
  },
});

registerEnumType(Priority, {
  name: "Priority",
  description: "Claim order: higher priorities are handed out first, then the oldest READY step.",
  valuesConfig: {
    LOW: { description: "Handed out after every other priority." },
    NORMAL: { description: "The default." },
    HIGH: { description: "Handed out before NORMAL and LOW steps." },
    URGENT: { description: "Handed out before every other priority." },
  },
});

registerEnumType(Complexity, {
  name: "Complexity",
  description:
    "Execution profile of a plan; sets the default maxParallel (SIMPLE 1, MEDIUM 2, COMPLEX 3, CRISIS 5). CRISIS plans are claimed ahead of all others and default to 60 s step timeouts.",
  valuesConfig: {
    SIMPLE: { description: "One step at a time (default maxParallel 1)." },
    MEDIUM: { description: "Up to 2 steps at a time (default maxParallel 2)." },
    COMPLEX: { description: "Up to 3 steps at a time (default maxParallel 3)." },
    CRISIS: { description: "Up to 5 steps at a time, claimed ahead of every other plan, with 60 s default step timeouts." },
  },
});

registerEnumType(AgentStatus, {
  name: "AgentStatus",
  description: "Whether an agent has been heard from recently.",
  valuesConfig: {
    ONLINE: { description: "Heard from within the offline threshold." },
    OFFLINE: { description: "Not heard from for longer than the offline threshold." },
    DRAINING: { description: "Finishing its leases; claims no new work." },
  },
});

registerEnumType(TraceOutcome, {
  name: "TraceOutcome",
  description: "How one attempt of a step ended.",
  valuesConfig: {
    RUNNING: { description: "Still running under its lease." },
    SUCCEEDED: { description: "Completed by its agent." },
    FAILED: { description: "Failed by its agent." },
    TIMED_OUT: { description: "Ran longer than the step's timeoutMs; its lease was revoked." },
    CANCELLED: { description: "Revoked because the plan ended." },
    LOST: { description: "Its lease expired without a heartbeat." },
  },
});

registerEnumType(SignalKind, {
  name: "SignalKind",
  description: "What a signal on the timeline reports.",
  valuesConfig: {
    PLAN_CREATED: { description: "A plan was created (IDLE, or about to start)." },
    PLAN_STARTED: { description: "A plan started RUNNING." },
    PLAN_PAUSED: { description: "A plan was paused." },
    PLAN_RESUMED: { description: "A paused plan was resumed." },
    PLAN_COMPLETED: { description: "A plan COMPLETED: every step succeeded or was skipped." },
    PLAN_FAILED: { description: "A plan FAILED: a step failed for good, or its deadline passed." },
    PLAN_CANCELLED: { description: "A plan was cancelled." },
    PLAN_COMPENSATING: { description: "A plan started running the compensation steps of its succeeded steps." },
    PLAN_COMPENSATED: { description: "A plan's compensation finished." },
    STEP_READY: { description: "A step became READY to be claimed (payload.after is set when it is a retry)." },
    STEP_STARTED: { description: "An agent claimed a step and holds its lease." },
    STEP_PROGRESS: { description: "An agent reported progress on a running step (payload: progress, message)." },
    STEP_SUCCEEDED: { description: "A step finished with an output (also written to the context under steps.<key>.output)." },
    STEP_FAILED: { description: "A step failed with no retry left." },
    STEP_RETRY_SCHEDULED: { description: "A failed attempt will be retried after a backoff (payload: attempt, delayMs, retryAt, error)." },
    STEP_SKIPPED: { description: "A step was skipped (by a rule, an operator, or because no route reached it)." },
    STEP_TIMED_OUT: { description: "An attempt ran longer than the step's timeoutMs; its lease was revoked." },
    STEP_CANCELLED: { description: "A step will not run: its plan ended first." },
    STEP_COMPENSATED: { description: "A step's effects were undone by its compensation step." },
    CHECKPOINT_CREATED: { description: "A checkpoint other than a STEP one was taken (payload: checkpointId, reason, label)." },
    INTERVENTION_APPLIED: { description: "An operator's intervention was applied; comes after the signals of its effects." },
    INTERVENTION_REJECTED: { description: "An operator's intervention was refused; nothing changed." },
    CONTEXT_UPDATED: { description: "A key of the plan's context was written (the value is not in the payload)." },
    AGENT_ONLINE: { description: "An agent registered, or was heard from again after being OFFLINE." },
    AGENT_OFFLINE: { description: "An agent was not heard from within the offline threshold." },
    MESSAGE: { description: "A message between agents, addressed to an agent id, a role or * (every agent)." },
    CUSTOM: { description: "A signal sent with sendSignal, named freely (e.g. approval_granted)." },
    REGRESSION: { description: "A plan made from a template COMPLETED more than 10% worse than the template's earlier runs." },
  },
});

registerEnumType(QualityGrade, {
  name: "QualityGrade",
  description: "How well a finished plan ran, from its evaluation score (0..100).",
  valuesConfig: {
    EXCELLENT: { description: "Score 90 or more." },
    GOOD: { description: "Score 75 to under 90." },
    FAIR: { description: "Score 50 to under 75." },
    POOR: { description: "Score under 50; every plan that did not complete." },
  },
});

registerEnumType(InterventionKind, {
  name: "InterventionKind",
  description: "What an operator asked to change.",
  valuesConfig: {
    PAUSE: { description: "Pause a RUNNING plan (pausePlan)." },
    RESUME: { description: "Resume a PAUSED plan (resumePlan)." },
    CANCEL: { description: "Cancel a plan (cancelPlan)." },
    RETRY_STEP: { description: "Run a FAILED, CANCELLED or SKIPPED step again (retryStep)." },
    RETRY_PLAN: { description: "Run a FAILED plan again from the step that failed it (retryPlan, retryPlans)." },
    SKIP_STEP: { description: "Skip a step, optionally with a substitute output (skipStep)." },
    MODIFY_STEP: { description: "Change a step that has not started (modifyStep)." },
    ADD_STEP: { description: "Add a step to an unfinished plan (addStep)." },
    REMOVE_STEP: { description: "Remove a step that has not started and that nothing depends on (removeStep)." },
    REORDER_STEPS: { description: "Change the claim order of steps (reorderSteps)." },
    RESTORE_CHECKPOINT: { description: "Bring a plan back to a checkpoint (restoreCheckpoint)." },
    UPDATE_CONTEXT: { description: "Write keys of a plan's context as an operator (updateContext)." },
    FORK_CHECKPOINT: { description: "Start a new plan from one of this plan's checkpoints (forkFromCheckpoint); this plan is not changed, the diff names the new plan (forkedTo)." },
  },
});

registerEnumType(InterventionStatus, {
  name: "InterventionStatus",
  description: "Whether an intervention changed the plan.",
  valuesConfig: {
    APPLIED: { description: "Validated and applied atomically, with a new plan version." },
    REJECTED: { description: "Refused; nothing changed. rejectionCode says why." },
  },
});

registerEnumType(CheckpointReason, {
  name: "CheckpointReason",
  description: "Why a checkpoint was taken.",
  valuesConfig: {
    INITIAL: { description: "When the plan started." },
    STEP: { description: "After a step completed (the last BATON_CHECKPOINT_KEEP are kept)." },
    PAUSE: { description: "When the plan was paused." },
    MANUAL: { description: "On request (createCheckpoint)." },
    RESTORE: { description: "After the plan was restored to an earlier checkpoint." },
  },
});
