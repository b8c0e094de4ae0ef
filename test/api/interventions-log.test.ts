/**
 * Operator interventions through the GraphQL API, continued: expectedVersion, unknown plans,
 * the interventions log (query, Plan.interventions, node), the signals they leave behind,
 * and regressions.
 * Agents are driven through the coordinator directly; everything an operator does goes
 * through GraphQL with an actor.
 */
import { describe, expect, it } from "vitest";
import { AUDIT, AUDIT_ARGS, CREATE, FIELDS, useInterventionApi, M, OPS, PLAN, type MutationName, type Row } from "../helpers/interventions.js";

const { api, act, actError, createPlan, planOf, stateOf, agent, claim, rowCount, signalHead, signalsOf } = useInterventionApi();

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
    const rows = await rowCount();
    const head = await signalHead();
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
    expect(await rowCount()).toBe(rows);
    expect(await signalHead()).toBe(head);
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
    await api().clock.advance(5);
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
    const all = (await api().ok(Q, { id })).interventions;
    expect(all.edges.map((e: any) => e.node)).toEqual(made);
    expect(all.edges.map((e: any) => e.node.reason)).toEqual(["1", "2", "3", "4", "5"]);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const p1 = (await api().ok(Q, { id, first: 2 })).interventions;
    expect(p1.edges.map((e: any) => e.node.reason)).toEqual(["1", "2"]);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: p1.edges[0].cursor, endCursor: p1.edges[1].cursor });
    const p2 = (await api().ok(Q, { id, first: 2, after: p1.pageInfo.endCursor })).interventions;
    expect(p2.edges.map((e: any) => e.node.reason)).toEqual(["3", "4"]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const p3 = (await api().ok(Q, { id, first: 2, after: p2.pageInfo.endCursor })).interventions;
    expect(p3.edges.map((e: any) => e.node.reason)).toEqual(["5"]);
    expect(p3.pageInfo.hasNextPage).toBe(false);

    const everything = (await api().ok(Q, {})).interventions;
    expect(everything.edges).toHaveLength(6); // every plan's, still oldest first
    expect(everything.edges[2].node.reason).toBeNull();

    const bad = await api().exec(Q, { id, after: "garbage" });
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const tooMany = await api().exec(Q, { id, first: 501 });
    expect(tooMany.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect((await api().ok(Q, { id: "plan_unknown" })).interventions.edges).toEqual([]);
  });

  it("Plan.interventions lists the same rows with paging; node(id) finds one", async () => {
    const { id, other, made } = await history();
    const Q = `query($id: ID!, $first: Int, $after: String) { plan(id: $id) { interventions(first: $first, after: $after) {
      edges { cursor node { id kind status actor reason planVersion } } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await api().ok(Q, { id, first: 3 })).plan.interventions;
    expect(first.edges.map((e: any) => [e.node.kind, e.node.status, e.node.actor])).toEqual([
      ["PAUSE", "APPLIED", OPS],
      ["PAUSE", "REJECTED", OPS],
      ["SKIP_STEP", "APPLIED", "alice"],
    ]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await api().ok(Q, { id, after: first.pageInfo.endCursor })).plan.interventions;
    expect(rest.edges.map((e: any) => e.node.id)).toEqual(made.slice(3).map((r) => r.id));
    expect((await api().ok(Q, { id: other })).plan.interventions.edges.map((e: any) => e.node.kind)).toEqual(["PAUSE"]);

    const skip = made[2]!;
    const n = await api().ok(`query($id: ID!) { node(id: $id) { id ... on Intervention { ${FIELDS} } } }`, { id: skip.id });
    expect(n.node).toEqual(skip);
    expect((await api().ok(`{ node(id: "int_0000") { id } }`)).node).toBeNull();
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
    const start = await signalHead();
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
    await claim(await agent());
    const start = await signalHead();
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
    const who = await agent();
    const first = await claim(who);
    const second = await claim(who);
    const b = first.key === "b" ? first : second;
    const a = first.key === "a" ? first : second;
    await api().coordinator.fail(b.leaseId, { message: "transient" });
    expect(await stateOf(id)).toEqual({ a: "RUNNING", b: "WAITING" });
    const row = await act("modifyStep", { id, key: "b", patch: { dependsOn: ["a"] } });
    expect(row.status).toBe("APPLIED");
    await api().clock.advance(1_000); // RetryDue
    expect((await stateOf(id))["b"]).not.toBe("READY"); // b now needs a, which is still RUNNING
    await api().coordinator.complete(a.leaseId, null);
    expect((await stateOf(id))["b"]).toBe("READY");
  });

  it("modifyStep refuses a retry patch that, merged over the step's own policy, is invalid", async () => {
    const id = await createPlan([{ key: "slow", retry: { initialIntervalMs: 5_000, maxIntervalMs: 60_000 } }]);
    // 2000 < the step's initialIntervalMs of 5000: must not be stored (BAD_USER_INPUT or REJECTED INVALID_PLAN).
    const r = await api().exec(M.modifyStep, { id, key: "slow", patch: { retry: { maxIntervalMs: 2_000 } } }, OPS);
    const slow = (await planOf(id)).steps[0].retryPolicy;
    expect(slow.maxIntervalMs >= slow.initialIntervalMs, `stored ${JSON.stringify(slow)}; got ${JSON.stringify(r)}`).toBe(true);
  });

  it("modifyStep accepts a retry patch that is valid for the step's own policy", async () => {
    const id = await createPlan([{ key: "fast", retry: { initialIntervalMs: 100, maxIntervalMs: 500 } }]);
    // 400 ≥ the step's initialIntervalMs of 100: valid for this step (it is checked against DEFAULT_RETRY's 1000).
    const r = await api().exec(M.modifyStep, { id, key: "fast", patch: { retry: { maxIntervalMs: 400 } } }, OPS);
    expect(r.errors?.map((e) => e.message), JSON.stringify(r.errors)).toBeUndefined();
    expect((r.data as any).modifyStep.status).toBe("APPLIED");
    expect((await planOf(id)).steps[0].retryPolicy).toMatchObject({ initialIntervalMs: 100, maxIntervalMs: 400 });
  });

  it("modifyStep re-checks built-in role config as createPlan does: a new builtin role without its config", async () => {
    const id = await createPlan([{ key: "a", role: "r" }]);
    // createPlan refuses { role: "builtin.http" } without config.url (BAD_USER_INPUT); so must this.
    const r = await api().exec(M.modifyStep, { id, key: "a", patch: { role: "builtin.http" } }, OPS);
    expect((await planOf(id)).steps[0].role, JSON.stringify(r)).toBe("r");
  });

  it("modifyStep re-checks built-in role config as createPlan does: a builtin step's new config", async () => {
    const id = await createPlan([{ key: "a", role: "r" }, { key: "w", role: "builtin.wait", config: { ms: 10 }, dependsOn: ["a"] }]);
    const r = await api().exec(M.modifyStep, { id, key: "w", patch: { config: { ms: "soon" } } }, OPS);
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
    const { leaseId } = await claim(await agent());
    await act("pausePlan", { id });
    await api().clock.advance(10_000);
    await api().coordinator.fail(leaseId, { message: "transient" }); // WAITING, its 1000 ms frozen
    await api().clock.advance(5_000);
    await act("resumePlan", { id });
    const resumedAt = api().clock.now();
    const step = (await api().store.queries.plans.load(id))!.steps[0]!;
    await api().clock.advance(1_000);
    expect((await stateOf(id))["a"]).toBe("READY"); // the timer: 1000 ms after resume
    expect(step.retryAt).toBe(resumedAt + 1_000); // the model should say the same
  });
});
