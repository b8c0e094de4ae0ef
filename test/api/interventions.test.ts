/**
 * Operator interventions through the GraphQL API (in-process Apollo, in-memory database,
 * manual clock), on the plan: pausePlan, resumePlan, cancelPlan. Steps and the log are in the
 * sibling files.
 * Agents are driven through the coordinator directly; everything an operator does goes
 * through GraphQL with an actor.
 */
import { describe, expect, it } from "vitest";
import { AUDIT, AUDIT_ARGS, CREATE, FIELDS, useInterventionApi, M, OPS, PLAN, type MutationName, type Row } from "../helpers/interventions.js";

const { api, act, actError, createPlan, planOf, stateOf, agent, claim, rowCount, signalHead, signalsOf } = useInterventionApi();

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
    expect(await api().coordinator.claim(await agent(), 1)).toEqual([]); // ...but is not handed out
    const claimed = await api().exec(`mutation($a: ID!) { claimSteps(input: { agentId: $a }) { id } }`, { a: await agent() });
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
    expect((await claim(await agent())).key).toBe("a");
  });

  it("a waiting long-poll claim is woken by resume", async () => {
    const id = await createPlan([{ key: "a" }]);
    await act("pausePlan", { id });
    const who = await agent();
    const waiting = api().coordinator.claim(who, 1, 10_000);
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
    const who = await agent();
    const a = await claim(who);
    await act("pausePlan", { id });
    const hb = await api().ok(`mutation($l: ID!) { heartbeatStep(leaseId: $l, progress: 0.5) { cancelRequested } }`, { l: a.leaseId });
    expect(hb.heartbeatStep.cancelRequested).toBe(false); // leases still accept heartbeats
    await api().ok(`mutation($l: ID!) { completeStep(leaseId: $l, output: { kept: true }) { state } }`, { l: a.leaseId });
    const p = await planOf(id);
    expect(p.state).toBe("PAUSED");
    expect(p.steps.map((s: any) => [s.key, s.state, s.output])).toEqual([
      ["a", "SUCCEEDED", { kept: true }],
      ["b", "READY", null],
    ]);
    expect(await api().coordinator.claim(who, 1)).toEqual([]);
    await act("resumePlan", { id });
    expect((await claim(who)).key).toBe("b");
  });

  it("pause freezes the plan deadline: it falls due the remaining time after resume", async () => {
    const id = await createPlan([{ key: "a" }], { policy: { planTimeoutMs: 10_000 } });
    await api().clock.advance(4_000);
    await act("pausePlan", { id });
    await api().clock.advance(60_000);
    expect((await planOf(id)).state).toBe("PAUSED");
    await act("resumePlan", { id });
    await api().clock.advance(5_999);
    expect((await planOf(id)).state).toBe("RUNNING");
    await api().clock.advance(1);
    expect(await planOf(id)).toMatchObject({ state: "FAILED", error: { type: "PLAN_TIMEOUT" } });
  });

  it("lease expiry does not freeze: an attempt not heartbeaten while PAUSED is LOST, and its retry waits for resume", async () => {
    const id = await createPlan([{ key: "a" }], { policy: { heartbeatTimeoutMs: 1_000 } });
    const who = await agent();
    await claim(who);
    await act("pausePlan", { id });
    await api().clock.advance(1_000);
    expect((await api().store.queries.attempts.list(id)).map((t) => t.outcome)).toEqual(["LOST"]);
    expect(await stateOf(id)).toEqual({ a: "READY" });
    expect(await api().coordinator.claim(who, 1)).toEqual([]);
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
    const who = await agent();
    const first = await claim(who);
    const second = await claim(who);
    const flaky = first.key === "flaky" ? first : second;
    await api().coordinator.fail(flaky.leaseId, { message: "transient" }); // WAITING until +1000
    await api().clock.advance(400);
    await act("pausePlan", { id }); // backoff has 600 left, the timeout 4600
    await api().clock.advance(30_000);
    expect(await stateOf(id)).toEqual({ flaky: "WAITING", slow: "RUNNING" });
    await act("resumePlan", { id });
    await api().clock.advance(599);
    expect((await stateOf(id))["flaky"]).toBe("WAITING");
    await api().clock.advance(1);
    expect((await stateOf(id))["flaky"]).toBe("READY");
    await api().clock.advance(3_999);
    expect((await stateOf(id))["slow"]).toBe("RUNNING");
    await api().clock.advance(1);
    expect((await api().store.queries.attempts.list(id, "slow")).map((t) => t.outcome)).toEqual(["TIMED_OUT"]);
  });
});

describe("cancelPlan", () => {
  it("APPLIED: the plan and its unfinished steps CANCELLED; the running lease hears cancelRequested and its completion is refused", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b", dependsOn: ["a"] }, { key: "c" }], { policy: { maxParallel: 1 } });
    const who = await agent();
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
    const hb = await api().ok(`mutation($l: ID!) { heartbeatStep(leaseId: $l) { cancelRequested } }`, { l: running.leaseId });
    expect(hb.heartbeatStep.cancelRequested).toBe(true);
    const late = await api().exec(`mutation($l: ID!) { completeStep(leaseId: $l, output: 1) { state } }`, { l: running.leaseId });
    expect(late.errors?.[0]?.extensions?.["code"]).toBe("CONFLICT");
    expect((await api().store.queries.attempts.list(id)).map((t) => [t.stepKey, t.outcome])).toEqual([[running.key, "CANCELLED"]]);
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

