/**
 * Operator interventions through the GraphQL API (in-process Apollo, in-memory database,
 * manual clock): pausePlan, resumePlan, cancelPlan, retryStep, skipStep, modifyStep, the
 * interventions log (query, Plan.interventions, node) and the signals they leave behind.
 * Agents are driven through the coordinator directly; everything an operator does goes
 * through GraphQL with an actor.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeApi } from "../helpers/api.js";

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
beforeEach(async () => {
  api = await makeApi();
});
afterEach(async () => {
  await api.stop();
});

const OPS = "ops";
const FIELDS = `id planId kind stepKey actor reason status rejectionCode rejectionReason diff args planVersion at`;
const AUDIT = `$reason: String, $v: Int`;
const AUDIT_ARGS = `reason: $reason, expectedVersion: $v`;

const M = {
  pausePlan: `mutation($id: ID!, ${AUDIT}) { pausePlan(id: $id, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  resumePlan: `mutation($id: ID!, ${AUDIT}) { resumePlan(id: $id, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  cancelPlan: `mutation($id: ID!, ${AUDIT}) { cancelPlan(id: $id, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  retryStep: `mutation($id: ID!, $key: String!, $input: JSON, ${AUDIT}) { retryStep(planId: $id, stepKey: $key, input: $input, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  skipStep: `mutation($id: ID!, $key: String!, $output: JSON, ${AUDIT}) { skipStep(planId: $id, stepKey: $key, output: $output, ${AUDIT_ARGS}) { ${FIELDS} } }`,
  modifyStep: `mutation($id: ID!, $key: String!, $patch: StepPatchInput!, ${AUDIT}) { modifyStep(planId: $id, stepKey: $key, patch: $patch, ${AUDIT_ARGS}) { ${FIELDS} } }`,
} as const;
type MutationName = keyof typeof M;

interface Row {
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

/** Runs an intervention mutation as `actor` and returns the Intervention row (failing on GraphQL errors). */
async function act(name: MutationName, variables: Record<string, unknown>, actor = OPS): Promise<Row> {
  const r = await api.exec<Record<string, Row>>(M[name], variables, actor);
  if (r.errors?.length) throw new Error(`${name}: unexpected errors ${JSON.stringify(r.errors)}`);
  return r.data![name]!;
}

