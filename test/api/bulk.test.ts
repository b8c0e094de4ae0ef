/**
 * Bulk actions through the GraphQL API (in-process Apollo, a fresh database, manual clock):
 * pausePlans, resumePlans, cancelPlans and retryPlans by plan ids or by a filter, and the single
 * retryPlan. Each plan is changed as its single intervention would change it, audited with its
 * own interventions row and signal; refusals are listed per plan while the others apply.
 */
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/tokens.js";
import { MAX_BULK } from "../../src/coordinator/coordinator.js";
import { plan } from "../helpers/engine.js";
import { okAs, principals, useApi } from "../helpers/api.js";

const api = useApi();
const { operator, viewer } = principals;

const RESULT = `applied { planId interventionId planVersion state } rejected { planId code message interventionId } hasMore endCursor`;
const ARGS = `$plans: [PlanTarget!], $filter: PlanFilter, $first: Int, $after: String, $reason: String!`;
const PASS = `plans: $plans, filter: $filter, first: $first, after: $after, reason: $reason`;
const BULK = {
  pausePlans: `mutation(${ARGS}) { pausePlans(${PASS}) { ${RESULT} } }`,
  resumePlans: `mutation(${ARGS}) { resumePlans(${PASS}) { ${RESULT} } }`,
  cancelPlans: `mutation(${ARGS}, $compensate: Boolean) { cancelPlans(${PASS}, compensate: $compensate) { ${RESULT} } }`,
  retryPlans: `mutation(${ARGS}) { retryPlans(${PASS}) { ${RESULT} } }`,
} as const;
type Bulk = keyof typeof BULK;

interface Outcome {
  applied: { planId: string; interventionId: string; planVersion: number; state: string }[];
  rejected: { planId: string; code: string; message: string; interventionId: string | null }[];
  hasMore: boolean;
  endCursor: string | null;
}

/** Runs a bulk action as `p` (an operator by default) and returns its answer, failing on GraphQL errors. */
async function bulk(name: Bulk, variables: Record<string, unknown>, p: Principal = operator): Promise<Outcome> {
  return (await okAs<Record<Bulk, Outcome>>(api, p, BULK[name], variables))[name];
}

/** The GraphQL error of a bulk action that must fail as a whole. */
async function bulkError(name: Bulk, variables: Record<string, unknown>, p: Principal = operator) {
  const r = await api.exec(BULK[name], variables, p.name, p);
  expect(r.data ?? null).toBeNull();
  return r.errors![0]!;
}

/** A plan of two steps (`a` fails for good at its first failure), created a millisecond after the previous one. */
async function createPlan(name: string, more: Record<string, unknown> = {}): Promise<string> {
  await api.clock.advance(1);
  const { createPlan } = await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
    input: { name, steps: [{ key: "a", role: "r", retry: { maxAttempts: 1 } }, { key: "b", role: "r", dependsOn: ["a"] }], ...more },
  });
  return createPlan.id;
}

/** A plan whose step `a` failed for good: the plan FAILED. */
async function failedPlan(name: string, more: Record<string, unknown> = {}): Promise<string> {
  const id = await createPlan(name, { ...more, labels: ["failing", ...((more["labels"] as string[] | undefined) ?? [])] });
  const agent = await api.coordinator.registerAgent({ name: `agent-${name}`, roles: ["r"] });
  const [grant] = await api.coordinator.claim(agent.id, 1);
  await api.coordinator.fail(grant!.lease.id, { message: "broken" });
  return id;
}

const planOf = async (id: string) => (await api.ok(`query($id: ID!) { plan(id: $id) { state version steps { key state } } }`, { id })).plan;

const interventionsOf = async (id: string) =>
  (await api.ok(`query($id: ID!) { interventions(planId: $id) { edges { node { id kind actor reason status rejectionCode planVersion } } } }`, { id })).interventions.edges.map(
    (e: { node: unknown }) => e.node,
  );

const rowCount = async () => (await api.store.queries.interventions.list(null, 0, 10_000)).length;

