/**
 * Authentication and roles over real HTTP: the first start's admin token file, tokens created
 * by the admin mutations, what each role may do, agents held to their own agents and leases,
 * the actor recorded, expiry (ManualClock), the per-token request budget, and BATON_AUTH=off.
 */
import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/coordinator/clock.js";
import { rows } from "../helpers/coordinator.js";
import { sqlRows } from "../helpers/database.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

const CREATE_TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token info { id name role prefix expiresAt revokedAt } } }`;
const CREATE_PLAN = `mutation($name: String!) { createPlan(input: { name: $name, steps: [{ key: "a", role: "worker" }] }) { id state } }`;
const REGISTER = `mutation($name: String!) { registerAgent(input: { name: $name, roles: ["worker"] }) { id } }`;
const CLAIM = `mutation($agentId: ID!) { claimSteps(input: { agentId: $agentId, max: 1 }) { id planId stepKey } }`;
const COMPLETE = `mutation($leaseId: ID!) { completeStep(leaseId: $leaseId, output: { ok: true }) { state } }`;
const HEARTBEAT = `mutation($leaseId: ID!) { heartbeatStep(leaseId: $leaseId) { cancelRequested } }`;
const UPDATE_CONTEXT = `mutation($planId: ID!, $leaseId: ID) { updateContext(planId: $planId, key: "notes", value: "x", leaseId: $leaseId) { version } }`;

const clock = new ManualClock(Date.now());
let gw: Gateway;
const token: Record<"viewer" | "operator" | "agent" | "agent2", string> = { viewer: "", operator: "", agent: "", agent2: "" };

/** Creates a token with the admin token and returns its secret. */
async function createToken(name: string, role: string, expiresAt?: string): Promise<string> {
  const r = await gw.post(CREATE_TOKEN, { input: { name, role, expiresAt } });
  expect(r.body.errors).toBeUndefined();
  return r.body.data!["createToken"].token as string;
}

/** The gateway's store: for raw SQL. */
const storeOf = (g: Gateway) => g.app.coordinator.store;

const code = (r: { body: { errors?: { extensions?: Record<string, unknown> }[] } }): unknown => r.body.errors?.[0]?.extensions?.["code"];

beforeAll(async () => {
  gw = await startGateway({ clock });
  token.viewer = await createToken("vera", "VIEWER");
  token.operator = await createToken("alice", "OPERATOR");
  token.agent = await createToken("robot", "AGENT");
  token.agent2 = await createToken("intruder", "AGENT");
});
afterAll(() => gw?.stop());

describe("first start", () => {
  it("writes an admin token beside the database, readable by its owner only, and keeps it on later starts", async () => {
    expect(gw.adminToken).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    expect(statSync(`${gw.dir}/admin.token`).mode & 0o777).toBe(0o600);
    const r = await gw.post(`{ viewer { name role tokenId } }`);
    expect(r.body.data).toMatchObject({ viewer: { name: "admin", role: "ADMIN" } });
    // The token is stored as a hash: its text appears nowhere in the database.
    const stored = await sqlRows(storeOf(gw), "SELECT * FROM api_tokens");
    expect(JSON.stringify(stored)).not.toContain(gw.adminToken!.slice(6));
  });
});

describe("without a good token", () => {
  it("refuses a missing token (UNAUTHENTICATED) and changes nothing; introspection stays open", async () => {
    const before = await rows(storeOf(gw), "plans");
    const r = await gw.post(CREATE_PLAN, { name: "nope" }, null);
    expect(code(r)).toBe("UNAUTHENTICATED");
    // Refused before the document is validated or run: a request error, 401 with a challenge.
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toBe("Bearer");
    expect(r.body.data).toBeUndefined();
    expect(code(await gw.post(`{ plans { totalCount } }`, {}, null))).toBe("UNAUTHENTICATED");
    expect(await rows(storeOf(gw), "plans")).toBe(before);
    const schema = await gw.post(`{ __schema { queryType { name } } }`, {}, null);
    expect(schema.body).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
  });

  it("answers a bad, malformed or unknown token with 401 UNAUTHENTICATED", async () => {
    for (const header of ["Bearer baton_nope", "Basic abc", "Bearer"]) {
      const r = await gw.post(`{ viewer { name } }`, {}, null, { authorization: header });
      expect(r.status).toBe(401);
      expect(code(r)).toBe("UNAUTHENTICATED");
    }
  });
});

describe("roles", () => {
  it("viewer reads but may not write; the error names what is needed", async () => {
    expect((await gw.post(`{ plans { totalCount } }`, {}, token.viewer)).body.errors).toBeUndefined();
    const r = await gw.post(CREATE_PLAN, { name: "v" }, token.viewer);
    expect(code(r)).toBe("FORBIDDEN");
    expect(r.body.errors![0]!.message).toBe("createPlan needs the role operator or admin; this token's role is viewer");
  });

  it("operator runs plans but may not claim work, manage tokens or see webhooks", async () => {
    expect((await gw.post(CREATE_PLAN, { name: "op" }, token.operator)).body.errors).toBeUndefined();
    expect(code(await gw.post(REGISTER, { name: "op-agent" }, token.operator))).toBe("FORBIDDEN");
    expect(code(await gw.post(CREATE_TOKEN, { input: { name: "x", role: "ADMIN" } }, token.operator))).toBe("FORBIDDEN");
    expect(code(await gw.post(`{ tokens { id } }`, {}, token.operator))).toBe("FORBIDDEN");
    expect(code(await gw.post(`{ webhooks { id } }`, {}, token.operator))).toBe("FORBIDDEN");
  });

  it("records the principal as the actor, whatever x-baton-actor says", async () => {
    const plan = (await gw.post(CREATE_PLAN, { name: "audited" }, token.operator)).body.data!["createPlan"];
    await gw.post(`mutation($id: ID!) { pausePlan(id: $id) { id } }`, { id: plan.id }, token.operator, { "x-baton-actor": "mallory" });
    const r = await gw.post(`query($id: ID!) { interventions(planId: $id) { edges { node { kind actor } } } }`, { id: plan.id }, token.viewer);
    expect(r.body.data!["interventions"].edges.map((e: { node: unknown }) => e.node)).toEqual([{ kind: "PAUSE", actor: "alice" }]);
  });

  it("agents work only through their own agents and leases", async () => {
    expect(code(await gw.post(CREATE_PLAN, { name: "a" }, token.agent))).toBe("FORBIDDEN");
    const plan = (await gw.post(CREATE_PLAN, { name: "agent work" }, token.operator)).body.data!["createPlan"];
    const mine = (await gw.post(REGISTER, { name: "robot-1" }, token.agent)).body.data!["registerAgent"].id as string;
    const theirs = (await gw.post(REGISTER, { name: "intruder-1" }, token.agent2)).body.data!["registerAgent"].id as string;
    expect(code(await gw.post(CLAIM, { agentId: mine }, token.agent2))).toBe("FORBIDDEN");
    let lease: { id: string; planId: string } | undefined;
    // Earlier tests left plans of role worker READY: claim (and finish) until this plan's step is held.
    for (;;) {
      const claimed = await gw.post(CLAIM, { agentId: mine }, token.agent);
      lease = claimed.body.data!["claimSteps"][0];
      expect(lease, JSON.stringify(claimed.body)).toBeDefined();
      if (lease!.planId === plan.id) break;
      await gw.post(COMPLETE, { leaseId: lease!.id }, token.agent);
    }
    if (!lease) throw new Error("no lease");
    const before = (await gw.app.coordinator.store.queries.plans.load(plan.id))!.plan.version;
    for (const op of [HEARTBEAT, COMPLETE]) expect(code(await gw.post(op, { leaseId: lease.id }, token.agent2))).toBe("FORBIDDEN");
    expect(code(await gw.post(UPDATE_CONTEXT, { planId: plan.id, leaseId: lease.id }, token.agent2))).toBe("FORBIDDEN");
    expect(code(await gw.post(UPDATE_CONTEXT, { planId: plan.id }, token.agent))).toBe("FORBIDDEN");
    expect((await gw.app.coordinator.store.queries.plans.load(plan.id))!.plan.version).toBe(before);
    expect((await gw.post(UPDATE_CONTEXT, { planId: plan.id, leaseId: lease.id }, token.agent)).body.errors).toBeUndefined();
    expect((await gw.post(COMPLETE, { leaseId: lease.id }, token.agent)).body.data).toEqual({ completeStep: { state: "SUCCEEDED" } });
    expect(theirs).not.toBe(mine);
  });

  it("agents read only the context entries meant for their agents", async () => {
    const plan = (await gw.post(CREATE_PLAN, { name: "secrets" }, token.operator)).body.data!["createPlan"];
    const write = `mutation($planId: ID!, $key: String!, $targets: [String!]) { updateContext(planId: $planId, key: $key, value: 1, targets: $targets) { version } }`;
    for (const [key, targets] of [["all", null], ["workers", ["worker"]], ["reviewers", ["reviewer"]]] as const) {
      expect((await gw.post(write, { planId: plan.id, key, targets }, token.operator)).body.errors).toBeUndefined();
    }
    const read = `query($id: ID!) { plan(id: $id) { context { entries { key } history { key } } } }`;
    const keys = async (t: string) => {
      const ctx = (await gw.post(read, { id: plan.id }, t)).body.data!["plan"].context;
      return [ctx.entries.map((e: { key: string }) => e.key), ctx.history.map((e: { key: string }) => e.key)];
    };
    expect(await keys(token.agent)).toEqual([["all", "workers"], ["all", "workers"]]); // robot's agent serves worker
    expect(await keys(token.viewer)).toEqual([["all", "reviewers", "workers"], ["all", "workers", "reviewers"]]);
  });

  it("admin may do everything, webhooks and tokens included", async () => {
    const r = await gw.post(`mutation { registerWebhook(url: "http://127.0.0.1:9/hook", kinds: [PLAN_COMPLETED]) { webhook { id } } }`);
    expect(r.body.errors).toBeUndefined();
    const id = r.body.data!["registerWebhook"].webhook.id as string;
    expect((await gw.post(`query($id: ID!) { node(id: $id) { id } }`, { id })).body.data).toEqual({ node: { id } });
    expect(code(await gw.post(`query($id: ID!) { node(id: $id) { id } }`, { id }, token.viewer))).toBe("FORBIDDEN");
    const list = await gw.post(`{ tokens { name role createdBy revokedAt } }`);
    expect(list.body.data!["tokens"]).toEqual(
      expect.arrayContaining([
        { name: "admin", role: "ADMIN", createdBy: "system", revokedAt: null },
        { name: "alice", role: "OPERATOR", createdBy: "admin", revokedAt: null },
      ]),
    );
  });
});

describe("token life", () => {
  it("refuses bad settings with every problem at once", async () => {
    const r = await gw.post(CREATE_TOKEN, { input: { name: " ", role: "VIEWER", expiresAt: new Date(clock.now() - 1).toISOString() } });
    expect(code(r)).toBe("BAD_USER_INPUT");
    expect(r.body.errors![0]!.extensions!["problems"]).toHaveLength(2);
  });

  it("an expired token stops working; a revoked one at once", async () => {
    const short = await createToken("brief", "VIEWER", new Date(clock.now() + 60_000).toISOString());
    expect((await gw.post(`{ viewer { name } }`, {}, short)).status).toBe(200);
    await clock.advance(60_000);
    const expired = await gw.post(`{ viewer { name } }`, {}, short);
    expect([expired.status, expired.body.errors![0]!.message]).toEqual([401, "token expired"]);

    const doomed = await createToken("doomed", "OPERATOR");
    const id = (await gw.post(`{ tokens { id name } }`)).body.data!["tokens"].find((t: { name: string }) => t.name === "doomed").id;
    const revoked = await gw.post(`mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, { id });
    expect(revoked.body.data!["revokeToken"].revokedAt).not.toBeNull();
    const r = await gw.post(`{ viewer { name } }`, {}, doomed);
    expect([r.status, r.body.errors![0]!.message]).toEqual([401, "token revoked"]);
    expect(code(await gw.post(`mutation { revokeToken(id: "tok_nope") { id } }`))).toBe("NOT_FOUND");
  });
});

describe("request budget per token", () => {
  it("answers 429 RATE_LIMITED past BATON_TOKEN_RATE_LIMIT, for that token only", async () => {
    const limited = await startGateway({ env: { BATON_TOKEN_RATE_LIMIT: "3/1h" } });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.post(`{ viewer { name } }`)).status).toBe(200);
      const r = await limited.post(`{ viewer { name } }`);
      expect(r.status).toBe(429);
      expect(code(r)).toBe("RATE_LIMITED");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      const other = (await limited.app.coordinator.tokens.create({ name: "other", role: "viewer" }, "test")).token;
      expect((await limited.post(`{ viewer { name } }`, {}, other)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe("BATON_AUTH=off", () => {
  it("on loopback: no token needed, the actor header is honoured, no admin token is written", async () => {
    const open = await startGateway({ env: { BATON_AUTH: "off" } });
    try {
      expect(open.adminToken).toBeNull();
      const r = await open.post(`{ viewer { name role tokenId } }`, {}, null, { "x-baton-actor": "dev" });
      expect(r.body.data).toEqual({ viewer: { name: "dev", role: "ADMIN", tokenId: null } });
    } finally {
      await open.stop();
    }
  });
});
