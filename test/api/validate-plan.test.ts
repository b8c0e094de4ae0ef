/**
 * validatePlan, createPlan's dry run, through the GraphQL API: a valid request is valid and
 * creates nothing (no plan, no signal); an invalid one lists the problems createPlan refuses it
 * for, with the same codes, paths and messages — inline steps, templates and their input,
 * idempotency keys; a viewer or agent token is refused as for createPlan; and over HTTP it
 * takes its request from the token's budget like any read.
 */
import { afterEach, describe, expect, it } from "vitest";
import { installTemplates } from "../../src/templates/install.js";
import { principals, useApi, type GqlResult } from "../helpers/api.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

const api = useApi();

const VALIDATE = `query($input: CreatePlanInput!) { validatePlan(input: $input) { valid problems { code path message } } }`;
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;

interface Problem {
  code: string;
  path: string | null;
  message: string;
}
interface Validation {
  valid: boolean;
  problems: Problem[];
}

const validate = async (input: Record<string, unknown>): Promise<Validation> => (await api.ok<{ validatePlan: Validation }>(VALIDATE, { input })).validatePlan;

/** What createPlan refuses the request with, as validatePlan lists it: each problem with the error's code (a refusal without a list: itself, without a path). */
async function refusalOf(input: Record<string, unknown>): Promise<Problem[]> {
  const r = await api.exec(CREATE, { input });
  const error = r.errors?.[0];
  expect(error, "createPlan was expected to refuse the request").toBeDefined();
  const code = error!.extensions!["code"] as string;
  const listed = error!.extensions!["problems"] as { path: string; message: string }[] | undefined;
  return listed ? listed.map((p) => ({ code, ...p })) : [{ code, path: null, message: error!.message }];
}

/** validatePlan finds exactly what createPlan refuses the request for, and neither writes anything. */
async function expectSameRefusal(input: Record<string, unknown>): Promise<Problem[]> {
  const before = await api.store.queries.signals.head();
  const validation = await validate(input);
  expect(validation.valid).toBe(false);
  expect(validation.problems).toEqual(await refusalOf(input));
  expect(await api.store.queries.signals.head()).toBe(before);
  return validation.problems;
}

const planCount = async (): Promise<number> => (await api.ok(`{ plans { totalCount } }`)).plans.totalCount;

