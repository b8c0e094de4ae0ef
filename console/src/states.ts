/**
 * Plan and step states as the console shows them: always a word and an icon, and a colour
 * (styles.css, class `state-<name>`) that is never the only cue.
 */
export type PlanState = "IDLE" | "RUNNING" | "PAUSED" | "COMPLETED" | "FAILED" | "CANCELLED" | "COMPENSATING" | "COMPENSATED";
export type StepState = "PENDING" | "READY" | "WAITING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "SKIPPED" | "CANCELLED" | "COMPENSATED";

const WORDS: Record<PlanState | StepState, { word: string; icon: string }> = {
  IDLE: { word: "Idle", icon: "○" },
  PENDING: { word: "Pending", icon: "○" },
  READY: { word: "Ready", icon: "◔" },
  WAITING: { word: "Waiting", icon: "◷" },
  RUNNING: { word: "Running", icon: "▶" },
  PAUSED: { word: "Paused", icon: "❚❚" },
  SUCCEEDED: { word: "Succeeded", icon: "✓" },
  COMPLETED: { word: "Completed", icon: "✓" },
  FAILED: { word: "Failed", icon: "✕" },
  SKIPPED: { word: "Skipped", icon: "↷" },
  CANCELLED: { word: "Cancelled", icon: "⊘" },
  COMPENSATING: { word: "Compensating", icon: "↺" },
  COMPENSATED: { word: "Compensated", icon: "↺" },
};

export const PLAN_STATES: readonly PlanState[] = ["IDLE", "RUNNING", "PAUSED", "COMPLETED", "FAILED", "CANCELLED", "COMPENSATING", "COMPENSATED"];

export function stateWord(state: PlanState | StepState): string {
  return WORDS[state]?.word ?? state;
}

export function stateIcon(state: PlanState | StepState): string {
  return WORDS[state]?.icon ?? "?";
}

/** Whether a plan can change no more. */
export function isFinished(state: PlanState): boolean {
  return state === "COMPLETED" || state === "FAILED" || state === "CANCELLED" || state === "COMPENSATED";
}
