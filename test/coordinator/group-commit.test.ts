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
