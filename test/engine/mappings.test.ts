/** Input and output mappings: JSONPath templates, validation, and how the engine applies them. */
import { describe, expect, it } from "vitest";
import { agentInput, evaluateMapping, mappingProblems, outputMappingProblems } from "../../src/engine/mappings.js";
import { Script, commandsOf, plan, step } from "../helpers/engine.js";

const doc = { input: { goal: "site", tags: ["a", "b"] }, steps: { spec: { output: { pages: ["home", "about"], n: 2 } } }, context: { tone: "formal" } };

describe("evaluateMapping", () => {
  it("singular queries give a value (null when nothing matches); others the list of matches; the rest is literal", () => {
    expect(
      evaluateMapping(
        { goal: "$.input.goal", first: "$.steps.spec.output.pages[0]", pages: "$.steps.spec.output.pages[*]", missing: "$.input.nope", tone: "$.context.tone", literal: "hello", dollars: "$$5", n: 3, list: ["$.input.tags[1]", true] },
        doc,
      ),
    ).toEqual({ goal: "site", first: "home", pages: ["home", "about"], missing: null, tone: "formal", literal: "hello", dollars: "$5", n: 3, list: ["b", true] });
    expect(evaluateMapping("$.steps.spec.output", doc)).toEqual({ pages: ["home", "about"], n: 2 });
    expect(evaluateMapping("$..pages[?@ == 'about']", doc)).toEqual(["about"]);
  });

  it("reports every query that does not parse, with where it is; an output mapping must be an object of context keys", () => {
    expect(mappingProblems({ a: "$.ok", b: ["$.x[", "$$literal"], c: { d: "$..[?" } }, "steps[0].inputMapping").map((p) => p.path)).toEqual([
      "steps[0].inputMapping.b[0]",
      "steps[0].inputMapping.c.d",
    ]);
    expect(outputMappingProblems(["$.output"], "m")).toEqual([{ path: "m", message: "must be an object: context key → JSONPath query or value" }]);
    expect(outputMappingProblems({ "steps.x.output": "$.output", "": 1, ok: "$.output.a" }, "m").map((p) => p.path)).toEqual(["m.steps.x.output", "m."]);
  });

  it("the mapped input is merged over the step's own input when both are objects", () => {
    expect(agentInput(step("s", { input: { keep: 1, goal: "old" } }), { goal: "new" })).toEqual({ keep: 1, goal: "new" });
    expect(agentInput(step("s", { input: { keep: 1 } }), ["x"])).toEqual(["x"]);
  });
});

describe("the engine applies mappings", () => {
  it("an input mapping is evaluated at the claim, from the plan input, earlier outputs and the context given", () => {
    const s = new Script(plan({ spec: {}, code: { dependsOn: ["spec"], input: { lang: "ts" }, inputMapping: { goal: "$.input.goal", pages: "$.steps.spec.output.pages", tone: "$.context.tone" } } }, {}, "IDLE", { input: { goal: "site" } }));
    s.start();
    s.run("spec", { pages: ["home"] });
    s.do({ type: "StepClaimed", stepKey: "code", leaseId: "l9", agentId: "agt_1", context: { tone: "formal" } });
    expect(s.step("code")).toMatchObject({ state: "RUNNING", mappedInput: { lang: "ts", goal: "site", pages: ["home"], tone: "formal" }, input: { lang: "ts" } });
  });

  it("an output mapping writes context keys (announced) after the step's own output", () => {
    const s = new Script(plan({ a: { outputMapping: { summary: "$.output.text", score: "$.output.scores[0]", fixed: 7 } } }));
    s.start();
    s.claim("a");
    const d = s.complete("a", { text: "done", scores: [0.9, 0.1] });
    expect(commandsOf(d.commands, "WriteContext")).toEqual([
      { type: "WriteContext", key: "steps.a.output", value: { text: "done", scores: [0.9, 0.1] }, announce: false },
      { type: "WriteContext", key: "summary", value: "done", announce: true },
      { type: "WriteContext", key: "score", value: 0.9, announce: true },
      { type: "WriteContext", key: "fixed", value: 7, announce: true },
    ]);
  });

  it("a route rule reads the context given with the completion", () => {
    const when = [{ if: { path: "context.mode", op: "eq" as const, value: "strict" }, then: { fail: "strict mode" } }];
    const s = new Script(plan({ a: { when, retry: { maxAttempts: 1 } } }));
    s.start();
    s.claim("a");
    s.do({ type: "StepCompleted", stepKey: "a", leaseId: s.lease("a"), output: {}, quality: null, context: { mode: "strict" } });
    expect(s.step("a").error).toMatchObject({ type: "CONDITION", message: "strict mode" });
  });
});
