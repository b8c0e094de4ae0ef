import { describe, expect, it } from "vitest";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

describe("long-polling claims", () => {
  it("a claim whose caller went away leaves the queue and takes no work", async () => {
    const { coordinator, store } = await makeCoordinator();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const gone = new AbortController();
    const waiting = coordinator.claim(agent.id, 1, 10_000, gone.signal);
    await waitFor(() => coordinator.waitingClaims === 1);
    expect(coordinator.waitingClaims).toBe(1);
    gone.abort();
    expect(await waiting).toEqual([]);
    expect(coordinator.waitingClaims).toBe(0);
    const plan = await coordinator.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    expect((await store.queries.plans.load(plan.id))!.steps[0]!.state).toBe("READY");
  });

  it("an already aborted signal returns at once", async () => {
    const { coordinator } = await makeCoordinator();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    expect(await coordinator.claim(agent.id, 1, 10_000, AbortSignal.abort())).toEqual([]);
    expect(coordinator.waitingClaims).toBe(0);
  });
});
