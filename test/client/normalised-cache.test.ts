/**
 * The clients users bring, with their normalised caches, against a real gateway over HTTP:
 * Apollo Client 4 (InMemoryCache with the type policies of src/client/cache.ts) and urql with
 * @urql/exchange-graphcache (with its `keys`). A plan with its steps, policy, evaluation and
 * context is read twice with different selections, a step is completed through the client and
 * then from outside; the steps are normalised (`Step:<id>` entries), one step's change shows in
 * every query that holds it, and neither cache prints a warning. Without the configuration both
 * do warn (the last tests), which is what the configuration is for — and proves the warnings
 * would be seen.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { apolloTypePolicies, graphcacheKeys, NODE_TYPES } from "../../src/client/cache.js";
import { stepId } from "../../src/domain/ids.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

// Apollo Client 4 prints its warnings only in development builds: __DEV__ is read when it loads.
(globalThis as { __DEV__?: boolean }).__DEV__ = true;
const apollo = await import("@apollo/client");
const { loadDevMessages, loadErrorMessages } = await import("@apollo/client/dev");
loadDevMessages();
loadErrorMessages();
const urql = await import("@urql/core");
const { cacheExchange } = await import("@urql/exchange-graphcache");

const Q1 = `query PlanA($id: ID!) {
  plan(id: $id) {
    id name state version
    policy { maxParallel retry { maxAttempts } }
    steps { id planId key state output }
    evaluation { score grade }
  }
}`;
const Q2 = `query PlanB($id: ID!) {
  plan(id: $id) {
    id state
    policy { complexity stepTimeoutMs }
    steps { id key state attempts error { message } retryPolicy { initialIntervalMs } }
    evaluation { grade recommendations }
    context { version entries { key } }
  }
}`;
const COMPLETE = `mutation Complete($lease: ID!, $output: JSON) { completeStep(leaseId: $lease, output: $output) { id state output } }`;

let gw: Gateway;
let warnings: string[];

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.stop();
});
beforeEach(() => {
  warnings = [];
  const capture = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  vi.spyOn(console, "warn").mockImplementation(capture);
  vi.spyOn(console, "error").mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function ok(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await gw.post(query, variables);
  if (r.body.errors?.length) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data!;
}

/** A started plan of two steps (b after a) of a role of its own, and an agent holding a's lease. */
async function scenario(role: string) {
  const { createPlan } = await ok(
    `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`,
    { input: { name: `cache ${role}`, steps: [{ key: "a", role }, { key: "b", role, dependsOn: ["a"] }] } },
  );
  const planId = createPlan.id as string;
  const { registerAgent } = await ok(`mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`, { input: { name: role, roles: [role] } });
  const claim = async (): Promise<string> => {
    const { claimSteps } = await ok(`mutation($a: ID!) { claimSteps(input: { agentId: $a }) { id } }`, { a: registerAgent.id });
    expect(claimSteps).toHaveLength(1);
    return claimSteps[0].id as string;
  };
  return { planId, leaseA: await claim(), claim, a: stepId(planId, "a"), b: stepId(planId, "b") };
}

const headers = (): Record<string, string> => ({ authorization: `Bearer ${gw.adminToken}` });

