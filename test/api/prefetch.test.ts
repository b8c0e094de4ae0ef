/** createPlan's `prefetch` through the GraphQL API, with the built-in agents running and a local HTTP server. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import { makeApi, silentLogger } from "../helpers/api.js";
import { waitFor } from "../helpers/fixtures.js";

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
let builtins: BuiltinAgents;
let server: Server;
let requests = 0;
let base = "";
beforeEach(async () => {
  api = await makeApi();
  builtins = new BuiltinAgents(api.coordinator, silentLogger, { outbound: loopbackAllowed() });
  await builtins.start();
  requests = 0;
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { "content-type": "application/json" }).end('{"flags":["beta"]}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await api.coordinator.stop();
  await builtins.stop();
  await api.stop();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id steps { key role dependsOn config } } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { state context { data } steps { key state output } } }`;
const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`;
const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { stepKey context } }`;

describe("createPlan with prefetch", () => {
  it("fetches into the context before the first wave: the claimed step's context has the value", async () => {
    const url = `${base}/flags`;
    const { createPlan } = await api.ok(CREATE, {
      input: { name: "p", prefetch: [{ key: "flags", url, ttlMs: 5_000, timeoutMs: 2_000, required: true }], steps: [{ key: "work", role: "r" }] },
    });
    expect(createPlan.steps).toEqual([
      { key: "prefetch.flags", role: "builtin.prefetch", dependsOn: [], config: { key: "flags", url, ttlMs: 5_000, timeoutMs: 2_000, required: true } },
      { key: "work", role: "r", dependsOn: ["prefetch.flags"], config: null },
    ]);
    await waitFor(async () => (await api.ok(PLAN, { id: createPlan.id })).plan.steps[0].state === "SUCCEEDED");
    const { plan } = await api.ok(PLAN, { id: createPlan.id });
    expect(plan.context.data).toMatchObject({ flags: { flags: ["beta"] } });
    expect(plan.steps[0].output).toEqual({ key: "flags", cacheKey: url, hit: false, bytes: 18, status: 200, durationMs: expect.any(Number) });

    const agent = (await api.ok(REGISTER, { input: { name: "w", roles: ["r"] } })).registerAgent;
    const [lease] = (await api.ok(CLAIM, { input: { agentId: agent.id } })).claimSteps;
    expect(lease).toMatchObject({ stepKey: "work", context: { flags: { flags: ["beta"] } } });
    expect(requests).toBe(1);
  });

  it("refuses bad prefetches with BAD_USER_INPUT naming each", async () => {
    const r = await api.exec(CREATE, {
      input: { name: "p", prefetch: [{ key: "a", url: "file:///etc/passwd" }, { key: "a", url: `${base}/x`, timeoutMs: 0 }], steps: [{ key: "work", role: "r" }] },
    });
    expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect((r.errors![0]!.extensions!["problems"] as { path: string }[]).map((p) => p.path)).toEqual(["prefetch[0].url", "prefetch[1].timeoutMs", "prefetch[1].key"]);
  });
});
