/**
 * Operator interventions through the GraphQL API, on steps: retryStep, skipStep, modifyStep.
 * Agents are driven through the coordinator directly; everything an operator does goes
 * through GraphQL with an actor.
 */
import { describe, expect, it } from "vitest";
import { AUDIT, AUDIT_ARGS, CREATE, FIELDS, useInterventionApi, M, OPS, PLAN, type MutationName, type Row } from "../helpers/interventions.js";

const { api, act, actError, createPlan, planOf, stateOf, agent, claim, rowCount, signalHead, signalsOf } = useInterventionApi();

describe("retryStep", () => {
  async function failedPlan() {
    const id = await createPlan([
      { key: "a", retry: { maxAttempts: 1 }, input: { n: 1 } },
      { key: "b", dependsOn: ["a"] },
      { key: "c", dependsOn: ["b"] },
    ]);
    const who = await agent();
    const { leaseId } = await claim(who);
    await api().coordinator.fail(leaseId, { message: "bad input" });
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
    const lease = (await api().store.queries.attempts.get(second.leaseId))!;
    expect(lease.attempt).toBe(2);
    await api().coordinator.fail(second.leaseId, { message: "still bad" }); // maxAttempts 1 counts after the retry
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

    const { leaseId } = await claim(await agent());
    await api().coordinator.complete(leaseId, { done: true });
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
    const who = await agent();
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
    await api().coordinator.complete(a.leaseId, "a-out");
    expect(await stateOf(id)).toEqual({ a: "SUCCEEDED", b: "SKIPPED", c: "READY" });
    const c = await claim(who);
    expect(c.key).toBe("c");
    await api().coordinator.complete(c.leaseId, { saw: (await planOf(id)).steps[1].output });
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
    const who = await agent();
    const a = await claim(who);
    expect(a.key).toBe("a");
    await api().coordinator.fail(a.leaseId, { message: "broken" });
    expect(await stateOf(id)).toEqual({ a: "FAILED", b: "CANCELLED", c: "CANCELLED" });
    await act("retryStep", { id, key: "b" }); // reopens the plan; a stays FAILED
    expect(await stateOf(id)).toEqual({ a: "FAILED", b: "READY", c: "PENDING" });
    const row = await act("skipStep", { id, key: "a", output: { manual: true } });
    expect(row).toMatchObject({ status: "APPLIED", diff: { state: { before: "FAILED", after: "SKIPPED" } } });
    expect(await stateOf(id)).toEqual({ a: "SKIPPED", b: "READY", c: "READY" });
  });

  it("REJECTED: a RUNNING step (INVALID_STATE), an unknown step (NOT_FOUND), a finished plan (INVALID_STATE)", async () => {
    const id = await createPlan([{ key: "a" }, { key: "b" }], { policy: { maxParallel: 1 } });
    const { key } = await claim(await agent());
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
    expect(await api().coordinator.claim(await agent(["r"]), 1)).toEqual([]);
    expect((await claim(await agent(["special"]))).key).toBe("a");
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
    const { leaseId } = await claim(await agent());
    await api().coordinator.fail(leaseId, { message: "transient" });
    expect(await stateOf(id)).toEqual({ a: "WAITING" });
    const row = await act("modifyStep", { id, key: "a", patch: { input: { patched: true } } });
    expect(row.status).toBe("APPLIED");
    await api().clock.advance(1_000);
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
    const who = await agent();
    const first = await claim(who);
    const second = await claim(who);
    await api().coordinator.complete(second.leaseId, null);
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
    const rows = await rowCount();
    const head = await signalHead();
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
    expect(await rowCount()).toBe(rows);
    expect(await signalHead()).toBe(head);
    expect(await planOf(id)).toEqual(before);
  });
});

