/**
 * Length limits on names, keys, roles, labels and free text (src/domain/limits.ts): every value
 * too long is a problem of one BAD_USER_INPUT, reported with the request's other problems, and
 * nothing is created. A huge value is never echoed back in a message.
 */
import { describe, expect, it } from "vitest";
import { MAX_LABEL, MAX_LABELS, MAX_LIST, MAX_NAME, MAX_TEXT } from "../../src/domain/limits.js";
import type { BatonError, Problem } from "../../src/domain/errors.js";
import { makeApi } from "../helpers/api.js";
import { claimOne, planReq, rejected, rows } from "../helpers/coordinator.js";
import { makeCoordinator } from "../helpers/fixtures.js";

const long = (n: number): string => "x".repeat(n);
const NAME = long(MAX_NAME + 1);
const TEXT = long(MAX_TEXT + 1);
const tooLong = (path: string, n: number, max = n - 1): Problem => ({ path, message: `must be at most ${max} characters, got ${n}` });
const problemsOf = async (p: Promise<unknown>): Promise<Problem[]> => {
  const e = (await rejected(p)) as BatonError;
  expect(e.code).toBe("BAD_USER_INPUT");
  expect(e.message.length).toBeLessThan(5_000); // nothing huge echoed back
  return e.details["problems"] as Problem[];
};

