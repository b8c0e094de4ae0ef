/**
 * Plan templates on the coordinator (real store, real migrations): registration and its checks,
 * versions, instantiation by createPlan, the built-in templates and their idempotent install.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import type { BatonError, Problem } from "../../src/domain/errors.js";
import type { StepDraft } from "../../src/engine/validate.js";
import { openStore } from "../../src/store/sqlite-store.js";
import { installTemplates } from "../../src/templates/install.js";
import { claimOne, rejected, rows } from "../helpers/coordinator.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const steps = (...list: (Partial<StepDraft> & { key: string })[]): StepDraft[] => list.map((s) => ({ role: "r", ...s }));

/** The problems of a BAD_USER_INPUT error the promise rejects with. */
async function problemsOf(p: Promise<unknown>): Promise<Problem[]> {
  const e = (await rejected(p)) as BatonError;
  expect(e.code).toBe("BAD_USER_INPUT");
  return e.details["problems"] as Problem[];
}

describe("registering a template", () => {
  it("stores immutable versions 1, 2, … of a name; get gives the latest or the one asked for", async () => {
    const { coordinator, store } = await makeCoordinator();
    const first = await coordinator.templates.register({ name: "review", description: "one step", steps: steps({ key: "a" }) });
    const second = await coordinator.templates.register({ name: "review", steps: steps({ key: "a" }, { key: "b", dependsOn: ["a"], runAt: new Date(5_000) }), policy: { maxParallel: 3 } });
    await coordinator.templates.register({ name: "other", steps: steps({ key: "x" }) });
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(first.id).toMatch(/^tpl_[0-9a-f]{20}$/);
    expect(await store.queries.templates.get("review")).toEqual(second);
    expect(await store.queries.templates.get("review", 1)).toEqual(first);
    expect(await store.queries.templates.get("review", 3)).toBeNull();
    expect(await store.queries.templates.byId(first.id)).toEqual(first);
    expect(await store.queries.templates.latestVersion("review")).toBe(2);
    expect(await store.queries.templates.latestVersion("none")).toBe(0);
    expect((await store.queries.templates.list()).map((t) => `${t.name}@${t.version}`)).toEqual(["other@1", "review@2", "review@1"]);
    // Stored as given: drafts without nulls, a DateTime as an ISO string, the policy draft.
    expect(first).toMatchObject({ description: "one step", steps: [{ key: "a", role: "r" }], policy: null, generator: null });
    expect(second.steps[1]).toEqual({ key: "b", role: "r", dependsOn: ["a"], runAt: "1970-01-01T00:00:05.000Z" });
    expect(second.policy).toEqual({ maxParallel: 3 });
  });

  it("reports every problem at once: name, steps, built-in config, policy, unknown references", async () => {
    const { coordinator, store } = await makeCoordinator();
    const problems = await problemsOf(
      coordinator.templates.register({
        name: "no spaces",
        steps: steps(
          { key: "a", dependsOn: ["ghost"] },
          { key: "w", role: "builtin.wait" },
          { key: "e", role: "" },
        ),
        policy: { maxParallel: 0 },
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(["name", "policy.maxParallel", "steps[0].dependsOn", "steps[1].config.ms", "steps[2].role"]);
    expect(
      await problemsOf(
        coordinator.templates.register({
          name: "refs",
          steps: steps({ key: "a", onSuccess: "s1", onFailure: "f1", compensate: "c1", when: [{ if: { path: "output.ok", op: "eq", value: true }, then: { goto: "g1" } }] }),
        }),
      ),
    ).toEqual([
      { path: "steps[0].onSuccess", message: 'unknown step "s1"' },
      { path: "steps[0].onFailure", message: 'unknown step "f1"' },
      { path: "steps[0].compensate", message: 'unknown step "c1"' },
      { path: "steps[0].when[0].then", message: 'unknown step "g1"' },
    ]);
    expect(await rows(store, "templates")).toBe(0);
  });

  it("refuses cycles, unbounded loops, unreachable steps and plans with no end", async () => {
    const { coordinator } = await makeCoordinator();
    const register = (list: StepDraft[]) => problemsOf(coordinator.templates.register({ name: "t", steps: list }));
    expect(await register(steps({ key: "a", dependsOn: ["b"] }, { key: "b", dependsOn: ["a"] }))).toEqual([{ path: "steps", message: "dependency cycle: a -> b -> a" }]);
    expect(await register(steps({ key: "a" }, { key: "g", onSuccess: "h" }, { key: "h", onSuccess: "g" }))).toEqual([
      { path: "steps", message: "loop g -> h -> g has no bound: give one of its steps maxVisits" },
      { path: "steps[1]", message: '"g" is unreachable from any start step' },
      { path: "steps[2]", message: '"h" is unreachable from any start step' },
    ]);
    expect(await register(steps({ key: "s", onSuccess: "x" }, { key: "x", onSuccess: "x", maxVisits: 2 }))).toEqual([
      { path: "steps", message: 'no terminal path from "s": every way on from it loops' },
    ]);
  });

  it("refuses the built-in names", async () => {
    const { coordinator } = await makeCoordinator();
    for (const name of ["build-website", "linear-pipeline"]) {
      expect(await problemsOf(coordinator.templates.register({ name, steps: steps({ key: "a" }) }))).toEqual([
        { path: "name", message: `"${name}" is a built-in template: choose another name` },
      ]);
    }
  });
});

describe("createPlan from a template", () => {
  async function withTemplate() {
    const made = await makeCoordinator();
    const t = made.coordinator.templates;
    const v1 = await t.register({ name: "etl", steps: steps({ key: "extract" }, { key: "load", dependsOn: ["extract"], input: { table: "t" } }), policy: { complexity: "COMPLEX", stepTimeoutMs: 9_000 } });
    const v2 = await t.register({ name: "etl", steps: steps({ key: "extract" }, { key: "check", dependsOn: ["extract"], priority: "URGENT" }, { key: "load", dependsOn: ["check"] }) });
    return { ...made, v1, v2 };
  }

  it("instantiates the latest version, or the one named with @; steps with no input receive the plan's input", async () => {
    const { coordinator, store, v1, v2 } = await withTemplate();
    const latest = (await store.queries.plans.load((await coordinator.createPlan({ name: "p", template: "etl", input: { day: 1 }, priority: "HIGH" }, "t")).id))!;
    expect(latest.plan.templateId).toBe(v2.id);
    expect(latest.steps.map((s) => [s.key, s.dependsOn, s.input, s.priority])).toEqual([
      ["extract", [], { day: 1 }, "HIGH"],
      ["check", ["extract"], { day: 1 }, "URGENT"],
      ["load", ["check"], { day: 1 }, "HIGH"],
    ]);
    const first = (await store.queries.plans.load((await coordinator.createPlan({ name: "p", template: "etl@1", input: { day: 2 }, policy: { maxParallel: 1 } }, "t")).id))!;
    expect(first.plan.templateId).toBe(v1.id);
    expect(first.steps.map((s) => [s.key, s.input, s.timeoutMs])).toEqual([
      ["extract", { day: 2 }, 9_000],
      ["load", { table: "t" }, 9_000],
    ]);
    // The template's policy under the request's: the request's fields win.
    expect(first.plan.policy).toMatchObject({ complexity: "COMPLEX", maxParallel: 1, stepTimeoutMs: 9_000 });
  });

  it("refuses steps and a template together, or neither; an unknown template or version is NOT_FOUND", async () => {
    const { coordinator, store } = await withTemplate();
    expect(await problemsOf(coordinator.createPlan({ name: "p", template: "etl", steps: steps({ key: "a" }) }, "t"))).toEqual([
      { path: "template", message: "give either steps or a template, not both" },
    ]);
    expect(await problemsOf(coordinator.createPlan({ name: "p" }, "t"))).toEqual([
      { path: "steps", message: "a plan needs at least one step: give steps or name a template" },
    ]);
    for (const ref of ["etl@0", "etl@x", "a b", "@1"]) {
      expect(await problemsOf(coordinator.createPlan({ name: "p", template: ref }, "t"))).toEqual([{ path: "template", message: expect.stringContaining(`"${ref}" does not name a template`) }]);
    }
    for (const ref of ["nope", "etl@3"]) {
      const e = (await rejected(coordinator.createPlan({ name: "p", template: ref }, "t"))) as BatonError;
      expect([e.code, e.message]).toEqual(["NOT_FOUND", `template ${ref} not found`]);
    }
    expect(await rows(store, "plans")).toBe(0);
  });
});

describe("built-in templates", () => {
  it("are installed once: starting again on the same database adds no version", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-templates-"));
    const file = join(dir, "baton.db");
    const open = () => new Coordinator(openStore(file), { clock: new ManualClock(), agentOfflineMs: 60_000, checkpointKeep: 100 });
    try {
      for (let run = 0; run < 2; run++) {
        const c = open();
        await installTemplates(c.templates, null);
        expect((await c.store.queries.templates.list()).map((t) => [t.name, t.version, t.generator])).toEqual([
          ["build-website", 1, null],
          ["linear-pipeline", 1, "linear-pipeline"],
        ]);
        await c.store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("build-website", () => {
    async function site() {
      const { coordinator, store } = await makeCoordinator();
      await installTemplates(coordinator.templates, null);
      const agent = async (role: string) => (await coordinator.registerAgent({ name: role, roles: [role] })).id;
      const [pm, coder, reviewer] = [await agent("product-manager"), await agent("coder"), await agent("reviewer")];
      const id = (await coordinator.createPlan({ name: "site", template: "build-website", input: { brief: "a bakery" } }, "t")).id;
      const complete = async (agentId: string, output: unknown = null) => {
        const g = await claimOne(coordinator, agentId);
        await coordinator.complete(g.lease.id, output as null);
        return g;
      };
      const reject = async () => coordinator.fail((await claimOne(coordinator, reviewer)).lease.id, { message: "no tests", type: "REJECTED" });
      await complete(pm, { spec: "pages" });
      return { coordinator, id, plan: async () => (await store.queries.plans.load(id))!, complete, reject, coder, reviewer };
    }

    it("routes each rejection (approved: false, or a REJECTED failure) back to the coder until the reviewer approves", async () => {
      const { id, plan, complete, reject, coder, reviewer } = await site();
      const first = await complete(coder, { code: 1 });
      expect(first.step.input).toEqual({ brief: "a bakery" });
      await complete(reviewer, { approved: false });
      const again = await complete(coder, { code: 2 });
      expect(again.step.trigger).toMatchObject({ from: "review", via: "onFailure", outcome: "FAILED", error: { message: "the reviewer asked for changes" } });
      await reject();
      expect((await complete(coder, { code: 3 })).step.trigger).toMatchObject({ from: "review", error: { type: "REJECTED", message: "no tests" } });
      await complete(reviewer, { approved: true });
      const p = await plan();
      expect([p.plan.id, p.plan.state, p.steps.find((s) => s.key === "code")!.visits]).toEqual([id, "COMPLETED", 3]);
    });

    it("fails the plan on the rejection after the third (code.maxVisits 4)", async () => {
      const { plan, complete, reject, coder, reviewer } = await site();
      for (let visit = 1; visit <= 4; visit++) {
        await complete(coder, { code: visit });
        if (visit % 2) await complete(reviewer, { approved: false });
        else await reject();
      }
      expect((await plan()).plan.state).toBe("FAILED");
      expect((await plan()).steps.find((s) => s.key === "code")!.visits).toBe(4);
    });
  });

  describe("linear-pipeline", () => {
    async function pipeline() {
      const { coordinator, store } = await makeCoordinator();
      await installTemplates(coordinator.templates, null);
      const create = (input: unknown) => coordinator.createPlan({ name: "chain", template: "linear-pipeline", input: input as null, start: false }, "t");
      return { create, store };
    }

    it("chains input.stages: roles or objects, keys stage-1, stage-2, … unless given", async () => {
      const { create, store } = await pipeline();
      const stages = ["fetch", { key: "clean", name: "Clean up", role: "cleaner", input: { strict: true }, timeoutMs: 5_000, retry: { maxAttempts: 1 } }, { role: "builtin.wait", config: { ms: 0 } }];
      const a = (await store.queries.plans.load((await create({ stages, day: 3 })).id))!;
      expect(a.steps.map((s) => [s.key, s.name, s.role, s.dependsOn, s.input])).toEqual([
        ["stage-1", null, "fetch", [], { stages, day: 3 }],
        ["clean", "Clean up", "cleaner", ["stage-1"], { strict: true }],
        ["stage-3", null, "builtin.wait", ["clean"], { stages, day: 3 }],
      ]);
      expect([a.steps[1]!.timeoutMs, a.steps[1]!.retry.maxAttempts, a.steps[2]!.config]).toEqual([5_000, 1, { ms: 0 }]);
      expect(a.plan.templateId).toBe((await store.queries.templates.get("linear-pipeline"))!.id);
    });

    it("needs a non-empty input.stages and reports problems at input.stages", async () => {
      const { create, store } = await pipeline();
      const stagesProblem = [{ path: "input.stages", message: expect.stringContaining("linear-pipeline needs input.stages") }];
      for (const input of [null, { stages: [] }, { stages: "coder" }]) expect(await problemsOf(create(input))).toEqual(stagesProblem);
      expect(await problemsOf(create({ stages: [7, { role: 1, colour: "red" }, { key: "bad key", role: "r" }, "builtin.wait"] }))).toEqual([
        { path: "input.stages[0]", message: expect.stringContaining("must be a role or an object") },
        { path: "input.stages[1].role", message: "must be a string" },
        { path: "input.stages[1].colour", message: expect.stringContaining("unknown field") },
      ]);
      expect((await problemsOf(create({ stages: [{ key: "bad key", role: "r" }, "builtin.wait"] }))).map((p) => p.path)).toEqual(["input.stages[0].key", "input.stages[1].config.ms"]);
      expect(await rows(store, "plans")).toBe(0);
    });
  });
});