describe("bulk actions by plan ids", () => {
  it("pausePlans pauses each plan as pausePlan does, with an APPLIED intervention and its signal per plan, attributed to the actor", async () => {
    const one = await createPlan("one");
    const two = await createPlan("two");
    const before = await planOf(one);
    const r = await bulk("pausePlans", { plans: [{ id: one, expectedVersion: before.version }, { id: two }], reason: "maintenance window" });
    expect(r.rejected).toEqual([]);
    expect(r).toMatchObject({ hasMore: false, endCursor: null });
    expect(r.applied.map((a) => [a.planId, a.state])).toEqual([
      [one, "PAUSED"],
      [two, "PAUSED"],
    ]);
    for (const a of r.applied) {
      const p = await planOf(a.planId);
      expect(p).toMatchObject({ state: "PAUSED", version: a.planVersion });
      expect(await interventionsOf(a.planId)).toEqual([
        { id: a.interventionId, kind: "PAUSE", actor: operator.name, reason: "maintenance window", status: "APPLIED", rejectionCode: null, planVersion: a.planVersion },
      ]);
      const signals = (await api.store.queries.signals.read({ planId: a.planId }, 0, 500)).filter((s) => s.kind === "PLAN_PAUSED" || s.kind.startsWith("INTERVENTION_"));
      expect(signals.map((s) => [s.kind, s.sender])).toEqual([
        ["PLAN_PAUSED", operator.name],
        ["INTERVENTION_APPLIED", operator.name],
      ]);
    }
    const resumed = await bulk("resumePlans", { plans: [{ id: one }, { id: two }], reason: "window over" });
    expect(resumed.applied.map((a) => a.state)).toEqual(["RUNNING", "RUNNING"]);
  });

  it("applies to the plans that can take it and lists the others with their code and reason, in the order given", async () => {
    const running = await createPlan("running");
    const paused = await createPlan("paused");
    await bulk("pausePlans", { plans: [{ id: paused }], reason: "first" });
    const stale = await createPlan("stale");
    const staleVersion = (await planOf(stale)).version;
    await bulk("pausePlans", { plans: [{ id: stale }], reason: "moves it on" });
    await bulk("resumePlans", { plans: [{ id: stale }], reason: "and back" });
    const rows = await rowCount();

    const r = await bulk("pausePlans", {
      plans: [{ id: paused }, { id: "plan_unknown" }, { id: running }, { id: stale, expectedVersion: staleVersion }],
      reason: "mixed",
    });
    expect(r.applied.map((a) => a.planId)).toEqual([running]);
    expect(r.rejected.map(({ planId, code }) => [planId, code])).toEqual([
      [paused, "INVALID_STATE"],
      ["plan_unknown", "NOT_FOUND"],
      [stale, "VERSION_CONFLICT"],
    ]);
    const [invalid, unknown, conflict] = r.rejected as [Outcome["rejected"][0], Outcome["rejected"][0], Outcome["rejected"][0]];
    expect(invalid.message).toContain("only a RUNNING plan can be paused; it is PAUSED");
    expect(unknown).toMatchObject({ message: "plan plan_unknown not found", interventionId: null });
    expect(conflict.message).toBe(`the plan is at version ${staleVersion + 2}, not ${staleVersion}`);
    // A refusal is recorded as for a single intervention (REJECTED, the plan unchanged); an unknown plan records nothing.
    expect(await rowCount()).toBe(rows + 3);
    expect((await interventionsOf(paused)).at(-1)).toMatchObject({ id: invalid.interventionId, status: "REJECTED", rejectionCode: "INVALID_STATE", reason: "mixed" });
    expect((await interventionsOf(stale)).at(-1)).toMatchObject({ id: conflict.interventionId, status: "REJECTED", rejectionCode: "VERSION_CONFLICT" });
    expect((await planOf(stale)).state).toBe("RUNNING");
    expect((await planOf(running)).state).toBe("PAUSED");
  });

  it("cancelPlans cancels, with compensate passed on to each plan", async () => {
    const plain = await createPlan("plain");
    const saga = await createPlan("saga", {
      steps: [
        { key: "a", role: "builtin.echo", compensate: "undo" },
        { key: "b", role: "r", dependsOn: ["a"] },
        { key: "undo", role: "r" },
      ],
    });
    const agent = await api.coordinator.registerAgent({ name: "echo", roles: ["builtin.echo"] }, true);
    const [grant] = await api.coordinator.claim(agent.id, 1);
    await api.coordinator.complete(grant!.lease.id, { ok: true });
    const r = await bulk("cancelPlans", { plans: [{ id: plain }, { id: saga }], reason: "abandoned", compensate: true });
    expect(r.applied.map((a) => [a.planId, a.state])).toEqual([
      [plain, "CANCELLED"], // nothing to undo
      [saga, "COMPENSATING"],
    ]);
    expect((await interventionsOf(saga))[0]).toMatchObject({ kind: "CANCEL", status: "APPLIED", reason: "abandoned" });
  });

  it("retryPlans runs each FAILED plan again from the step that failed it; retryPlan does it for one", async () => {
    const a = await failedPlan("a");
    const b = await failedPlan("b");
    const running = await createPlan("running");
    expect((await planOf(a)).steps.map((s: { state: string }) => s.state)).toEqual(["FAILED", "CANCELLED"]);
    const r = await bulk("retryPlans", { plans: [{ id: a }, { id: running }], reason: "upstream fixed" });
    expect(r.applied.map((x) => [x.planId, x.state])).toEqual([[a, "RUNNING"]]);
    expect(r.rejected).toMatchObject([{ planId: running, code: "INVALID_STATE", message: "only a FAILED plan can be retried; it is RUNNING" }]);
    expect((await planOf(a)).steps.map((s: { state: string }) => s.state)).toEqual(["READY", "PENDING"]);

    const one = await api.ok(`mutation($id: ID!) { retryPlan(id: $id, reason: "one more") { kind status diff planVersion } }`, { id: b });
    expect(one.retryPlan).toMatchObject({
      kind: "RETRY_PLAN",
      status: "APPLIED",
      diff: { plan: { state: { before: "FAILED", after: "RUNNING" }, reopenedSteps: ["b"] }, step: { key: "a", state: { before: "FAILED", after: "PENDING" } } },
    });
    expect(await planOf(b)).toMatchObject({ state: "RUNNING", version: one.retryPlan.planVersion });
  });
});

