/**
 * Authentication of WebSockets (graphql-ws connectionParams.authorization, checked in
 * onConnect), subscriptions ended when their token is revoked (by the mutation, or by
 * `baton token revoke` in another process, noticed at the next recheck), the request budget of
 * subscriptions, the SDK with a token, and `baton token create|list|revoke`.
 */
import { spawn } from "node:child_process";
import { createClient as createWsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ManualClock } from "../../src/coordinator/clock.js";
import { createAgent, createClient } from "../../src/client/index.js";
import { SignalsDocument } from "../../src/client/generated/graphql.js";
import { waitFor } from "../helpers/fixtures.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";
import { CLI } from "../helpers/process.js";

const clock = new ManualClock(Date.now());
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ clock, env: { BATON_TOKEN_RATE_LIMIT: "1000/1h", BATON_AUTH_RECHECK_MS: "500" } });
});
afterAll(() => gw?.stop());

/** Opens a graphql-ws connection with these params; resolves with how it closed, or "open" once acknowledged. */
function connect(params: Record<string, unknown> | undefined) {
  let closed: { code: number; reason: string } | null = null;
  let acked = false;
  const client = createWsClient({
    url: gw.url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: params,
    on: { connected: () => (acked = true), closed: (e) => (closed = { code: (e as { code: number }).code, reason: (e as { reason: string }).reason }) },
    onNonLazyError: () => undefined,
  });
  return { client, closed: () => closed, acked: () => acked };
}

/** Starts a signals subscription and records its events and how it ended. */
function follow(client: ReturnType<typeof createWsClient>) {
  const seen: unknown[] = [];
  let ended: unknown = null;
  client.subscribe({ query: `subscription { signals { kind } }` }, { next: (v) => seen.push(v), error: (e) => (ended = e ?? "error"), complete: () => (ended ??= "complete") });
  return { seen, ended: () => ended };
}

