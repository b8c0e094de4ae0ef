/** Leases to report on, for the tests of batched reports (test/api/report-*.test.ts). */
import { expect } from "vitest";
import type { Api } from "./api.js";

const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id stepKey } }`;
const CHECKPOINTS = `query($id: ID!) { checkpoints(planId: $id) { edges { node { reason } } } }`;

/** A plan of `n` parallel steps of role r (each `retry`, then one step after them all), all n claimed by one agent. */
export async function claimedLeases(api: Api, n: number, retry?: Record<string, number>): Promise<{ planId: string; leases: { id: string; stepKey: string }[] }> {
  const steps: Record<string, unknown>[] = Array.from({ length: n }, (_, i) => ({ key: `s${i}`, role: "r", ...(retry ? { retry } : {}) }));
  steps.push({ key: "last", role: "r", dependsOn: steps.map((s) => s["key"]) });
  const plan = (await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input: { name: "p", steps, policy: { maxParallel: n } } })).createPlan;
  const agent = (await api.ok(`mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, { input: { name: "w", roles: ["r"], concurrency: n } })).registerAgent;
  const leases = (await api.ok(CLAIM, { input: { agentId: agent.id, max: n } })).claimSteps as { id: string; stepKey: string }[];
  expect(leases).toHaveLength(n);
  return { planId: plan.id as string, leases };
}

/** The plan's STEP checkpoints: one per transaction that completed steps of it. */
export const stepCheckpoints = async (api: Api, planId: string): Promise<number> =>
  ((await api.ok(CHECKPOINTS, { id: planId })).checkpoints.edges as { node: { reason: string } }[]).filter((e) => e.node.reason === "STEP").length;
