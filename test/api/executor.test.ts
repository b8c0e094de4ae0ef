/**
 * What the executor compiles (graphql-jit) and keeps: never a document that failed validation,
 * an operation only on its second run and only when small, within a bound on what is kept; and
 * the same answers compiled or not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/config.js";
import type { Coordinator } from "../../src/coordinator/coordinator.js";
import { createApolloServer } from "../../src/server/app.js";
import type { ExecutorStats } from "../../src/server/executor.js";
import { silentLogger, type GqlResult } from "../helpers/api.js";
import { makeCoordinator } from "../helpers/fixtures.js";
import { planReq } from "../helpers/coordinator.js";

const stats: ExecutorStats = { compiled: 0, compiledChars: 0, compilations: 0 };
const { coordinator } = await makeCoordinator();
const apollo = createApolloServer(silentLogger, false, [], DEFAULT_LIMITS, stats);
const principal = { name: "tester", role: "admin" as const, tokenId: null };

async function run(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult> {
  const res = await apollo.executeOperation({ query, variables }, { contextValue: { coordinator: coordinator as Coordinator, principal, actor: "tester" } });
  if (res.body.kind !== "single") throw new Error("expected a single result");
  return res.body.singleResult as GqlResult;
}

const rep = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join(" ");

beforeAll(() => apollo.start());
afterAll(() => apollo.stop());

describe("the executor", () => {
  it("never compiles a document that failed validation, however often it is sent", async () => {
    const before = stats.compilations;
    for (let i = 0; i < 5; i++) {
      expect((await run(`{ plans { nope } }`)).errors?.[0]?.extensions?.["code"]).toBe("GRAPHQL_VALIDATION_FAILED");
      expect((await run(`{ plan { id } }`)).errors).toBeDefined();
    }
    expect(stats.compilations).toBe(before);
  });

  it("compiles an operation on its second run, and answers the same both ways", async () => {
    const plan = await coordinator.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
    const query = `query($id: ID!) { plan(id: $id) { id name state steps { key state dependsOn } } }`;
    const before = stats.compilations;
    const first = await run(query, { id: plan.id });
    expect(stats.compilations).toBe(before);
    const second = await run(query, { id: plan.id });
    expect(stats.compilations).toBe(before + 1);
    const third = await run(query, { id: plan.id });
    expect(stats.compilations).toBe(before + 1);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(first.data!["plan"].steps).toHaveLength(2);
  });

  it("runs large operations without compiling them", async () => {
    const before = stats.compilations;
    const big = `{ ${rep(100, (i) => `a${i}: plan(id: "x") { steps { key state input dependsOn } }`)} }`;
    for (let i = 0; i < 3; i++) expect((await run(big)).errors).toBeUndefined();
    expect(stats.compilations).toBe(before);
  });

  it("keeps what it compiled within a bound on the documents' length", async () => {
    const before = stats.compilations;
    const id = "x".repeat(3_000);
    for (let d = 0; d < 30; d++) {
      const query = `{ ${rep(4, (i) => `d${d}x${i}: plan(id: "${id}") { id name state }`)} }`; // 12 KB
      await run(query);
      await run(query);
    }
    expect(stats.compilations - before).toBe(30);
    expect(stats.compiledChars).toBeLessThanOrEqual(256 * 1024);
    expect(stats.compiled).toBeLessThan(stats.compilations);
  });

  it("serves introspection from a kept answer", async () => {
    const q = `{ __schema { queryType { name } } __type(name: "Plan") { name fields { name } } }`;
    const first = await run(q);
    expect(first.data!["__schema"]).toEqual({ queryType: { name: "Query" } });
    expect(await run(q)).toEqual(first);
  });
});
