/**
 * Which of the plan's context entries a step's agent is handed with its lease: the gateway's own
 * rule (`targetsAdmit`, src/domain/visibility.ts) for the agent that claimed the step (its id and
 * roles) serving the step's role. Before a claim, the entries for the step's role.
 */
import { targetsAdmit } from "../../../src/domain/visibility.js";

export interface StepReader {
  role: string;
  agent?: { id: string; roles: readonly string[] } | null;
}

export function visibleToStep<E extends { targets: readonly string[] }>(entries: readonly E[], step: StepReader): E[] {
  const reader = { id: step.agent?.id ?? null, roles: [step.role, ...(step.agent?.roles ?? [])] };
  return entries.filter((e) => targetsAdmit(e.targets, reader));
}
