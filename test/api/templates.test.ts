/** Plan templates through the GraphQL API: register, read, instantiate, filter, refuse. */
import { describe, expect, it } from "vitest";
import { installTemplates } from "../../src/templates/install.js";
import { useApi } from "../helpers/api.js";

const api = useApi();

const TEMPLATE_FIELDS = `id name version description builtin generator createdAt policy { complexity maxParallel stepTimeoutMs } steps { key role state dependsOn input timeoutMs runAt maxVisits onFailure retryPolicy { maxAttempts } }`;
const REGISTER = `mutation($input: RegisterTemplateInput!) { registerTemplate(input: $input) { ${TEMPLATE_FIELDS} } }`;
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id steps { key input } template { id name version } } }`;

const register = async (input: Record<string, unknown>) => (await api.ok(REGISTER, { input })).registerTemplate;

describe("registerTemplate and the template queries", () => {
  it("registers versions; template(name) is the latest, template(name, version) one of them, templates lists them all", async () => {
    const v1 = await register({ name: "etl", description: "Extract, then load.", steps: [{ key: "extract", role: "r", runAt: "2030-01-01T00:00:00.000Z" }, { key: "load", role: "r", dependsOn: ["extract"], timeoutMs: 5_000 }], policy: { maxParallel: 4 } });
    expect(v1).toEqual({
      id: expect.stringMatching(/^tpl_/),
      name: "etl",
      version: 1,
      description: "Extract, then load.",
      builtin: false,
      generator: null,
      createdAt: expect.any(String),
      policy: { complexity: "SIMPLE", maxParallel: 4, stepTimeoutMs: 300_000 },
      steps: [
        { key: "extract", role: "r", state: "PENDING", dependsOn: [], input: null, timeoutMs: 300_000, runAt: "2030-01-01T00:00:00.000Z", maxVisits: null, onFailure: null, retryPolicy: { maxAttempts: 3 } },
        { key: "load", role: "r", state: "PENDING", dependsOn: ["extract"], input: null, timeoutMs: 5_000, runAt: null, maxVisits: null, onFailure: null, retryPolicy: { maxAttempts: 3 } },
      ],
    });
    const v2 = await register({ name: "etl", steps: [{ key: "only", role: "r" }] });
    await register({ name: "abc", steps: [{ key: "a", role: "r" }] });
    expect(v2).toMatchObject({ version: 2, description: null, steps: [{ key: "only" }] });

    const q = `query($name: String!, $version: Int) { template(name: $name, version: $version) { id version } }`;
    expect((await api.ok(q, { name: "etl" })).template).toEqual({ id: v2.id, version: 2 });
    expect((await api.ok(q, { name: "etl", version: 1 })).template).toEqual({ id: v1.id, version: 1 });
    expect((await api.ok(q, { name: "etl", version: 3 })).template).toBeNull();
    expect((await api.ok(q, { name: "nope" })).template).toBeNull();

    const all = await api.ok(`{ templates { name version } etl: templates(name: "etl") { version } }`);
    expect(all.templates).toEqual([{ name: "abc", version: 1 }, { name: "etl", version: 2 }, { name: "etl", version: 1 }]);
    expect(all.etl).toEqual([{ version: 2 }, { version: 1 }]);
    // Versions are immutable: version 1 reads as it was registered.
    expect((await api.ok(`query($id: ID!) { node(id: $id) { ... on PlanTemplate { ${TEMPLATE_FIELDS} } } }`, { id: v1.id })).node).toEqual(v1);
  });

  it("refuses an invalid template with BAD_USER_INPUT listing every problem, and stores nothing", async () => {
    const r = await api.exec(REGISTER, {
      input: {
        name: "build-website",
        steps: [
          { key: "a", role: "r", onFailure: "nowhere" },
          { key: "b", role: "builtin.http", dependsOn: ["a"] },
        ],
        policy: { stepTimeoutMs: 0 },
      },
    });
    expect(r.errors?.[0]?.extensions).toEqual({
      code: "BAD_USER_INPUT",
      problems: [
        { path: "name", message: '"build-website" is a built-in template: choose another name' },
        { path: "policy.stepTimeoutMs", message: expect.stringContaining("must be a whole number") },
        { path: "steps[0].onFailure", message: 'unknown step "nowhere"' },
        { path: "steps[1].config.url", message: "builtin.http needs config.url, an http(s) URL" },
      ],
    });
    expect((await api.ok(`{ templates { id } }`)).templates).toEqual([]);
  });

  it("lists the built-in templates", async () => {
    await installTemplates(api.coordinator.templates, null);
    const { templates } = await api.ok(`{ templates { name version builtin generator description steps { key role dependsOn maxVisits onFailure } } }`);
    expect(templates.map((t: any) => [t.name, t.version, t.builtin, t.generator])).toEqual([
      ["build-website", 1, true, null],
      ["linear-pipeline", 1, true, "linear-pipeline"],
    ]);
    expect(templates[0].steps).toEqual([
      { key: "spec", role: "product-manager", dependsOn: [], maxVisits: null, onFailure: null },
      { key: "code", role: "coder", dependsOn: ["spec"], maxVisits: 4, onFailure: null },
      { key: "review", role: "reviewer", dependsOn: ["code"], maxVisits: null, onFailure: "code" },
    ]);
    expect(templates[0].description).toContain("REJECTED");
    expect(templates[1].steps).toEqual([]);
  });
});

describe("plans made from templates", () => {
  it("createPlan(template) links the plan to the version it was made from; plans(filter: { template }) finds them", async () => {
    const v1 = await register({ name: "etl", steps: [{ key: "a", role: "r" }, { key: "b", role: "r", input: { own: true } }] });
    const v2 = await register({ name: "etl", steps: [{ key: "c", role: "r" }] });
    const create = async (input: Record<string, unknown>) => {
      await api.clock.advance(1); // plans list newest first
      return (await api.ok(CREATE, { input })).createPlan;
    };
    const fromLatest = await create({ name: "latest", template: "etl", input: { n: 1 } });
    const fromFirst = await create({ name: "first", template: "etl@1", input: { n: 2 } });
    await create({ name: "inline", steps: [{ key: "x", role: "r" }] });
    expect(fromLatest).toMatchObject({ steps: [{ key: "c", input: { n: 1 } }], template: { id: v2.id, name: "etl", version: 2 } });
    expect(fromFirst).toMatchObject({ steps: [{ key: "a", input: { n: 2 } }, { key: "b", input: { own: true } }], template: { id: v1.id, version: 1 } });

    const q = `query($t: String) { plans(filter: { template: $t }) { totalCount edges { node { name template { version } } } } }`;
    const names = async (t: string | null) => (await api.ok(q, { t })).plans.edges.map((e: any) => e.node.name);
    expect(await names("etl")).toEqual(["first", "latest"]);
    expect(await names("etl@1")).toEqual(["first"]);
    expect(await names("etl@2")).toEqual(["latest"]);
    expect(await names("other")).toEqual([]);
    expect(await names(null)).toEqual(["inline", "first", "latest"]);
    expect((await api.ok(q, { t: null })).plans.edges[0].node.template).toBeNull();
    const bad = await api.exec(q, { t: "etl@zero" });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "filter.template" }] });
  });

  it("refuses steps and a template together; an unknown template is NOT_FOUND", async () => {
    await register({ name: "etl", steps: [{ key: "a", role: "r" }] });
    const both = await api.exec(CREATE, { input: { name: "p", template: "etl", steps: [{ key: "a", role: "r" }] } });
    expect(both.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", problems: [{ path: "template", message: "give either steps or a template, not both" }] });
    const unknown = await api.exec(CREATE, { input: { name: "p", template: "etl@2" } });
    expect(unknown.errors?.[0]).toMatchObject({ message: "template etl@2 not found", extensions: { code: "NOT_FOUND" } });
    expect((await api.ok(`{ plans { totalCount } }`)).plans.totalCount).toBe(0);
  });

  it("builds a linear pipeline from input.stages, and says what is missing without them", async () => {
    await installTemplates(api.coordinator.templates, null);
    const { createPlan } = await api.ok(CREATE, { input: { name: "chain", template: "linear-pipeline", input: { stages: ["a", { key: "two", role: "b" }] } } });
    expect(createPlan.steps.map((s: any) => s.key)).toEqual(["stage-1", "two"]);
    const r = await api.exec(CREATE, { input: { name: "chain", template: "linear-pipeline" } });
    expect(r.errors?.[0]?.extensions).toEqual({
      code: "BAD_USER_INPUT",
      problems: [{ path: "input.stages", message: expect.stringContaining("linear-pipeline needs input.stages: a non-empty list") }],
    });
  });
});