describe("bulk actions by filter", () => {
  it("act on the matching plans in a state the action accepts, and leave the others alone (no intervention recorded)", async () => {
    const mine = [await createPlan("nightly 1", { labels: ["nightly"] }), await createPlan("nightly 2", { labels: ["nightly"] })];
    const idle = await createPlan("nightly idle", { labels: ["nightly"], start: false });
    const other = await createPlan("other", { labels: ["weekly"] });
    const paused = await createPlan("nightly paused", { labels: ["nightly"] });
    await bulk("pausePlans", { plans: [{ id: paused }], reason: "before" });
    const rows = await rowCount();

    const r = await bulk("pausePlans", { filter: { labels: ["nightly"] }, reason: "pause the nightlies" });
    expect(r.applied.map((a) => a.planId)).toEqual([...mine].reverse()); // newest first
    expect(r.rejected).toEqual([]);
    expect(r.hasMore).toBe(false);
    expect(await rowCount()).toBe(rows + 2);
    for (const id of [idle, other]) expect(await interventionsOf(id)).toEqual([]);

    // The filter's states narrow the selection further; states the action refuses select nothing.
    const some = await bulk("cancelPlans", { filter: { labels: ["nightly"], states: ["IDLE", "COMPLETED"] }, reason: "tidy up" });
    expect(some.applied.map((a) => [a.planId, a.state])).toEqual([[idle, "CANCELLED"]]);
    const none = await bulk("resumePlans", { filter: { states: ["RUNNING"] }, reason: "nothing to resume" });
    expect(none).toEqual({ applied: [], rejected: [], hasMore: false, endCursor: null });
  });

  it("retryPlans with a filter takes the FAILED plans only; the filter's search and time range apply", async () => {
    await api.clock.advance(1_000);
    const old = await failedPlan("import old");
    await api.clock.advance(60_000);
    const since = new Date(api.clock.now()).toISOString();
    const recent = await failedPlan("import recent");
    const running = await createPlan("import running");
    const r = await bulk("retryPlans", { filter: { search: "IMPORT", createdAfter: since }, reason: "retry today's imports" });
    expect(r.applied.map((a) => [a.planId, a.state])).toEqual([[recent, "RUNNING"]]);
    expect(r.rejected).toEqual([]);
    expect((await planOf(old)).state).toBe("FAILED");
    expect((await planOf(running)).state).toBe("RUNNING");
    const byId = await bulk("retryPlans", { filter: { search: old }, reason: "that one too" });
    expect(byId.applied.map((a) => a.planId)).toEqual([old]);
  });

  it("walks the matching plans in pages: first, hasMore and endCursor; after continues where the last call stopped", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await createPlan(`p${i}`, { labels: ["batch"] }));
    }
    const newestFirst = [...ids].reverse();
    const p1 = await bulk("pausePlans", { filter: { labels: ["batch"] }, first: 2, reason: "page 1" });
    expect(p1.applied.map((a) => a.planId)).toEqual(newestFirst.slice(0, 2));
    expect(p1.hasMore).toBe(true);
    // Paused plans still match the labels; the cursor, not the state, moves the walk on.
    const p2 = await bulk("cancelPlans", { filter: { labels: ["batch"] }, first: 2, after: p1.endCursor, reason: "page 2" });
    expect(p2.applied.map((a) => a.planId)).toEqual(newestFirst.slice(2, 4));
    const p3 = await bulk("pausePlans", { filter: { labels: ["batch"] }, first: 2, after: p2.endCursor, reason: "page 3" });
    expect(p3.applied.map((a) => a.planId)).toEqual(newestFirst.slice(4));
    expect(p3.hasMore).toBe(false);
    const bad = await bulkError("pausePlans", { filter: {}, after: "not-a-cursor", reason: "x" });
    expect(bad.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it(`changes at most ${MAX_BULK} plans per call: the rest is left for the next call (hasMore)`, async () => {
    // IDLE plans written straight to the store: the bound is about the bulk action, not createPlan.
    const total = MAX_BULK + 1;
    await api.store.transact(async (s) => {
      for (let i = 0; i < total; i++) {
        await s.plans.insert(plan({ a: {} }, {}, "IDLE", { id: `plan_bulk${String(i).padStart(5, "0")}`, labels: ["many"], createdAt: api.clock.now() + i }));
      }
    });
    const r = await bulk("cancelPlans", { filter: { labels: ["many"] }, reason: "too many" });
    expect(r.applied).toHaveLength(MAX_BULK);
    expect(r.rejected).toEqual([]);
    expect(r.hasMore).toBe(true);
    expect(r.applied[0]!.planId).toBe(`plan_bulk${String(total - 1).padStart(5, "0")}`);
    const rest = await bulk("cancelPlans", { filter: { labels: ["many"] }, after: r.endCursor, reason: "too many" });
    expect(rest.applied.map((a) => a.planId)).toEqual(["plan_bulk00000"]);
    expect(rest.hasMore).toBe(false);
  }, 120_000); // 1,001 plans written, then 1,001 transactions: some 15 s on PostgreSQL on a busy machine
});