/** The mutation's GraphQL errors (it must fail as a whole, with no data). */
async function actError(name: MutationName, variables: Record<string, unknown>) {
  const r = await api.exec(M[name], variables, OPS);
  expect(r.data ?? null).toBeNull();
  expect(r.errors?.length).toBeGreaterThan(0);
  return r.errors![0]!;
}

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id version } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { id state version result error { type message }
  steps { key state role input output config timeoutMs priority dependsOn attempts retryPolicy { maxAttempts initialIntervalMs maxIntervalMs backoffCoefficient } } } }`;

async function createPlan(steps: Record<string, unknown>[], more: Record<string, unknown> = {}): Promise<string> {
  const { createPlan } = await api.ok(CREATE, { input: { name: "steered", steps: steps.map((s) => ({ role: "r", ...s })), ...more } });
  return createPlan.id;
}

async function planOf(id: string) {
  return (await api.ok(PLAN, { id })).plan;
}

const stateOf = async (id: string): Promise<Record<string, string>> =>
  Object.fromEntries((await planOf(id)).steps.map((s: { key: string; state: string }) => [s.key, s.state]));

function agent(roles = ["r"], concurrency = 4) {
  return api.coordinator.registerAgent({ name: `agent-${roles.join("+")}`, roles, concurrency }).id;
}

/** Claims one step (whichever is best) and returns its lease id and key. */
async function claim(agentId: string): Promise<{ leaseId: string; key: string }> {
  const [g] = await api.coordinator.claim(agentId, 1);
  if (!g) throw new Error("nothing to claim");
  return { leaseId: g.lease.id, key: g.step.key };
}

const rowCount = () => api.store.interventions.list(null, 0, 10_000).length;
const signalHead = () => api.store.signals.head();

/** Every signal of the plan through GraphQL, oldest first. */
async function signalsOf(id: string) {
  const d = await api.ok(`query($id: ID!) { signals(planId: $id, first: 500) { edges { node { sequence kind stepKey sender payload } } } }`, { id });
  return d.signals.edges.map((e: { node: any }) => e.node) as { sequence: number; kind: string; stepKey: string | null; sender: string; payload: any }[];
}

describe("pausePlan and resumePlan", () => {
  it("pause: APPLIED row with actor, reason, diff and the new plan version; no claims while PAUSED", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const before = await planOf(id);
    const row = await act("pausePlan", { id, reason: "investigating", v: before.version });
    expect(row).toMatchObject({
      planId: id,
      kind: "PAUSE",
      stepKey: null,
      actor: OPS,
      reason: "investigating",
      status: "APPLIED",
      rejectionCode: null,
      rejectionReason: null,
      diff: { state: { before: "RUNNING", after: "PAUSED" } },
      args: null,
      planVersion: before.version + 1,
    });
    expect(row.id).toMatch(/^int_/);
    expect(Number.isNaN(Date.parse(row.at))).toBe(false);
    const after = await planOf(id);
    expect(after).toMatchObject({ state: "PAUSED", version: row.planVersion });
    expect(after.steps.map((s: any) => s.state)).toEqual(["READY", "PENDING"]); // READY stays READY...
    expect(await api.coordinator.claim(agent(), 1)).toEqual([]); // ...but is not handed out
    const claimed = await api.exec(`mutation($a: ID!) { claimSteps(input: { agentId: $a }) { id } }`, { a: agent() });
    expect(claimed.data?.["claimSteps"]).toEqual([]);
  });

  it("resume: APPLIED row, the plan RUNNING again and its READY steps claimable", async () => {
    const id = await createPlan([{ key: "a" }]);
    const paused = await act("pausePlan", { id });
    const row = await act("resumePlan", { id, reason: "all clear" });
    expect(row).toMatchObject({
      kind: "RESUME",
      status: "APPLIED",
      actor: OPS,
      reason: "all clear",
      diff: { state: { before: "PAUSED", after: "RUNNING" } },
      planVersion: paused.planVersion + 1,
    });
    expect(await planOf(id)).toMatchObject({ state: "RUNNING", version: row.planVersion });
    expect((await claim(agent())).key).toBe("a");
  });

  it("a waiting long-poll claim is woken by resume", async () => {
    const id = await createPlan([{ key: "a" }]);
    await act("pausePlan", { id });
    const who = agent();
    const waiting = api.coordinator.claim(who, 1, 10_000);
    await act("resumePlan", { id });
    expect((await waiting).map((g) => g.step.key)).toEqual(["a"]);
  });

  it("REJECTED with INVALID_STATE: pausing a PAUSED plan, resuming a RUNNING one; nothing changes", async () => {
    const id = await createPlan([{ key: "a" }]);
    const running = await planOf(id);
    const resume = await act("resumePlan", { id, reason: "oops" });
    expect(resume).toMatchObject({ kind: "RESUME", status: "REJECTED", rejectionCode: "INVALID_STATE", diff: null, reason: "oops", actor: OPS, planVersion: running.version });
    expect(resume.rejectionReason).toMatch(/PAUSED.*RUNNING/);
    expect(await planOf(id)).toEqual(running);

    const paused = await act("pausePlan", { id });
    const snapshot = await planOf(id);
    const again = await act("pausePlan", { id });
    expect(again).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE", planVersion: paused.planVersion });
    expect(again.rejectionReason).toContain("PAUSED");
    expect(await planOf(id)).toEqual(snapshot);
  });

  it("running attempts may finish while PAUSED: results are kept, dependents become READY but are not claimed until resume", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const who = agent();
    const a = await claim(who);
    await act("pausePlan", { id });
    const hb = await api.ok(`mutation($l: ID!) { heartbeatStep(leaseId: $l, progress: 0.5) { cancelRequested } }`, { l: a.leaseId });
    expect(hb.heartbeatStep.cancelRequested).toBe(false); // leases still accept heartbeats
    await api.ok(`mutation($l: ID!) { completeStep(leaseId: $l, output: { kept: true }) { state } }`, { l: a.leaseId });
    const p = await planOf(id);
    expect(p.state).toBe("PAUSED");
    expect(p.steps.map((s: any) => [s.key, s.state, s.output])).toEqual([
      ["a", "SUCCEEDED", { kept: true }],
      ["b", "READY", null],
    ]);
    expect(await api.coordinator.claim(who, 1)).toEqual([]);
    await act("resumePlan", { id });
    expect((await claim(who)).key).toBe("b");
  });

  it("pause freezes the plan deadline: it falls due the remaining time after resume", async () => {
    const id = await createPlan([{ key: "a" }], { policy: { planTimeoutMs: 10_000 } });
    api.clock.advance(4_000);
    await act("pausePlan", { id });
    api.clock.advance(60_000);
    expect((await planOf(id)).state).toBe("PAUSED");
    await act("resumePlan", { id });
    api.clock.advance(5_999);
    expect((await planOf(id)).state).toBe("RUNNING");
    api.clock.advance(1);
    expect(await planOf(id)).toMatchObject({ state: "FAILED", error: { type: "PLAN_TIMEOUT" } });
  });

  it("lease expiry does not freeze: an attempt not heartbeaten while PAUSED is LOST, and its retry waits for resume", async () => {
    const id = await createPlan([{ key: "a" }], { policy: { heartbeatTimeoutMs: 1_000 } });
    const who = agent();
    await claim(who);
    await act("pausePlan", { id });
    api.clock.advance(1_000);
    expect(api.store.attempts.list(id).map((t) => t.outcome)).toEqual(["LOST"]);
    expect(await stateOf(id)).toEqual({ a: "READY" });
    expect(await api.coordinator.claim(who, 1)).toEqual([]);
    await act("resumePlan", { id });
    expect((await claim(who)).key).toBe("a");
  });

  it("pause freezes a retry backoff and a step timeout; both run on after resume with the time they had left", async () => {
    const id = await createPlan(
      [
        { key: "flaky", retry: { initialIntervalMs: 1_000 } },
        { key: "slow", timeoutMs: 5_000 },
      ],
      { policy: { maxParallel: 2, heartbeatTimeoutMs: 100_000 } },
    );
    const who = agent();
    const first = await claim(who);
    const second = await claim(who);
    const flaky = first.key === "flaky" ? first : second;
    api.coordinator.fail(flaky.leaseId, { message: "transient" }); // WAITING until +1000
    api.clock.advance(400);
    await act("pausePlan", { id }); // backoff has 600 left, the timeout 4600
    api.clock.advance(30_000);
    expect(await stateOf(id)).toEqual({ flaky: "WAITING", slow: "RUNNING" });
    await act("resumePlan", { id });
    api.clock.advance(599);
    expect((await stateOf(id))["flaky"]).toBe("WAITING");
    api.clock.advance(1);
    expect((await stateOf(id))["flaky"]).toBe("READY");
    api.clock.advance(3_999);
    expect((await stateOf(id))["slow"]).toBe("RUNNING");
    api.clock.advance(1);
    expect(api.store.attempts.list(id, "slow").map((t) => t.outcome)).toEqual(["TIMED_OUT"]);
  });
});

describe("cancelPlan", () => {
  it("APPLIED: the plan and its unfinished steps CANCELLED; the running lease hears cancelRequested and its completion is refused", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }, { key: "c" }], { policy: { maxParallel: 1 } });
    const who = agent();
    const running = await claim(who);
    const before = await planOf(id);
    const row = await act("cancelPlan", { id, reason: "wrong input", v: before.version });
    expect(row).toMatchObject({
      kind: "CANCEL",
      status: "APPLIED",
      actor: OPS,
      reason: "wrong input",
      diff: { state: { before: "RUNNING", after: "CANCELLED" } },
      planVersion: before.version + 1,
    });
    const p = await planOf(id);
    expect(p).toMatchObject({ state: "CANCELLED", version: row.planVersion });
    expect(p.steps.map((s: any) => s.state)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
    const hb = await api.ok(`mutation($l: ID!) { heartbeatStep(leaseId: $l) { cancelRequested } }`, { l: running.leaseId });
    expect(hb.heartbeatStep.cancelRequested).toBe(true);
    const late = await api.exec(`mutation($l: ID!) { completeStep(leaseId: $l, output: 1) { state } }`, { l: running.leaseId });
    expect(late.errors?.[0]?.extensions?.["code"]).toBe("CONFLICT");
    expect(api.store.attempts.list(id).map((t) => [t.stepKey, t.outcome])).toEqual([[running.key, "CANCELLED"]]);
    expect(await planOf(id)).toEqual(p);
  });

  it("cancels a PAUSED plan too; cancelling a finished plan is REJECTED with INVALID_STATE", async () => {
    const id = await createPlan([{ key: "a" }]);
    await act("pausePlan", { id });
    expect((await act("cancelPlan", { id })).diff).toEqual({ state: { before: "PAUSED", after: "CANCELLED" } });
    const cancelled = await planOf(id);
    const again = await act("cancelPlan", { id });
    expect(again).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE", planVersion: cancelled.version });
    expect(again.rejectionReason).toContain("CANCELLED");
    expect(await planOf(id)).toEqual(cancelled);
  });
});

describe("retryStep", () => {
  async function failedPlan() {
    const id = await createPlan([
      { key: "a", retry: { maxAttempts: 1 }, input: { n: 1 } },
      { key: "b", dependsOn: ["a"] },
      { key: "c", dependsOn: ["b"] },
    ]);
    const who = agent();
    const { leaseId } = await claim(who);
    api.coordinator.fail(leaseId, { message: "bad input" });
    return { id, who };
  }

  it("APPLIED on a FAILED plan: the step READY with its new input, the steps cancelled with it PENDING, the plan RUNNING", async () => {
    const { id } = await failedPlan();
    const before = await planOf(id);
    expect(before.state).toBe("FAILED");
    expect(before.steps.map((s: any) => s.state)).toEqual(["FAILED", "CANCELLED", "CANCELLED"]);
    const row = await act("retryStep", { id, key: "a", input: { n: 2 }, reason: "fixed the input", v: before.version });
    expect(row).toMatchObject({
      kind: "RETRY_STEP",
      stepKey: "a",
      actor: OPS,
      reason: "fixed the input",
      status: "APPLIED",
      args: { stepKey: "a", input: { n: 2 } },
      planVersion: before.version + 1,
      diff: {
        step: { key: "a", state: { before: "FAILED", after: "PENDING" } },
        input: { before: { n: 1 }, after: { n: 2 } },
        plan: { state: { before: "FAILED", after: "RUNNING" }, reopenedSteps: ["b", "c"] },
      },
    });
    const p = await planOf(id);
    expect(p).toMatchObject({ state: "RUNNING", version: row.planVersion, error: null });
    expect(p.steps.map((s: any) => [s.key, s.state, s.input])).toEqual([
      ["a", "READY", { n: 2 }],
      ["b", "PENDING", null],
      ["c", "PENDING", null],
    ]);
  });

  it("the retry budget starts again (attemptBase) while the attempt count goes on", async () => {
    const { id, who } = await failedPlan();
    await act("retryStep", { id, key: "a" });
    expect((await planOf(id)).steps[0].input).toEqual({ n: 1 }); // no input given: the old one stays
    const second = await claim(who);
    const lease = api.store.attempts.get(second.leaseId)!;
    expect(lease.attempt).toBe(2);
    api.coordinator.fail(second.leaseId, { message: "still bad" }); // maxAttempts 1 counts after the retry
    const p = await planOf(id);
    expect(p.state).toBe("FAILED");
    expect(p.steps[0]).toMatchObject({ state: "FAILED", attempts: 2 });
  });

  it("APPLIED on a CANCELLED plan: the plan runs again", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    await act("cancelPlan", { id });
    const row = await act("retryStep", { id, key: "a" });
    expect(row).toMatchObject({ status: "APPLIED", diff: { plan: { state: { before: "CANCELLED", after: "RUNNING" } } } });
    expect(await stateOf(id)).toEqual({ a: "READY", b: "PENDING" });
    expect((await planOf(id)).state).toBe("RUNNING");
  });

  it("re-runs a SKIPPED step in a RUNNING plan", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b" }]);
    await act("skipStep", { id, key: "b", output: { stub: true } });
    const row = await act("retryStep", { id, key: "b" });
    expect(row.diff).toMatchObject({ step: { key: "b", state: { before: "SKIPPED", after: "PENDING" } } });
    const p = await planOf(id);
    expect(p.steps[1]).toMatchObject({ state: "READY", output: null });
  });

  it("REJECTED: a step that has not failed (INVALID_STATE), an unknown step (NOT_FOUND), a COMPLETED plan (INVALID_STATE)", async () => {
    const id = await createPlan([{ key: "a" }]);
    const before = await planOf(id);
    const ready = await act("retryStep", { id, key: "a" });
    expect(ready).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE", stepKey: "a", planVersion: before.version, diff: null });
    expect(ready.rejectionReason).toContain("READY");
    const ghost = await act("retryStep", { id, key: "ghost" });
    expect(ghost).toMatchObject({ status: "REJECTED", rejectionCode: "NOT_FOUND", stepKey: "ghost", planVersion: before.version });
    expect(ghost.rejectionReason).toContain("ghost");
    expect(await planOf(id)).toEqual(before);

    const { leaseId } = await claim(agent());
    api.coordinator.complete(leaseId, { done: true });
    const completed = await planOf(id);
    expect(completed.state).toBe("COMPLETED");
    const late = await act("retryStep", { id, key: "a" });
    expect(late).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE", planVersion: completed.version });
    expect(await planOf(id)).toEqual(completed);
  });
});

describe("skipStep", () => {
  it("APPLIED on a PENDING step: SKIPPED with the substitute output, which its dependent runs on and the plan result shows", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }, { key: "c", dependsOn: ["a", "b"] }]);
    const who = agent();
    const a = await claim(who);
    const before = await planOf(id);
    const row = await act("skipStep", { id, key: "b", output: { substitute: 42 }, reason: "not needed", v: before.version });
    expect(row).toMatchObject({
      kind: "SKIP_STEP",
      stepKey: "b",
      status: "APPLIED",
      reason: "not needed",
      args: { stepKey: "b", output: { substitute: 42 } },
      diff: { state: { before: "PENDING", after: "SKIPPED" }, output: { before: null, after: { substitute: 42 } } },
      planVersion: before.version + 1,
    });
    expect(await stateOf(id)).toEqual({ a: "RUNNING", b: "SKIPPED", c: "PENDING" }); // c still waits for a
    api.coordinator.complete(a.leaseId, "a-out");
    expect(await stateOf(id)).toEqual({ a: "SUCCEEDED", b: "SKIPPED", c: "READY" });
    const c = await claim(who);
    expect(c.key).toBe("c");
    api.coordinator.complete(c.leaseId, { saw: (await planOf(id)).steps[1].output });
    const p = await planOf(id);
    expect(p.state).toBe("COMPLETED");
    expect(p.steps[1]).toMatchObject({ state: "SKIPPED", output: { substitute: 42 } });
    expect(p.result).toEqual({ saw: { substitute: 42 } });
  });

  it("APPLIED on a READY step without output; skipping the last unfinished step completes the plan", async () => {
    const id = await createPlan([{ key: "a" }]);
    const row = await act("skipStep", { id, key: "a" });
    expect(row.diff).toEqual({ state: { before: "READY", after: "SKIPPED" }, output: { before: null, after: null } });
    expect(await planOf(id)).toMatchObject({ state: "COMPLETED", result: null });
  });

  it("APPLIED on a FAILED step of a plan reopened by retrying another step: its dependents run on", async () => {
    const id = await createPlan(
      [
        { key: "a", retry: { maxAttempts: 1 } },
        { key: "b" },
        { key: "c", dependsOn: ["a"] },
      ],
      { policy: { maxParallel: 1 } },
    );
    const who = agent();
    const a = await claim(who);
    expect(a.key).toBe("a");
    api.coordinator.fail(a.leaseId, { message: "broken" });
    expect(await stateOf(id)).toEqual({ a: "FAILED", b: "CANCELLED", c: "CANCELLED" });
    await act("retryStep", { id, key: "b" }); // reopens the plan; a stays FAILED
    expect(await stateOf(id)).toEqual({ a: "FAILED", b: "READY", c: "PENDING" });
    const row = await act("skipStep", { id, key: "a", output: { manual: true } });
    expect(row).toMatchObject({ status: "APPLIED", diff: { state: { before: "FAILED", after: "SKIPPED" } } });
    expect(await stateOf(id)).toEqual({ a: "SKIPPED", b: "READY", c: "READY" });
  });

  it("REJECTED: a RUNNING step (INVALID_STATE), an unknown step (NOT_FOUND), a finished plan (INVALID_STATE)", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b" }], { policy: { maxParallel: 1 } });
    const { key } = await claim(agent());
    const before = await planOf(id);
    const running = await act("skipStep", { id, key });
    expect(running).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE", planVersion: before.version });
    expect(running.rejectionReason).toContain("RUNNING");
    expect(await act("skipStep", { id, key: "nope" })).toMatchObject({ status: "REJECTED", rejectionCode: "NOT_FOUND" });
    expect(await planOf(id)).toEqual(before);
    await act("cancelPlan", { id });
    expect(await act("skipStep", { id, key: key === "a" ? "b" : "a" })).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE" });
  });
});

describe("modifyStep", () => {
  it("APPLIED: changes input, role, timeout, retry, priority, dependencies and config of a PENDING step, with a before/after diff", async () => {
    const id = await createPlan([
      { key: "a" },
      { key: "x" },
      { key: "b", dependsOn: ["a"], input: { old: true }, timeoutMs: 1_000, config: { k: 1 } },
    ]);
    const before = await planOf(id);
    const b0 = before.steps[2];
    const patch = {
      input: { new: true },
      role: "reviewer",
      timeoutMs: 9_000,
      retry: { maxAttempts: 7 },
      priority: "URGENT",
      dependsOn: ["a", "x", "x"],
      config: { k: 2 },
    };
    const row = await act("modifyStep", { id, key: "b", patch, reason: "re-plan", v: before.version });
    expect(row).toMatchObject({ kind: "MODIFY_STEP", stepKey: "b", status: "APPLIED", actor: OPS, reason: "re-plan", planVersion: before.version + 1 });
    expect(row.diff).toEqual({
      input: { before: { old: true }, after: { new: true } },
      role: { before: "r", after: "reviewer" },
      timeoutMs: { before: 1_000, after: 9_000 },
      priority: { before: "NORMAL", after: "URGENT" },
      config: { before: { k: 1 }, after: { k: 2 } },
      dependsOn: { before: ["a"], after: ["a", "x"] },
      retry: { before: expect.objectContaining({ maxAttempts: 3 }), after: expect.objectContaining({ maxAttempts: 7 }) },
    });
    expect(row.args).toMatchObject({ stepKey: "b", patch: { role: "reviewer", timeoutMs: 9_000 } });
    const b = (await planOf(id)).steps[2];
    expect(b).toMatchObject({
      state: "PENDING",
      role: "reviewer",
      input: { new: true },
      timeoutMs: 9_000,
      priority: "URGENT",
      dependsOn: ["a", "x"],
      config: { k: 2 },
      retryPolicy: { ...b0.retryPolicy, maxAttempts: 7 }, // the other retry fields kept
    });
  });

  it("a new role decides who claims a READY step; dropping dependencies makes a PENDING step READY", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    await act("modifyStep", { id, key: "a", patch: { role: "special" } });
    expect(await api.coordinator.claim(agent(["r"]), 1)).toEqual([]);
    expect((await claim(agent(["special"]))).key).toBe("a");
    await act("modifyStep", { id, key: "b", patch: { dependsOn: [] } });
    expect((await stateOf(id))["b"]).toBe("READY");
    const kinds = (await signalsOf(id)).map((s) => `${s.kind}:${s.stepKey ?? ""}`);
    expect(kinds.slice(-2)).toEqual(["STEP_READY:b", "INTERVENTION_APPLIED:b"]);
  });

  it("new dependencies hold a READY step back (PENDING until they are done)", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b" }], { policy: { maxParallel: 1 } });
    await act("modifyStep", { id, key: "b", patch: { dependsOn: ["a"] } });
    expect(await stateOf(id)).toEqual({ a: "READY", b: "PENDING" });
  });

  it("a WAITING step (retry backoff) may be modified", async () => {
    const id = await createPlan([{ key: "a", retry: { initialIntervalMs: 1_000 } }]);
    const { leaseId } = await claim(agent());
    api.coordinator.fail(leaseId, { message: "transient" });
    expect(await stateOf(id)).toEqual({ a: "WAITING" });
    const row = await act("modifyStep", { id, key: "a", patch: { input: { patched: true } } });
    expect(row.status).toBe("APPLIED");
    api.clock.advance(1_000);
    expect((await planOf(id)).steps[0]).toMatchObject({ state: "READY", input: { patched: true } });
  });

  it("REJECTED with INVALID_PLAN: a dependency cycle, an unknown dependency, a self dependency; the plan unchanged", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }, { key: "c", dependsOn: ["b"] }]);
    const before = await planOf(id);
    const cycle = await act("modifyStep", { id, key: "a", patch: { dependsOn: ["c"] } });
    expect(cycle).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_PLAN", diff: null, planVersion: before.version });
    expect(cycle.rejectionReason).toMatch(/dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
    const unknown = await act("modifyStep", { id, key: "b", patch: { dependsOn: ["a", "ghost"] } });
    expect(unknown).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_PLAN" });
    expect(unknown.rejectionReason).toContain('unknown step "ghost"');
    const self = await act("modifyStep", { id, key: "c", patch: { dependsOn: ["c"] } });
    expect(self).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_PLAN" });
    expect(self.rejectionReason).toContain("depends on itself");
    expect(await planOf(id)).toEqual(before);
  });

  it("REJECTED with INVALID_STATE for a step that has started or finished, NOT_FOUND for an unknown step", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b" }], { policy: { maxParallel: 2 } });
    const who = agent();
    const first = await claim(who);
    const second = await claim(who);
    api.coordinator.complete(second.leaseId, null);
    const before = await planOf(id);
    const running = await act("modifyStep", { id, key: first.key, patch: { input: 1 } });
    expect(running).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE" });
    expect(running.rejectionReason).toContain("RUNNING");
    const done = await act("modifyStep", { id, key: second.key, patch: { input: 1 } });
    expect(done).toMatchObject({ status: "REJECTED", rejectionCode: "INVALID_STATE" });
    expect(done.rejectionReason).toContain("SUCCEEDED");
    expect(await act("modifyStep", { id, key: "zz", patch: { input: 1 } })).toMatchObject({ status: "REJECTED", rejectionCode: "NOT_FOUND" });
    expect(await planOf(id)).toEqual(before);
  });

  it("malformed patch values are BAD_USER_INPUT GraphQL errors: no row, no signal, nothing changed", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const before = await planOf(id);
    const rows = rowCount();
    const head = signalHead();
    const bad: [Record<string, unknown>, string][] = [
      [{ timeoutMs: -1 }, "patch.timeoutMs"],
      [{ timeoutMs: 0 }, "patch.timeoutMs"],
      [{ role: "" }, "patch.role"],
      [{ role: "   " }, "patch.role"],
      [{ retry: { maxAttempts: 0 } }, "patch.retry.maxAttempts"],
      [{ retry: { backoffCoefficient: 0.5 } }, "patch.retry.backoffCoefficient"],
      [{ dependsOn: [""] }, "patch.dependsOn"],
    ];
    for (const [patch, path] of bad) {
      const e = await actError("modifyStep", { id, key: "b", patch });
      expect(e.extensions?.["code"], JSON.stringify(patch)).toBe("BAD_USER_INPUT");
      expect(e.message, JSON.stringify(patch)).toContain(path);
    }
    const wrongType = await actError("modifyStep", { id, key: "b", patch: { timeoutMs: "soon" } });
    expect(wrongType.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(rowCount()).toBe(rows);
    expect(signalHead()).toBe(head);
    expect(await planOf(id)).toEqual(before);
  });
});

describe("expectedVersion", () => {
  it("a stale version is REJECTED with VERSION_CONFLICT for every kind, and nothing changes", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const before = await planOf(id);
    const stale = before.version - 1;
    const requests: [MutationName, Record<string, unknown>][] = [
      ["pausePlan", { id }],
      ["cancelPlan", { id }],
      ["skipStep", { id, key: "b" }],
      ["modifyStep", { id, key: "b", patch: { input: 1 } }],
      ["retryStep", { id, key: "a" }],
      ["resumePlan", { id }],
    ];
    for (const [name, vars] of requests) {
      const row = await act(name, { ...vars, v: stale });
      expect(row, name).toMatchObject({ status: "REJECTED", rejectionCode: "VERSION_CONFLICT", diff: null, planVersion: before.version });
      expect(row.rejectionReason, name).toBe(`the plan is at version ${before.version}, not ${stale}`);
    }
    expect(await planOf(id)).toEqual(before);
    const ahead = await act("pausePlan", { id, v: before.version + 1 });
    expect(ahead.rejectionCode).toBe("VERSION_CONFLICT");
    const current = await act("pausePlan", { id, v: before.version });
    expect(current).toMatchObject({ status: "APPLIED", planVersion: before.version + 1 });
  });

  it("two operators on the same version: the first applies, the second is refused", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b" }]);
    const { version } = await planOf(id);
    const alice = await act("skipStep", { id, key: "a", v: version }, "alice");
    const bob = await act("modifyStep", { id, key: "b", patch: { input: { bob: true } }, v: version }, "bob");
    expect(alice).toMatchObject({ status: "APPLIED", actor: "alice", planVersion: version + 1 });
    expect(bob).toMatchObject({ status: "REJECTED", actor: "bob", rejectionCode: "VERSION_CONFLICT", planVersion: version + 1 });
    expect((await planOf(id)).steps[1].input).toBeNull();
  });
});

describe("unknown plans", () => {
  it("every mutation on an unknown plan id is a NOT_FOUND GraphQL error and records nothing", async () => {
    await createPlan([{ key: "a" }]);
    const rows = rowCount();
    const head = signalHead();
    const requests: [MutationName, Record<string, unknown>][] = [
      ["pausePlan", { id: "plan_missing" }],
      ["resumePlan", { id: "plan_missing" }],
      ["cancelPlan", { id: "plan_missing", v: 1 }],
      ["retryStep", { id: "plan_missing", key: "a" }],
      ["skipStep", { id: "plan_missing", key: "a" }],
      ["modifyStep", { id: "plan_missing", key: "a", patch: { input: 1 } }],
    ];
    for (const [name, vars] of requests) {
      const e = await actError(name, vars);
      expect(e.extensions?.["code"], name).toBe("NOT_FOUND");
      expect(e.message, name).toContain("plan_missing");
    }
    expect(rowCount()).toBe(rows);
    expect(signalHead()).toBe(head);
  });
});

describe("the interventions log", () => {
  /** Five interventions on plan `id` (applied and rejected) and one on another plan. */
  async function history() {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const other = await createPlan([{ key: "z" }]);
    const made: Row[] = [];
    made.push(await act("pausePlan", { id, reason: "1" }));
    made.push(await act("pausePlan", { id, reason: "2" })); // REJECTED
    api.clock.advance(5);
    await act("pausePlan", { id: other });
    made.push(await act("skipStep", { id, key: "b", output: 1, reason: "3" }, "alice"));
    made.push(await act("resumePlan", { id, reason: "4" }));
    made.push(await act("modifyStep", { id, key: "a", patch: { input: 5 }, reason: "5" }, "bob"));
    return { id, other, made };
  }

  it("interventions(planId) lists a plan's rows oldest first, with cursor paging", async () => {
    const { id, made } = await history();
    const Q = `query($id: ID, $first: Int, $after: String) { interventions(planId: $id, first: $first, after: $after) {
      edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const all = (await api.ok(Q, { id })).interventions;
    expect(all.edges.map((e: any) => e.node)).toEqual(made);
    expect(all.edges.map((e: any) => e.node.reason)).toEqual(["1", "2", "3", "4", "5"]);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const p1 = (await api.ok(Q, { id, first: 2 })).interventions;
    expect(p1.edges.map((e: any) => e.node.reason)).toEqual(["1", "2"]);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: p1.edges[0].cursor, endCursor: p1.edges[1].cursor });
    const p2 = (await api.ok(Q, { id, first: 2, after: p1.pageInfo.endCursor })).interventions;
    expect(p2.edges.map((e: any) => e.node.reason)).toEqual(["3", "4"]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = (await api.ok(Q, { id, first: 2, after: p2.pageInfo.endCursor })).interventions;
    expect(p3.edges.map((e: any) => e.node.reason)).toEqual(["5"]);
    expect(p3.pageInfo.hasNextPage).toBe(false);

    const everything = (await api.ok(Q, {})).interventions;
    expect(everything.edges).toHaveLength(6); // every plan's, still oldest first
    expect(everything.edges[2].node.reason).toBeNull();

    const bad = await api.exec(Q, { id, after: "garbage" });
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const tooMany = await api.exec(Q, { id, first: 501 });
    expect(tooMany.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect((await api.ok(Q, { id: "plan_unknown" })).interventions.edges).toEqual([]);
  });

  it("Plan.interventions lists the same rows with paging; node(id) finds one", async () => {
    const { id, other, made } = await history();
    const Q = `query($id: ID!, $first: Int, $after: String) { plan(id: $id) { interventions(first: $first, after: $after) {
      edges { cursor node { id kind status actor reason planVersion } } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await api.ok(Q, { id, first: 3 })).plan.interventions;
    expect(first.edges.map((e: any) => [e.node.kind, e.node.status, e.node.actor])).toEqual([
      ["PAUSE", "APPLIED", OPS],
      ["PAUSE", "REJECTED", OPS],
      ["SKIP_STEP", "APPLIED", "alice"],
    ]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await api.ok(Q, { id, after: first.pageInfo.endCursor })).plan.interventions;
    expect(rest.edges.map((e: any) => e.node.id)).toEqual(made.slice(3).map((r) => r.id));
    expect((await api.ok(Q, { id: other })).plan.interventions.edges.map((e: any) => e.node.kind)).toEqual(["PAUSE"]);

    const skip = made[2]!;
    const n = await api.ok(`query($id: ID!) { node(id: $id) { id ... on Intervention { ${FIELDS} } } }`, { id: skip.id });
    expect(n.node).toEqual(skip);
    expect((await api.ok(`{ node(id: "int_0000") { id } }`)).node).toBeNull();
  });

  it("planVersion of each APPLIED row is the version the plan reached; a REJECTED row keeps the version it saw", async () => {
    const { id, made } = await history();
    const [pause, rejected, skip, resume, modify] = made as [Row, Row, Row, Row, Row];
    expect(rejected.planVersion).toBe(pause.planVersion);
    expect(skip.planVersion).toBe(pause.planVersion + 1);
    expect(resume.planVersion).toBe(skip.planVersion + 1);
    expect(modify.planVersion).toBe(resume.planVersion + 1);
    expect((await planOf(id)).version).toBe(modify.planVersion);
  });
});

describe("intervention signals", () => {
  it("INTERVENTION_APPLIED follows the engine's signals, all sent by the actor; INTERVENTION_REJECTED names the code", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }]);
    const start = signalHead();
    const pause = await act("pausePlan", { id, reason: "look" }, "carol");
    const rejected = await act("resumePlan", { id: id, v: 1 }, "dave");
    const skip = await act("skipStep", { id, key: "a", output: { s: 1 } }, "carol");
    const fresh = (await signalsOf(id)).filter((s) => s.sequence > start);
    expect(fresh.map((s) => [s.kind, s.stepKey, s.sender])).toEqual([
      ["PLAN_PAUSED", null, "carol"],
      ["INTERVENTION_APPLIED", null, "carol"],
      ["CHECKPOINT_CREATED", null, "carol"],
      ["INTERVENTION_REJECTED", null, "dave"],
      ["STEP_SKIPPED", "a", "carol"],
      ["STEP_READY", "b", "carol"],
      ["INTERVENTION_APPLIED", "a", "carol"],
    ]);
    expect(fresh[1]!.payload).toEqual({ interventionId: pause.id, kind: "PAUSE", reason: "look", diff: pause.diff });
    expect(fresh[2]!.payload).toMatchObject({ reason: "PAUSE" });
    expect(fresh[3]!.payload).toEqual({ interventionId: rejected.id, kind: "RESUME", rejectionCode: "VERSION_CONFLICT", reason: null, rejectionReason: rejected.rejectionReason });
    expect(fresh[4]!.payload).toEqual({ output: { s: 1 } });
    expect(fresh[6]!.payload).toMatchObject({ interventionId: skip.id, kind: "SKIP_STEP", diff: skip.diff });
    const seqs = fresh.map((s) => s.sequence);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it("the signals of cancel and retry", async () => {
    const id = await createPlan([{ key: "a" }]);
    await claim(agent());
    const start = signalHead();
    await act("cancelPlan", { id });
    await act("retryStep", { id, key: "a" });
    const fresh = (await signalsOf(id)).filter((s) => s.sequence > start);
    expect(fresh.map((s) => `${s.kind}:${s.sender}`)).toEqual([
      "STEP_CANCELLED:ops",
      "PLAN_CANCELLED:ops",
      "INTERVENTION_APPLIED:ops",
      "PLAN_RESUMED:ops",
      "STEP_READY:ops",
      "INTERVENTION_APPLIED:ops",
    ]);
  });
});

/**
 * Gaps found while testing (see the report). Each test states what the rules promise and fails
 * against the current implementation.
 */
describe("regressions", () => {
  it("a WAITING step given an unfinished dependency must not become READY when its backoff ends", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", retry: { initialIntervalMs: 1_000 } }], { policy: { maxParallel: 2 } });
    const who = agent();
    const first = await claim(who);
    const second = await claim(who);
    const b = first.key === "b" ? first : second;
    const a = first.key === "a" ? first : second;
    api.coordinator.fail(b.leaseId, { message: "transient" });
    expect(await stateOf(id)).toEqual({ a: "RUNNING", b: "WAITING" });
    const row = await act("modifyStep", { id, key: "b", patch: { dependsOn: ["a"] } });
    expect(row.status).toBe("APPLIED");
    api.clock.advance(1_000); // RetryDue
    expect((await stateOf(id))["b"]).not.toBe("READY"); // b now needs a, which is still RUNNING
    api.coordinator.complete(a.leaseId, null);
    expect((await stateOf(id))["b"]).toBe("READY");
  });

  it("modifyStep refuses a retry patch that, merged over the step's own policy, is invalid", async () => {
    const id = await createPlan([{ key: "slow", retry: { initialIntervalMs: 5_000, maxIntervalMs: 60_000 } }]);
    // 2000 < the step's initialIntervalMs of 5000: must not be stored (BAD_USER_INPUT or REJECTED INVALID_PLAN).
    const r = await api.exec(M.modifyStep, { id, key: "slow", patch: { retry: { maxIntervalMs: 2_000 } } }, OPS);
    const slow = (await planOf(id)).steps[0].retryPolicy;
    expect(slow.maxIntervalMs >= slow.initialIntervalMs, `stored ${JSON.stringify(slow)}; got ${JSON.stringify(r)}`).toBe(true);
  });

  it("modifyStep accepts a retry patch that is valid for the step's own policy", async () => {
    const id = await createPlan([{ key: "fast", retry: { initialIntervalMs: 100, maxIntervalMs: 500 } }]);
    // 400 ≥ the step's initialIntervalMs of 100: valid for this step (it is checked against DEFAULT_RETRY's 1000).
    const r = await api.exec(M.modifyStep, { id, key: "fast", patch: { retry: { maxIntervalMs: 400 } } }, OPS);
    expect(r.errors?.map((e) => e.message), JSON.stringify(r.errors)).toBeUndefined();
    expect((r.data as any).modifyStep.status).toBe("APPLIED");
    expect((await planOf(id)).steps[0].retryPolicy).toMatchObject({ initialIntervalMs: 100, maxIntervalMs: 400 });
  });

  it("modifyStep re-checks built-in role config as createPlan does: a new builtin role without its config", async () => {
    const id = await createPlan([{ key: "a", role: "r" }]);
    // createPlan refuses { role: "builtin.http" } without config.url (BAD_USER_INPUT); so must this.
    const r = await api.exec(M.modifyStep, { id, key: "a", patch: { role: "builtin.http" } }, OPS);
    expect((await planOf(id)).steps[0].role, JSON.stringify(r)).toBe("r");
  });

  it("modifyStep re-checks built-in role config as createPlan does: a builtin step's new config", async () => {
    const id = await createPlan([{ key: "a", role: "r" }, { key: "w", role: "builtin.wait", config: { ms: 10 }, dependsOn: ["a"] }]);
    const r = await api.exec(M.modifyStep, { id, key: "w", patch: { config: { ms: "soon" } } }, OPS);
    expect((await planOf(id)).steps[1].config, JSON.stringify(r)).toEqual({ ms: 10 });
  });

  it("retrying a SKIPPED step holds back its dependents that were released by the skip", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }], { policy: { maxParallel: 2 } });
    await act("skipStep", { id, key: "a" });
    expect(await stateOf(id)).toEqual({ a: "SKIPPED", b: "READY" });
    await act("retryStep", { id, key: "a" });
    expect(await stateOf(id)).toEqual({ a: "READY", b: "PENDING" }); // b needs a again
  });

  it("a retry backoff that starts during a pause keeps a retryAt that matches its timer after resume", async () => {
    const id = await createPlan([{ key: "a", retry: { initialIntervalMs: 1_000 } }]);
    const { leaseId } = await claim(agent());
    await act("pausePlan", { id });
    api.clock.advance(10_000);
    api.coordinator.fail(leaseId, { message: "transient" }); // WAITING, its 1000 ms frozen
    api.clock.advance(5_000);
    await act("resumePlan", { id });
    const resumedAt = api.clock.now();
    const step = api.store.plans.load(id)!.steps[0]!;
    api.clock.advance(1_000);
    expect((await stateOf(id))["a"]).toBe("READY"); // the timer: 1000 ms after resume
    expect(step.retryAt).toBe(resumedAt + 1_000); // the model should say the same
  });
});
