/** Helpers for the interventions API tests: GraphQL documents and calls through `api()`. */
import { afterEach, beforeEach, expect } from "vitest";
import { makeApi } from "./api.js";

type Api = Awaited<ReturnType<typeof makeApi>>;

export interface Row {
  id: string;
  planId: string;
  kind: string;
  stepKey: string | null;
  actor: string;
  reason: string | null;
  status: "APPLIED" | "REJECTED";
  rejectionCode: string | null;
  rejectionReason: string | null;
  diff: any;
  args: any;
  planVersion: number;
  at: string;
}

/** The helpers, bound to the test file's current API (made anew before each test). */

export const OPS = "ops";
export const FIELDS = `id planId kind stepKey actor reason status rejectionCode rejectionReason diff args planVersion at`;
export const AUDIT = `$reason: String, $v: Int`;
export const AUDIT_ARGS = `reason: $reason, expectedVersion: $v`;
export const M = {
  pausePlan: `mutation($id: ID!, ${AUDIT}) { pausePlan(id: $id, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  resumePlan: `mutation($id: ID!, ${AUDIT}) { resumePlan(id: $id, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  cancelPlan: `mutation($id: ID!, ${AUDIT}) { cancelPlan(id: $id, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  retryStep: `mutation($id: ID!, $key: String!, $input: JSON, ${AUDIT}) { retryStep(planId: $id, stepKey: $key, input: $input, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  skipStep: `mutation($id: ID!, $key: String!, $output: JSON, ${AUDIT}) { skipStep(planId: $id, stepKey: $key, output: $output, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  modifyStep: `mutation($id: ID!, $key: String!, $patch: StepPatchInput!, ${AUDIT}) { modifyStep(planId: $id, stepKey: $key, patch: $patch, ${AUDIT_ARGS}) { ${FIELDS} } }`,
} as const;
export const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id version } }`;
export const PLAN = `query($id: ID!) { plan(id: $id) { id state version result error { type message }
  steps { key state role input output config timeoutMs priority dependsOn attempts retryPolicy { maxAttempts initialIntervalMs maxIntervalMs backoffCoefficient } } } }`;

export type MutationName = keyof typeof M;

/** A fresh in-process API before each test (stopped after it), and helpers bound to it. */
export function useInterventionApi() {
  let current: Api;
  beforeEach(async () => {
    current = await makeApi();
  });
  afterEach(async () => {
    await current.stop();
  });
  const api = (): Api => current;

  /** Runs an intervention mutation as `actor` and returns the Intervention row (failing on GraphQL errors). */
  async function act(name: MutationName, variables: Record<string, unknown>, actor = OPS): Promise<Row> {
    const r = await api().exec<Record<string, Row>>(M[name], variables, actor);
    if (r.errors?.length) throw new Error(`${name}: unexpected errors ${JSON.stringify(r.errors)}`);
    return r.data![name]!;
  }

  /** The mutation's GraphQL errors (it must fail as a whole, with no data). */
  async function actError(name: MutationName, variables: Record<string, unknown>) {
    const r = await api().exec(M[name], variables, OPS);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.length).toBeGreaterThan(0);
    return r.errors![0]!;
  }

  async function createPlan(steps: Record<string, unknown>[], more: Record<string, unknown> = {}): Promise<string> {
    const { createPlan } = await api().ok(CREATE, { input: { name: "steered", steps: steps.map((s) => ({ role: "r", ...s })), ...more } });
    return createPlan.id;
  }

  async function planOf(id: string) {
    return (await api().ok(PLAN, { id })).plan;
  }

  const stateOf = async (id: string): Promise<Record<string, string>> =>
    Object.fromEntries((await planOf(id)).steps.map((s: { key: string; state: string }) => [s.key, s.state]));

  async function agent(roles = ["r"], concurrency = 4) {
    return (await api().coordinator.registerAgent({ name: `agent-${roles.join("+")}`, roles, concurrency })).id;
  }

  /** Claims one step (whichever is best) and returns its lease id and key. */
  async function claim(agentId: string): Promise<{ leaseId: string; key: string }> {
    const [g] = await api().coordinator.claim(agentId, 1);
    if (!g) throw new Error("nothing to claim");
    return { leaseId: g.lease.id, key: g.step.key };
  }

  const rowCount = async () => (await api().store.queries.interventions.list(null, 0, 10_000)).length;
  const signalHead = () => api().store.queries.signals.head();

  /** Every signal of the plan through GraphQL, oldest first. */
  async function signalsOf(id: string) {
    const d = await api().ok(`query($id: ID!) { signals(planId: $id, first: 500) { edges { node { sequence kind stepKey sender payload } } } }`, { id });
    return d.signals.edges.map((e: { node: any }) => e.node) as { sequence: number; kind: string; stepKey: string | null; sender: string; payload: any }[];
  }

  return { api, act, actError, createPlan, planOf, stateOf, agent, claim, rowCount, signalHead, signalsOf };
}