describe("validatePlan", () => {
  it("says a valid plan is valid, and creates nothing: no plan, no signal", async () => {
    const input = { name: "ok", labels: ["x"], steps: [{ key: "a", role: "r" }, { key: "b", role: "r", dependsOn: ["a"] }], prefetch: [{ key: "cfg", url: "https://example.com/cfg" }] };
    expect(await validate(input)).toEqual({ valid: true, problems: [] });
    expect(await planCount()).toBe(0);
    expect(await api.store.queries.signals.head()).toBe(0);
    // createPlan agrees: it takes the same request.
    await api.ok(CREATE, { input });
    expect(await planCount()).toBe(1);
  });

  it("lists every problem of the steps at once, with createPlan's codes, paths and messages: cycle, unknown dependency, duplicate key…", async () => {
    const problems = await expectSameRefusal({
      name: " ",
      delayMs: -1,
      steps: [
        { key: "a", role: "r", dependsOn: ["c"] },
        { key: "b", role: "r", dependsOn: ["a", "ghost"] },
        { key: "c", role: "r", dependsOn: ["b"], timeoutMs: -5 },
        { key: "c", role: "" },
      ],
    });
    expect(problems.every((p) => p.code === "BAD_USER_INPUT")).toBe(true);
    expect(problems).toEqual(
      expect.arrayContaining([
        { code: "BAD_USER_INPUT", path: "name", message: "must not be empty" },
        { code: "BAD_USER_INPUT", path: "steps[1].dependsOn", message: 'unknown step "ghost"' },
        { code: "BAD_USER_INPUT", path: "steps[3].key", message: expect.stringContaining('duplicate key "c"') },
        { code: "BAD_USER_INPUT", path: "steps[3].role", message: "must not be empty" },
        { code: "BAD_USER_INPUT", path: "delayMs", message: "must be a whole number ≥ 0, got -1" },
        expect.objectContaining({ message: expect.stringMatching(/dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/) }),
      ]),
    );
    expect(await planCount()).toBe(0);
  });

  it("checks a template and its input as createPlan does: unknown template or version, bad reference, steps and template together, a generator's input", async () => {
    await api.ok(`mutation($input: RegisterTemplateInput!) { registerTemplate(input: $input) { id } }`, {
      input: { name: "etl", steps: [{ key: "extract", role: "r" }, { key: "load", role: "r", dependsOn: ["extract"] }] },
    });
    await installTemplates(api.coordinator.templates, null);

    expect(await validate({ name: "p", template: "etl@1", input: { day: 1 } })).toEqual({ valid: true, problems: [] });
    expect(await validate({ name: "chain", template: "linear-pipeline", input: { stages: ["a", "b"] } })).toEqual({ valid: true, problems: [] });

    expect(await expectSameRefusal({ name: "p", template: "etl@2" })).toEqual([{ code: "NOT_FOUND", path: null, message: "template etl@2 not found" }]);
    expect(await expectSameRefusal({ name: "p", template: "etl@zero" })).toEqual([{ code: "BAD_USER_INPUT", path: "template", message: expect.stringContaining("does not name a template") }]);
    expect(await expectSameRefusal({ name: "p", template: "etl", steps: [{ key: "a", role: "r" }] })).toEqual([
      { code: "BAD_USER_INPUT", path: "template", message: "give either steps or a template, not both" },
    ]);
    // The generator's steps come from the input: their problems are at the input's path.
    expect(await expectSameRefusal({ name: "chain", template: "linear-pipeline" })).toEqual([
      { code: "BAD_USER_INPUT", path: "input.stages", message: expect.stringContaining("linear-pipeline needs input.stages: a non-empty list") },
    ]);
    const stages = await expectSameRefusal({ name: "chain", template: "linear-pipeline", input: { stages: ["a", { key: "stage-1", role: "b" }] } });
    expect(stages.map((p) => p.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^input\.stages\[1\]/)]));
    expect(await planCount()).toBe(0);
  });

  it("checks the idempotency key: the same request is valid (createPlan returns the first plan), another one a CONFLICT", async () => {
    const input = { name: "once", idempotencyKey: "k-1", steps: [{ key: "a", role: "r" }] };
    const { createPlan } = await api.ok(CREATE, { input });
    expect(await validate(input)).toEqual({ valid: true, problems: [] });
    expect(await expectSameRefusal({ ...input, name: "twice" })).toEqual([
      { code: "CONFLICT", path: null, message: `idempotencyKey "k-1" was used for plan ${createPlan.id} with a different request` },
    ]);
    expect(await planCount()).toBe(1);
  });

  it("is for the roles that may create plans: an operator may, a viewer or an agent token is FORBIDDEN", async () => {
    const input = { name: "p", steps: [{ key: "a", role: "r" }] };
    const as = (p: (typeof principals)[keyof typeof principals]) => api.exec<{ validatePlan: Validation }>(VALIDATE, { input }, p.name, p);
    expect((await as(principals.operator)).data?.validatePlan).toEqual({ valid: true, problems: [] });
    for (const p of [principals.viewer, principals.coder]) {
      const r = await as(p);
      expect(r.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
      expect(r.errors?.[0]?.message).toContain("validatePlan needs the role operator or admin");
      const created = await api.exec(CREATE, { input }, p.name, p);
      expect(created.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");
    }
  });
});

describe("validatePlan over HTTP", () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
  });

  it("takes one request from the token's budget, as any read does: past BATON_TOKEN_RATE_LIMIT it is RATE_LIMITED", async () => {
    gw = await startGateway({ env: { BATON_TOKEN_RATE_LIMIT: "3/1h" } });
    const operator = await gw.token("operator");
    const input = { name: "p", steps: [{ key: "a", role: "r", dependsOn: ["nope"] }] };
    const answers: { status: number; body: GqlResult }[] = [];
    for (let i = 0; i < 4; i++) answers.push(await gw.post(VALIDATE, { input }, operator));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.body.data?.["validatePlan"]).toEqual({ valid: false, problems: [{ code: "BAD_USER_INPUT", path: "steps[0].dependsOn", message: 'unknown step "nope"' }] });
    expect(answers[3]!.status).toBe(429);
    expect(answers[3]!.body.errors?.[0]?.extensions?.["code"]).toBe("RATE_LIMITED");
  });
});