/**
 * Runs `baton` in another process on the gateway's database, without blocking this one: the
 * gateway goes on serving (and finishes the transaction it may be in, which the CLI waits for).
 */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...gw.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("WebSocket authentication", () => {
  it("closes a connection without a token, or with a bad one, with 4401", async () => {
    for (const params of [undefined, { authorization: "Bearer baton_nope" }, { authorization: 42 }]) {
      const c = connect(params);
      await waitFor(() => c.closed() !== null);
      expect(c.closed()!.code).toBe(4401);
      expect(c.acked()).toBe(false);
      await c.client.dispose();
    }
  });

  it("serves a connection with a token, and ends it with 4403 once the token is revoked", async () => {
    const { token, record } = await gw.app.coordinator.tokens.create({ name: "watcher", role: "viewer" }, "test");
    const c = connect({ authorization: `Bearer ${token}` });
    const sub = follow(c.client);
    await waitFor(() => c.acked() && gw.app.coordinator.hub.subscriberCount > 0);
    await gw.post(`mutation { createPlan(input: { name: "seen", steps: [{ key: "a", role: "w" }] }) { id } }`);
    await waitFor(() => sub.seen.length > 0);
    const r = await gw.post(`mutation($id: ID!) { revokeToken(id: $id) { id } }`, { id: record.id });
    expect(r.body.errors).toBeUndefined();
    await waitFor(() => c.closed() !== null);
    expect(c.closed()).toEqual({ code: 4403, reason: "Forbidden: token revoked" });
    expect(sub.ended()).not.toBeNull();
    await c.client.dispose();
  });

  it("ends a connection whose token `baton token revoke` revoked from another process, at the next recheck", async () => {
    const { token, record } = await gw.app.coordinator.tokens.create({ name: "watcher-2", role: "viewer" }, "test");
    const c = connect({ authorization: `Bearer ${token}` });
    await waitFor(() => c.acked());
    const out = await cli("token", "revoke", record.id);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(`token ${record.id} (watcher-2) revoked at`);
    expect(c.closed()).toBeNull(); // not yet: nothing told this server
    await clock.advance(500);
    await waitFor(() => c.closed() !== null);
    expect(c.closed()!.code).toBe(4403);
    await c.client.dispose();
  });

  it("refuses a subscription past the token's request budget with RATE_LIMITED", async () => {
    const tight = await startGateway({ env: { BATON_TOKEN_RATE_LIMIT: "2/1h" } });
    try {
      const ws = createWsClient({ url: tight.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tight.adminToken}` } });
      const errors: unknown[] = [];
      for (let i = 0; i < 3; i++) ws.subscribe({ query: `subscription { signals { kind } }` }, { next: () => undefined, error: (e) => errors.push(e), complete: () => undefined });
      await waitFor(() => errors.length === 1);
      expect(errors[0]).toMatchObject([{ extensions: { code: "RATE_LIMITED" } }]);
      await ws.dispose();
    } finally {
      await tight.stop();
    }
  });
});

describe("the SDK with tokens", () => {
  it("an agent with an agent token runs a plan an operator created, and a viewer follows it", async () => {
    const operator = (await gw.app.coordinator.tokens.create({ name: "ops", role: "operator" }, "test")).token;
    const agentToken = (await gw.app.coordinator.tokens.create({ name: "sdk-agent", role: "agent" }, "test")).token;
    const viewer = createClient({ url: gw.url, token: (await gw.app.coordinator.tokens.create({ name: "eyes", role: "viewer" }, "test")).token });
    const plan = await gw.post(`mutation { createPlan(input: { name: "sdk", steps: [{ key: "a", role: "sdk" }, { key: "b", role: "sdk", dependsOn: ["a"] }] }) { id } }`, {}, operator);
    const planId = plan.body.data!["createPlan"].id as string;
    const kinds: string[] = [];
    const signals = viewer.subscribe(SignalsDocument, { planId, afterSequence: 0 });
    const agent = createAgent({ url: gw.url, token: agentToken, name: "sdk-1", roles: ["sdk"], waitMs: 0, handler: async ({ lease }) => ({ done: lease.stepKey }) });
    const agentId = await agent.ready;
    for await (const { signals: s } of signals) {
      kinds.push(s.kind);
      if (s.kind === "PLAN_COMPLETED") break;
    }
    await agent.stop();
    await viewer.close();
    expect(kinds.filter((k) => k === "STEP_SUCCEEDED")).toHaveLength(2);
    expect((await gw.app.coordinator.store.queries.agents.get(agentId))!.owner).toBe("sdk-agent");
  });
});

describe("baton token", () => {
  it("creates a token that works, lists tokens without their secrets, and says what is wrong", async () => {
    const created = await cli("token", "create", "--name", "ci-bot", "--role", "operator", "--expires-in", "30d");
    expect(created.status, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^baton_/);
    expect(created.stderr).toMatch(/^token tok_\w+ \(ci-bot, operator, expires \S+\): keep it now/);
    expect((await gw.post(`{ viewer { name role } }`, {}, token)).body.data).toEqual({ viewer: { name: "ci-bot", role: "OPERATOR" } });

    const list = await cli("token", "list");
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ROLE\s+ROLES\s+PREFIX\s+CREATED\s+EXPIRES\s+REVOKED$/);
    expect(list.stdout).toMatch(/ci-bot\s+operator\s+-\s+baton_/);
    expect(list.stdout).not.toContain(token);

    const bad = await cli("token", "create", "--name", "x", "--role", "root");
    expect([bad.status, bad.stderr.trim()]).toEqual([2, 'baton: role: must be one of viewer, operator, agent, admin, metrics, got "root"']);
    expect((await cli("token", "revoke", "tok_nope")).stderr.trim()).toBe("baton: token tok_nope not found");
    expect((await cli("token")).status).toBe(2);
  });

  it("--roles limits an agent token to the roles its agents may register, shown by token list and viewer", async () => {
    const created = await cli("token", "create", "--name", "ci-coders", "--role", "agent", "--roles", "coder, reviewer");
    expect(created.status, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/^token tok_\w+ \(ci-coders, agent, roles coder,reviewer\): keep it now/);
    const token = created.stdout.trim();
    expect((await gw.post(`{ viewer { name roles } }`, {}, token)).body.data).toEqual({ viewer: { name: "ci-coders", roles: ["coder", "reviewer"] } });
    expect((await cli("token", "list")).stdout).toMatch(/ci-coders\s+agent\s+coder,reviewer\s+baton_/);
    const refused = await gw.post(`mutation { registerAgent(input: { name: "x", roles: ["coder", "deployer"] }) { id } }`, {}, token);
    expect(refused.body.errors?.[0]?.extensions?.["code"]).toBe("FORBIDDEN");

    const builtin = await cli("token", "create", "--name", "x", "--role", "agent", "--roles", "builtin.signal");
    expect([builtin.status, builtin.stderr.trim()]).toEqual([2, `baton: roles[0]: builtin.* roles are reserved for the gateway's own agents, got "builtin.signal"`]);
    const notAgent = await cli("token", "create", "--name", "x", "--role", "operator", "--roles", "coder");
    expect([notAgent.status, notAgent.stderr.trim()]).toEqual([2, "baton: roles: only an agent token is limited to roles"]);
  });
});