describe("Apollo Client 4, InMemoryCache", () => {
  const makeClient = (typePolicies?: ReturnType<typeof apolloTypePolicies>) =>
    new apollo.ApolloClient({
      link: new apollo.HttpLink({ uri: gw.url, headers: headers() }),
      cache: new apollo.InMemoryCache(typePolicies ? { typePolicies, possibleTypes: { Node: [...NODE_TYPES] } } : {}),
    });

  it("with apolloTypePolicies(): steps are Step:<id> entries, a completion shows in every query, no warnings", async () => {
    const s = await scenario("apollo");
    const client = makeClient(apolloTypePolicies());
    const [q1, q2] = [apollo.gql(Q1), apollo.gql(Q2)];
    const variables = { id: s.planId };

    const first = await client.query<any>({ query: q1, variables, fetchPolicy: "network-only" });
    expect(first.data!.plan.steps.map((x: { id: string }) => x.id)).toEqual([s.a, s.b]);
    await client.query<any>({ query: q2, variables, fetchPolicy: "network-only" });

    const cache = client.cache.extract() as Record<string, any>;
    expect(cache[`Step:${s.a}`]).toMatchObject({ __typename: "Step", id: s.a, planId: s.planId, key: "a", state: "RUNNING", attempts: 1 });
    expect(cache[`Step:${s.b}`]).toMatchObject({ key: "b", state: "PENDING" });
    expect(cache[`Plan:${s.planId}`].steps).toEqual([{ __ref: `Step:${s.a}` }, { __ref: `Step:${s.b}` }]);
    // The policy keeps what both queries read of it.
    expect(cache[`Plan:${s.planId}`].policy).toMatchObject({ maxParallel: 1, complexity: "SIMPLE", retry: { maxAttempts: expect.any(Number) } });

    // A completion through the client updates the step every cached query holds.
    const done = await client.mutate<any>({ mutation: apollo.gql(COMPLETE), variables: { lease: s.leaseA, output: { n: 1 } } });
    expect(done.data!.completeStep).toMatchObject({ id: s.a, state: "SUCCEEDED" });
    const cached1 = client.readQuery({ query: q1, variables }) as any;
    expect(cached1.plan.steps[0]).toMatchObject({ id: s.a, state: "SUCCEEDED", output: { n: 1 } });
    const cached2 = client.readQuery({ query: q2, variables }) as any;
    expect(cached2.plan.steps[0]).toMatchObject({ id: s.a, state: "SUCCEEDED" });

    // The rest of the plan runs outside the client; reading again replaces the values (the
    // evaluation appears, the context has a key) without a warning.
    const leaseB = await s.claim();
    await ok(COMPLETE, { lease: leaseB, output: { n: 2 } });
    const again1 = await client.query<any>({ query: q1, variables, fetchPolicy: "network-only" });
    const again2 = await client.query<any>({ query: q2, variables, fetchPolicy: "network-only" });
    expect(again1.data!.plan.state).toBe("COMPLETED");
    expect(again1.data!.plan.evaluation).toMatchObject({ grade: expect.any(String), score: expect.any(Number) });
    expect(again2.data!.plan.evaluation.recommendations).toEqual(expect.any(Array));
    expect((client.readQuery({ query: q1, variables }) as any).plan.steps.map((x: { state: string }) => x.state)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(Object.keys(client.cache.extract() as object).filter((k) => k.startsWith("Step:")).sort()).toEqual([`Step:${s.a}`, `Step:${s.b}`].sort());

    expect(warnings).toEqual([]);
  });

  it("without the type policies, reading the policy with another selection warns (what the policies prevent)", async () => {
    const s = await scenario("apollo-bare");
    const client = makeClient();
    await client.query({ query: apollo.gql(Q1), variables: { id: s.planId }, fetchPolicy: "network-only" });
    await client.query({ query: apollo.gql(Q2), variables: { id: s.planId }, fetchPolicy: "network-only" });
    // Steps are normalised with the defaults too: they have ids.
    expect(Object.keys(client.cache.extract() as object)).toContain(`Step:${s.a}`);
    const text = warnings.join("\n");
    expect(text).toMatch(/Cache data may be lost when replacing the/);
    expect(text).toMatch(/ExecutionPolicy/);
  });
});

describe("urql with @urql/exchange-graphcache", () => {
  /**
   * `look` runs inside graphcache when a completeStep result is written (an updater), the one
   * place its normalised store can be read directly: what it returns is kept in `seen`.
   */
  const makeClient = (keys?: ReturnType<typeof graphcacheKeys>, look?: (cache: import("@urql/exchange-graphcache").Cache) => unknown) => {
    const seen: unknown[] = [];
    const updates = look ? { Mutation: { completeStep: (_r: unknown, _a: unknown, cache: import("@urql/exchange-graphcache").Cache) => void seen.push(look(cache)) } } : {};
    const client = new urql.Client({
      url: gw.url,
      // Queries as POSTs (urql sends short queries as GETs by default).
      preferGetMethod: false,
      fetchOptions: { headers: headers() },
      exchanges: [cacheExchange({ ...(keys ? { keys } : {}), updates }), urql.fetchExchange],
    });
    return { client, seen };
  };

  it("with graphcacheKeys(): steps are Step:<id> entries, a completion shows in every query, no warnings", async () => {
    const s = await scenario("urql");
    let plan = "";
    const { client, seen } = makeClient(graphcacheKeys(), (cache) => ({
      steps: cache.resolve(plan, "steps"),
      entities: (cache.resolve(plan, "steps") as string[]).map((key) => ({ key, fields: cache.inspectFields(key).map((f) => f.fieldKey).sort(), state: cache.resolve(key, "state") })),
    }));
    const variables = { id: s.planId };
    const get = async (q: string, requestPolicy: "network-only" | "cache-only" = "network-only") => {
      const r = await client.query(q, variables, { requestPolicy }).toPromise();
      if (r.error) throw r.error;
      return r.data as any;
    };

    expect((await get(Q1)).plan.steps.map((x: { id: string }) => x.id)).toEqual([s.a, s.b]);
    await get(Q2);
    plan = `Plan:${s.planId}`;

    const done = await client.mutation(COMPLETE, { lease: s.leaseA, output: { n: 1 } }).toPromise();
    expect(done.error).toBeUndefined();
    // The plan links to Step:<id> entities holding the fields of both queries; a's is already SUCCEEDED.
    expect(seen).toEqual([
      {
        steps: [`Step:${s.a}`, `Step:${s.b}`],
        entities: [
          { key: `Step:${s.a}`, fields: ["__typename", "attempts", "error", "id", "key", "output", "planId", "retryPolicy", "state"], state: "SUCCEEDED" },
          { key: `Step:${s.b}`, fields: ["__typename", "attempts", "error", "id", "key", "output", "planId", "retryPolicy", "state"], state: "PENDING" },
        ],
      },
    ]);
    expect((await get(Q1, "cache-only")).plan.steps[0]).toMatchObject({ id: s.a, state: "SUCCEEDED", output: { n: 1 } });
    expect((await get(Q2, "cache-only")).plan.steps[0]).toMatchObject({ id: s.a, state: "SUCCEEDED" });

    const leaseB = await s.claim();
    await ok(COMPLETE, { lease: leaseB, output: { n: 2 } });
    const again1 = await get(Q1);
    const again2 = await get(Q2);
    expect(again1.plan.state).toBe("COMPLETED");
    expect(again1.plan.evaluation).toMatchObject({ grade: expect.any(String) });
    expect(again2.plan.evaluation.recommendations).toEqual(expect.any(Array));
    expect((await get(Q1, "cache-only")).plan.steps.map((x: { state: string }) => x.state)).toEqual(["SUCCEEDED", "SUCCEEDED"]);

    expect(warnings).toEqual([]);
  });

  it("without the keys, every value type warns (what the keys prevent)", async () => {
    const s = await scenario("urql-bare");
    const { client } = makeClient();
    const r = await client.query(Q2, { id: s.planId }, { requestPolicy: "network-only" }).toPromise();
    expect(r.error).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/Invalid key: [^\n]*`Plan:[^`]*\.policy`[\s\S]*`ExecutionPolicy`/);
    expect(warnings.join("\n")).not.toMatch(/`Step`/);
  });
});
