/**
 * Reports that arrive in the same turn of the event loop (several agents', or one agent's several)
 * are committed in one transaction (src/coordinator/batcher.ts), and each caller still gets its
 * own answer: a refused report is refused alone.
 */
import { describe, expect, it } from "vitest";
import type { Committed } from "../../src/coordinator/observer.js";
import { isBatonError } from "../../src/domain/errors.js";
import { makeCoordinator } from "../helpers/fixtures.js";

async function setUp(steps: number) {
  const commits: Committed[] = [];
  const { coordinator, store } = await makeCoordinator({ observers: [{ committed: (c) => commits.push(c) }] });
  const plan = await coordinator.createPlan({ name: "p", steps: Array.from({ length: steps }, (_, i) => ({ key: `s${i}`, role: "r" })), policy: { maxParallel: steps } }, "test");
  const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: steps });
  const grants = await coordinator.claim(agent.id, steps);
  expect(grants).toHaveLength(steps);
  commits.length = 0;
  return { coordinator, store, plan, grants, commits };
}

describe("group commit of reports", () => {
  it("commits the reports of one turn together, each caller answered with its own step", async () => {
    const { coordinator, store, plan, grants, commits } = await setUp(5);
    const results = await Promise.all(grants.map((g) => coordinator.complete(g.lease.id, { key: g.step.key })));
    expect(results.map((r) => r.step.key)).toEqual(grants.map((g) => g.step.key));
    expect(results.every((r) => r.step.state === "SUCCEEDED")).toBe(true);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.ended).toHaveLength(5);
    expect((await store.queries.plans.load(plan.id))!.plan.state).toBe("COMPLETED");
  });

  it("refuses a bad report alone; the others of its group are saved", async () => {
    const { coordinator, store, plan, grants, commits } = await setUp(3);
    const settled = await Promise.allSettled([
      coordinator.complete(grants[0]!.lease.id, 1),
      coordinator.complete("lease_unknown", 2),
      coordinator.fail(grants[1]!.lease.id, { message: "no", retryable: false }),
      coordinator.complete(grants[0]!.lease.id, 3), // the same lease twice: the second is refused
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected"]);
    for (const s of settled) if (s.status === "rejected") expect(isBatonError(s.reason) && s.reason.code).toBe("CONFLICT");
    expect(commits).toHaveLength(1);
    const a = (await store.queries.plans.load(plan.id))!;
    expect(a.steps.map((s) => [s.key, s.state, s.output])).toEqual([
      ["s0", "SUCCEEDED", 1],
      ["s1", "FAILED", null],
      ["s2", "CANCELLED", null], // the plan failed with s1
    ]);
  });

  it("reports that come while a group commits wait for the next group", async () => {
    const { coordinator, grants, commits } = await setUp(4);
    const first = coordinator.complete(grants[0]!.lease.id, null);
    await new Promise((r) => setImmediate(r)); // the first group has begun
    const rest = grants.slice(1).map((g) => coordinator.complete(g.lease.id, null));
    await Promise.all([first, ...rest]);
    expect(commits.map((c) => c.ended.length)).toEqual([1, 3]);
  });
});

describe("group commit of new plans", () => {
  async function counted() {
    const commits: Committed[] = [];
    const made = await makeCoordinator({ observers: [{ committed: (c) => commits.push(c) }] });
    return { ...made, commits };
  }
  const req = (name: string, idempotencyKey?: string) => ({ name, steps: [{ key: "a", role: "r" }], ...(idempotencyKey ? { idempotencyKey } : {}) });

  it("commits the plans created in one turn together, each caller answered with its own plan", async () => {
    const { coordinator, store, commits } = await counted();
    const plans = await Promise.all(["p0", "p1", "p2", "p3"].map((n) => coordinator.createPlan(req(n), "test")));
    expect(plans.map((p) => [p.name, p.state])).toEqual(["p0", "p1", "p2", "p3"].map((n) => [n, "RUNNING"]));
    expect(new Set(plans.map((p) => p.id)).size).toBe(4);
    expect(commits).toHaveLength(1);
    for (const p of plans) expect((await store.queries.plans.load(p.id))!.plan).toEqual(p);
  });

  it("answers requests with one idempotency key in one group with one plan, and refuses a different request with it alone", async () => {
    const { coordinator, store } = await counted();
    const settled = await Promise.allSettled([
      coordinator.createPlan(req("same", "k"), "test"),
      coordinator.createPlan(req("same", "k"), "test"),
      coordinator.createPlan(req("other", "k"), "test"), // the same key for another request
      coordinator.createPlan(req("free"), "test"),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const [a, b, refused, free] = settled;
    expect(a.status === "fulfilled" && b.status === "fulfilled" && a.value.id === b.value.id).toBe(true);
    expect(refused.status === "rejected" && isBatonError(refused.reason) && refused.reason.code).toBe("CONFLICT");
    expect(free.status === "fulfilled" && free.value.state).toBe("RUNNING");
    expect((await store.queries.plans.list({}, 10, null)).plans.map((p) => p.name).sort()).toEqual(["free", "same"]);
  });
});