describe("length limits", () => {
  it("createPlan: the plan's name, goal, labels, keys and each step's role, name, description and references, all at once", async () => {
    const { coordinator, store } = await makeCoordinator();
    const problems = await problemsOf(
      coordinator.createPlan(
        planReq(
          [
            { key: "a", role: NAME, name: NAME, description: TEXT, retry: { nonRetryableErrorTypes: [NAME] } },
            { key: "b", dependsOn: ["a", NAME], onFailure: NAME, when: [{ if: { path: `output.${long(1_000)}`, op: "exists" }, then: { goto: NAME } }] },
            { key: long(1_000_000) },
          ],
          { name: long(1_000_000), goal: TEXT, labels: ["ok", long(MAX_LABEL + 1)], idempotencyKey: NAME },
        ),
        "op",
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        tooLong("name", 1_000_000, MAX_NAME),
        tooLong("goal", MAX_TEXT + 1),
        tooLong("idempotencyKey", MAX_NAME + 1),
        tooLong("labels[1]", MAX_LABEL + 1),
        tooLong("steps[0].role", MAX_NAME + 1),
        tooLong("steps[0].name", MAX_NAME + 1),
        tooLong("steps[0].description", MAX_TEXT + 1),
        tooLong("steps[0].retry.nonRetryableErrorTypes[0]", MAX_NAME + 1),
        tooLong("steps[1].dependsOn[1]", MAX_NAME + 1),
        tooLong("steps[1].onFailure", MAX_NAME + 1),
        tooLong("steps[1].when[0].if.path", 1_007, 1_000),
        tooLong("steps[1].when[0].then.goto", MAX_NAME + 1),
        { path: "steps[2].key", message: expect.stringMatching(/^"x{60}…" is not a valid key/) },
      ]),
    );
    expect(problems[0]).toEqual(tooLong("name", 1_000_000, MAX_NAME)); // the plan's own problems first
    expect(await rows(store, "plans")).toBe(0);
    expect(await problemsOf(coordinator.createPlan(planReq([{ key: "a" }], { labels: Array.from({ length: MAX_LABELS + 1 }, (_, i) => `l${i}`) }), "op"))).toEqual([
      { path: "labels", message: `must have at most ${MAX_LABELS} items, got ${MAX_LABELS + 1}` },
    ]);
    // At the limits everything is accepted.
    const ok = await coordinator.createPlan(planReq([{ key: long(100), role: long(MAX_NAME), name: long(MAX_NAME), description: long(MAX_TEXT) }], { name: long(MAX_NAME), goal: long(MAX_TEXT), labels: [long(MAX_LABEL)] }), "op");
    expect(ok.name).toHaveLength(MAX_NAME);
  });

  it("registerTemplate: its name (not echoed whole) and description, with its steps' problems", async () => {
    const { coordinator } = await makeCoordinator();
    expect(await problemsOf(coordinator.templates.register({ name: long(1_000_000), description: TEXT, steps: [{ key: "a", role: NAME }] }))).toEqual([
      { path: "name", message: expect.stringMatching(/^"x{60}…" is not a valid name/) },
      tooLong("description", MAX_TEXT + 1),
      tooLong("steps[0].role", MAX_NAME + 1),
    ]);
    expect((await problemsOf(coordinator.createPlan({ name: "p", template: long(1_000_000) }, "op")))[0]!.message).toMatch(/^"x{60}…" does not name a template/);
  });

  it("built-in steps' config: builtin.signal's name, builtin.merge's PII names and lists", async () => {
    const { coordinator } = await makeCoordinator();
    expect(
      await problemsOf(
        coordinator.createPlan(
          planReq([
            { key: "s", role: "builtin.signal", config: { name: NAME } },
            { key: "m", role: "builtin.merge", dependsOn: ["s"], config: { pii: { names: [NAME], patterns: Array.from({ length: MAX_LIST + 1 }, () => "x") } } },
          ]),
          "op",
        ),
      ),
    ).toEqual([
      tooLong("steps[0].config.name", MAX_NAME + 1),
      tooLong("steps[1].config.pii.names[0]", MAX_NAME + 1),
      { path: "steps[1].config.pii.patterns", message: `must be a list of at most ${MAX_LIST} strings` },
    ]);
  });

  it("signals, messages, context writes, interventions, checkpoints, forks and role limits", async () => {
    const { coordinator, store } = await makeCoordinator();
    const plan = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "op");
    expect(await problemsOf(coordinator.sendSignal({ planId: plan.id, name: NAME, recipient: NAME, stepKey: long(1_000_000) }, "op"))).toEqual([
      tooLong("name", MAX_NAME + 1),
      tooLong("recipient", MAX_NAME + 1),
      { path: "stepKey", message: `plan has no step "${long(60)}…"` },
    ]);
    expect(await problemsOf(coordinator.sendMessage({ planId: plan.id, recipient: NAME, name: NAME }, { actor: "op" }))).toEqual([
      tooLong("recipient", MAX_NAME + 1),
      tooLong("name", MAX_NAME + 1),
    ]);
    expect(await problemsOf(coordinator.updateContext({ planId: plan.id, key: NAME, value: 1, targets: [NAME] }, { actor: "op", reason: TEXT }))).toEqual([
      { path: "key", message: `must be 1 to ${MAX_NAME} characters, not blank` },
      tooLong("targets[0]", MAX_NAME + 1),
      tooLong("reason", MAX_TEXT + 1),
    ]);
    expect(await problemsOf(coordinator.intervene(plan.id, { kind: "SKIP_STEP", stepKey: NAME }, { actor: "op", reason: TEXT }))).toEqual([
      tooLong("reason", MAX_TEXT + 1),
      tooLong("stepKey", MAX_NAME + 1),
    ]);
    expect(await problemsOf(coordinator.intervene(plan.id, { kind: "MODIFY_STEP", stepKey: "b", patch: { role: NAME } }, { actor: "op" }))).toEqual([tooLong("patch.role", MAX_NAME + 1)]);
    expect(await problemsOf(coordinator.intervene(plan.id, { kind: "REORDER_STEPS", order: ["b", NAME] }, { actor: "op" }))).toEqual([tooLong("order[1]", MAX_NAME + 1)]);
    expect(await problemsOf(coordinator.createCheckpoint(plan.id, long(MAX_LABEL + 1), "op"))).toEqual([tooLong("label", MAX_LABEL + 1)]);
    const checkpoint = await coordinator.createCheckpoint(plan.id, "ok", "op");
    expect(await problemsOf(coordinator.forkFromCheckpoint(checkpoint.id, NAME, "op"))).toEqual([tooLong("name", MAX_NAME + 1)]);
    expect(await problemsOf(coordinator.setRoleLimit({ role: NAME, claims: null, intervalMs: null, maxConcurrent: 1 }, "op"))).toEqual([tooLong("role", MAX_NAME + 1)]);
    expect(await rows(store, "interventions")).toBe(0);
  });

  it("an agent's reports: a heartbeat's message, a failure's type and message", async () => {
    const { coordinator } = await makeCoordinator();
    await coordinator.createPlan(planReq([{ key: "a" }]), "op");
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"] });
    const { lease } = await claimOne(coordinator, agent.id);
    expect(await problemsOf(coordinator.heartbeat(lease.id, 2, TEXT))).toEqual([{ path: "progress", message: "must be from 0 to 1, got 2" }, tooLong("message", MAX_TEXT + 1)]);
    expect(await problemsOf(coordinator.fail(lease.id, { message: TEXT, type: NAME }))).toEqual([tooLong("error.message", MAX_TEXT + 1), tooLong("error.type", MAX_NAME + 1)]);
    expect((await coordinator.fail(lease.id, { message: long(MAX_TEXT), type: long(MAX_NAME), retryable: false })).step.state).toBe("FAILED");
  });

  it("over the API: a 1 MB plan name is BAD_USER_INPUT with extensions.problems, together with the other problems", async () => {
    const api = await makeApi();
    try {
      const r = await api.exec(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
        input: { name: long(1_000_000), labels: [NAME], steps: [{ key: "a", role: NAME }] },
      });
      expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(r.errors?.[0]?.extensions?.["problems"]).toEqual([tooLong("name", 1_000_000, MAX_NAME), tooLong("labels[0]", MAX_NAME + 1), tooLong("steps[0].role", MAX_NAME + 1)]);
    } finally {
      await api.stop();
    }
  });
});
