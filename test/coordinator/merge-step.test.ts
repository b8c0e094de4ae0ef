import { afterEach, describe, expect, it } from "vitest";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import { BatonError } from "../../src/domain/errors.js";
import type { Json } from "../../src/domain/model.js";
import type { StepDraft } from "../../src/engine/validate.js";
import { silentLogger } from "../helpers/api.js";
import { onPostgres } from "../helpers/database.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const env = await makeCoordinator();
  const builtins = new BuiltinAgents(env.coordinator, silentLogger);
  await builtins.start();
  cleanups.push(async () => {
    await env.coordinator.stop();
    await builtins.stop();
  });
  const run = async (steps: StepDraft[]) => (await env.coordinator.createPlan({ name: "report", steps }, "test")).id;
  const plan = async (id: string) => (await env.store.queries.plans.load(id))!;
  return { ...env, run, plan };
}

const echo = (key: string, input: Json): StepDraft => ({ key, role: "builtin.echo", input });

describe("builtin.merge", () => {
  it("merges its dependencies' outputs into the plan result: PII masked, citations de-duplicated, any dependsOn order", async () => {
    const { run, plan } = await setup();
    const web = echo("web", {
      ok: true,
      sections: [{ title: "Key Findings", body: "Demand rose 12% in 2024; contact jane@example.com." }, { title: "Executive Summary", body: "Strong year." }],
      citations: [{ queryId: "q1", datasetId: "sales", title: "Sales by Jane Doe", timestamp: "2024-01-01T00:00:00Z" }],
      freshness: { sales: "2024-01-01T00:00:00Z" },
    });
    const db = echo("db", {
      sections: [{ title: "key findings", body: "demand rose 12% in 2024; CONTACT jane@example.com. More detail." }, { title: "Evidence", body: "Call 555-123-4567." }],
      citations: [{ queryId: "q1", datasetId: "sales", url: "https://data/sales", timestamp: "2024-02-01T00:00:00Z" }, { queryId: "q0", datasetId: "ops" }],
      freshness: { sales: "2024-03-01T00:00:00Z" },
      warnings: ["ops data partial"],
    });
    const api = echo("api", { ok: true, sections: [{ title: "Appendix", body: "SSN 123-45-6789, card 4111 1111 1111 1111." }] });
    const merge = (dependsOn: string[]): StepDraft => ({ key: "report", role: "builtin.merge", dependsOn, config: { pii: { names: ["Jane Doe"] } } });

    const one = await run([web, db, api, merge(["web", "db", "api"])]);
    const other = await run([api, web, db, merge(["api", "db", "web"])]);
    await waitFor(async () => (await plan(one)).plan.state === "COMPLETED" && (await plan(other)).plan.state === "COMPLETED");

    expect((await plan(one)).plan.result).toEqual({
      ok: true,
      sections: [
        { title: "Executive Summary", body: "Strong year.", sources: ["web"] },
        { title: "Key Findings", body: "Demand rose 12% in 2024; contact ***.", sources: ["db", "web"] },
        { title: "Evidence", body: "Call ***.", sources: ["db"] },
        { title: "Appendix", body: "SSN ***, card ***.", sources: ["api"] },
      ],
      citations: [
        { queryId: "q0", datasetId: "ops", title: null, url: null, timestamp: null, sources: ["db"] },
        { queryId: "q1", datasetId: "sales", title: "Sales by ***", url: "https://data/sales", timestamp: "2024-02-01T00:00:00Z", sources: ["db", "web"] },
      ],
      freshness: { sales: "2024-03-01T00:00:00Z" },
      warnings: ["ops data partial"],
      pii: { email: 1, phone: 1, nationalId: 1, card: 1, custom: 1 },
      inputs: ["api", "db", "web"],
    });
    // The same bytes (on PostgreSQL, jsonb stores objects in its own key order: the same content).
    const bytes = (v: unknown): string => JSON.stringify(onPostgres ? sortedKeys(v) : v);
    expect(bytes((await plan(other)).plan.result)).toBe(bytes((await plan(one)).plan.result));
  });

  it("with no dependencies merges nothing; a dependency without an object output makes it not ok", async () => {
    const { run, plan } = await setup();
    const alone = await run([{ key: "m", role: "builtin.merge" }]);
    const odd = await run([echo("a", "just text"), { key: "m", role: "builtin.merge", dependsOn: ["a"] }]);
    await waitFor(async () => (await plan(alone)).plan.state === "COMPLETED" && (await plan(odd)).plan.state === "COMPLETED");
    expect((await plan(alone)).plan.result).toMatchObject({ ok: true, sections: [], inputs: [], warnings: ["nothing to merge: the step has no dependencies"] });
    expect((await plan(odd)).plan.result).toMatchObject({ ok: false, inputs: ["a"], warnings: ["dependency a output is not an object"] });
  });

  it("refuses a plan whose config.pii is malformed, at the step's path", async () => {
    const { coordinator } = await setup();
    let error: unknown;
    try {
      await coordinator.createPlan({ name: "bad", steps: [echo("a", {}), { key: "m", role: "builtin.merge", dependsOn: ["a"], config: { pii: { names: [""], patterns: ["("] } } }] }, "test");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BatonError);
    expect(((error as BatonError).details["problems"] as { path: string }[]).map((p) => p.path)).toEqual(["steps[1].config.pii.names[0]", "steps[1].config.pii.patterns[0]"]);
  });
});

/** The value with every object's keys in sorted order. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]));
}
