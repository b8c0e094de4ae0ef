/** Mappings through the coordinator: real SQLite, the context read at the claim and written at the end. */
import { describe, expect, it } from "vitest";
import { BatonError } from "../../src/domain/errors.js";
import { makeCoordinator } from "../helpers/fixtures.js";

describe("input and output mappings", () => {
  it("the lease's input is built from the plan input, an earlier output and the context; the output mapping writes context keys", async () => {
    const { coordinator, store } = await makeCoordinator();
    const plan = await coordinator.createPlan(
      {
        name: "mapped",
        input: { goal: "bakery" },
        steps: [
          { key: "spec", role: "pm", outputMapping: { pageCount: "$.output.pages.length", firstPage: "$.output.pages[0]" } },
          { key: "code", role: "coder", dependsOn: ["spec"], inputMapping: { goal: "$.input.goal", pages: "$.steps.spec.output.pages", first: "$.context.firstPage" } },
        ],
      },
      "t",
    );
    const pm = await coordinator.registerAgent({ name: "pm", roles: ["pm"] });
    const [spec] = await coordinator.claim(pm.id);
    await coordinator.complete(spec!.lease.id, { pages: ["home", "menu"] });
    expect(await store.queries.context.entry(plan.id, "firstPage")).toMatchObject({ value: "home", updatedBy: pm.id });
    expect(await store.queries.context.entry(plan.id, "pageCount")).toMatchObject({ value: null }); // .length is not JSONPath: nothing matches
    expect((await store.queries.signals.read({ planId: plan.id, kinds: ["CONTEXT_UPDATED"] }, 0, 10)).map((s) => (s.payload as { key: string }).key)).toEqual(["pageCount", "firstPage"]);

    const coder = await coordinator.registerAgent({ name: "coder", roles: ["coder"] });
    const [code] = await coordinator.claim(coder.id);
    expect(code!.step.mappedInput).toEqual({ goal: "bakery", pages: ["home", "menu"], first: "home" });
    expect((await store.queries.plans.load(plan.id))!.steps[1]!.mappedInput).toEqual({ goal: "bakery", pages: ["home", "menu"], first: "home" });
  });

  it("a query that does not parse is refused when the plan is made, with every problem", async () => {
    const { coordinator } = await makeCoordinator();
    try {
      await coordinator.createPlan({ name: "bad", steps: [{ key: "a", role: "r", inputMapping: { x: "$.a[" }, outputMapping: { "steps.a.output": "$.output" } }] }, "t");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BatonError);
      expect((e as BatonError).code).toBe("BAD_USER_INPUT");
      expect(((e as BatonError).details as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(["steps[0].inputMapping.x", "steps[0].outputMapping.steps.a.output"]);
    }
  });
});
