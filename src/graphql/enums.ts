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
});

registerEnumType(Complexity, {
  name: "Complexity",
  description:
    "Execution profile of a plan; sets the default maxParallel (SIMPLE 1, MEDIUM 2, COMPLEX 3, CRISIS 5). CRISIS plans are claimed ahead of all others and default to 60 s step timeouts.",
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
