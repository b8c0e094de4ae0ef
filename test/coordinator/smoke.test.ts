import { describe, expect, it } from "vitest";
import { makeCoordinator } from "../helpers/fixtures.js";

describe("coordinator smoke", () => {
  it("runs a 3-step plan with a parallel pair", async () => {
    const { coordinator } = await makeCoordinator();
    const plan = await coordinator.createPlan(
      {
        name: "p",
        steps: [
          { key: "a", role: "r" },
          { key: "b", role: "r", dependsOn: ["a"] },
          { key: "c", role: "r", dependsOn: ["a"] },
        ],
      },
      "test",
    );
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 5 });
    let g = await coordinator.claim(agent.id, 5);
    expect(g.map((x) => x.step.key)).toEqual(["a"]);
    await coordinator.complete(g[0]!.lease.id, { a: 1 });
    g = await coordinator.claim(agent.id, 5);
    expect(g.map((x) => x.step.key).sort()).toEqual(["b", "c"]);
    for (const x of g) await coordinator.complete(x.lease.id, { k: x.step.key });
    const done = (await coordinator.store.queries.plans.load(plan.id))!;
    expect(done.plan.state).toBe("COMPLETED");
    expect(done.plan.result).toEqual({ b: { k: "b" }, c: { k: "c" } });
  });
});