describe("bulk actions refused as a whole", () => {
  it("a viewer may not (FORBIDDEN), and nothing changes", async () => {
    const id = await createPlan("watched");
    for (const name of Object.keys(BULK) as Bulk[]) {
      const e = await bulkError(name, { plans: [{ id }], reason: "peek" }, viewer);
      expect(e.extensions).toMatchObject({ code: "FORBIDDEN", role: "viewer" });
    }
    expect(await rowCount()).toBe(0);
    expect((await planOf(id)).state).toBe("RUNNING");
  });

  it("plans and filter: exactly one of them (BAD_USER_INPUT), and nothing is recorded", async () => {
    const id = await createPlan("p");
    const neither = await bulkError("cancelPlans", { reason: "x" });
    expect(neither.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "plans", message: expect.stringContaining("or give a filter") }] });
    const both = await bulkError("cancelPlans", { plans: [{ id }], filter: { labels: ["x"] }, reason: "x" });
    expect(both.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "plans", message: "give plans or filter, not both" }] });
    const cursor = Buffer.from(JSON.stringify({ createdAt: 1, id: "plan_x" })).toString("base64url");
    const pagedIds = await bulkError("cancelPlans", { plans: [{ id }], first: 1, after: cursor, reason: "x" });
    expect(pagedIds.extensions?.["problems"]).toEqual([
      { path: "first", message: "goes with filter only" },
      { path: "after", message: "goes with filter only" },
    ]);
    const twice = await bulkError("cancelPlans", { plans: [{ id }, { id }], reason: "x" });
    expect(twice.extensions?.["problems"]).toEqual([{ path: "plans[1].id", message: `plan ${id} is listed twice` }]);
    const blank = await bulkError("cancelPlans", { plans: [{ id }], reason: "  " });
    expect(blank.extensions?.["problems"]).toMatchObject([{ path: "reason" }]);
    const noReason = await api.exec(BULK.cancelPlans, { plans: [{ id }] });
    expect(noReason.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT"); // reason: String! is required
    expect(await rowCount()).toBe(0);
    expect((await planOf(id)).state).toBe("RUNNING");
  });

  it(`more than ${MAX_BULK} ids, or first over ${MAX_BULK}, is BAD_USER_INPUT`, async () => {
    const plans = Array.from({ length: MAX_BULK + 1 }, (_, i) => ({ id: `plan_${i}` }));
    const tooMany = await bulkError("pausePlans", { plans, reason: "x" });
    expect(tooMany.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      problems: [{ path: "plans", message: `at most ${MAX_BULK} plans per call, got ${MAX_BULK + 1}: send them in several calls` }],
    });
    for (const first of [0, MAX_BULK + 1]) {
      const e = await bulkError("pausePlans", { filter: {}, first, reason: "x" });
      expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "first", message: `must be from 1 to ${MAX_BULK}, got ${first}` }] });
    }
    expect(await bulk("pausePlans", { plans: [], reason: "nothing" })).toEqual({ applied: [], rejected: [], hasMore: false, endCursor: null });
  });
});
