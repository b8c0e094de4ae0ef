/**
 * The outbound policy and header secrets as the built-in agents and webhooks meet them: requests
 * to loopback or private destinations, however written or reached (a name, a redirect, a step an
 * agent added), fail with OUTBOUND_BLOCKED before anything is sent and say nothing of the port;
 * BATON_OUTBOUND_ALLOW lets them through; a secret reaches the server and nothing else.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { parseOutboundAllow } from "../../src/outbound/settings.js";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import type { StepDraft } from "../../src/engine/validate.js";
import { OutboundPolicy } from "../../src/outbound/policy.js";
import { Secrets } from "../../src/outbound/secrets.js";
import { registerWebhook } from "../../src/webhooks/registry.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";
import { gateway } from "../webhooks/helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SECRET = "sk-live-0123456789abcdef";
const BLOCKED = /blocked by the outbound policy/;

/** A server on 127.0.0.1 recording requests; `/redirect?to=URL` redirects there, `/echo` answers with the request's headers. */
async function target() {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? "/", headers: req.headers });
    req.resume();
    const u = new URL(req.url ?? "/", "http://x");
    if (u.pathname === "/redirect") res.writeHead(302, { location: u.searchParams.get("to")! }).end();
    else if (u.pathname === "/echo") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ headers: req.headers }));
    else if (u.pathname === "/fail") res.writeHead(400).end(`bad key ${req.headers["authorization"]}`);
    else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  cleanups.push(() => void server.closeAllConnections());
  const port = (server.address() as AddressInfo).port;
  return { port, base: `http://127.0.0.1:${port}`, requests };
}

/** A coordinator with the built-in agents under `allow` (BATON_OUTBOUND_ALLOW's syntax) and `secrets`; logs kept. */
async function setup(allow = "", secrets: Record<string, string> = {}) {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  const env = await makeCoordinator({ logger });
  const outbound = new OutboundPolicy({ allow: parseOutboundAllow(allow) });
  const builtins = new BuiltinAgents(env.coordinator, logger, { outbound, secrets: new Secrets(secrets) });
  await builtins.start();
  cleanups.push(async () => {
    await env.coordinator.stop();
    await builtins.stop();
    await outbound.close();
  });
  const run = async (steps: StepDraft[]) => (await env.coordinator.createPlan({ name: "o", steps: steps.map((s) => ({ retry: { maxAttempts: 3, initialIntervalMs: 1_000 }, ...s })) }, "test")).id;
  const plan = async (id: string) => (await env.store.queries.plans.load(id))!;
  const step = async (id: string, key: string) => (await plan(id)).steps.find((s) => s.key === key)!;
  const settled = (id: string, key: string) =>
    waitFor(async () => {
      const s = await step(id, key);
      return ["SUCCEEDED", "FAILED"].includes(s.state) && s;
    });
  /** Everything a viewer (or the log) could read about the plan. */
  const visible = async (id: string) => JSON.stringify([await plan(id), await env.store.queries.signals.read({ planId: id }, 0, 10_000), lines]);
  return { ...env, run, plan, step, settled, visible, lines };
}

describe("builtin.http under the outbound policy", () => {
  it("refuses loopback in any form with OUTBOUND_BLOCKED, not retried, the same for an open and a closed port", async () => {
    const t = await target();
    const { run, settled, lines } = await setup();
    const urls = [`${t.base}/`, `http://0x7f000001:${t.port}/`, `http://2130706433:${t.port}/`, `http://[::1]:${t.port}/`, `http://[::ffff:127.0.0.1]:${t.port}/`, `http://localhost:${t.port}/`, "http://127.0.0.1:1/", "http://169.254.169.254/latest/meta-data/"];
    const ids: string[] = [];
    for (const url of urls) ids.push(await run([{ key: "h", role: "builtin.http", config: { url } }]));
    const errors = await Promise.all(ids.map(async (id) => (await settled(id, "h")).error!));
    for (const [i, e] of errors.entries()) {
      expect(e, urls[i]).toMatchObject({ type: "OUTBOUND_BLOCKED", retryable: false, message: expect.stringMatching(BLOCKED) });
      expect(e.message).not.toMatch(/ECONNREFUSED|refused|fetch failed|socket|timeout/i);
      expect(e.details).toBeNull();
    }
    // An open port (the target's) and a closed one (1) fail with the same words but for the URL.
    expect(errors[0]!.message.replace(`:${t.port}`, ":N")).toBe(errors[6]!.message.replace(":1", ":N"));
    expect(t.requests).toEqual([]); // nothing was sent
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string }).filter((l) => l.msg.includes("blocked by the outbound policy"));
    expect(logged.length).toBe(urls.length);
    expect(logged.every((l) => l.level === 30)).toBe(true); // info
    expect(logged.map((l) => l.reason)).toContain("a loopback address");
  });

  it("refuses a redirect from an allowed server to a denied address on the hop", async () => {
    const t = await target();
    const denied = await target(); // another port: not on the allow-list
    const { run, settled } = await setup(`127.0.0.1:${t.port}`);
    const id = await run([{ key: "h", role: "builtin.http", config: { url: `${t.base}/redirect?to=${encodeURIComponent(`${denied.base}/`)}` } }]);
    expect((await settled(id, "h")).error).toMatchObject({ type: "OUTBOUND_BLOCKED", retryable: false, message: expect.stringMatching(BLOCKED) });
    expect(t.requests.map((r) => r.url)).toEqual([`/redirect?to=${encodeURIComponent(`${denied.base}/`)}`]);
    expect(denied.requests).toEqual([]);
    // and to a metadata address written in hex
    const meta = await run([{ key: "h", role: "builtin.http", config: { url: `${t.base}/redirect?to=${encodeURIComponent("http://0xa9fea9fe/latest/")}` } }]);
    expect((await settled(meta, "h")).error).toMatchObject({ type: "OUTBOUND_BLOCKED" });
  });

  it("lets BATON_OUTBOUND_ALLOW's destinations through, redirects within them included", async () => {
    const t = await target();
    const { run, settled } = await setup(`127.0.0.1:${t.port}`);
    const id = await run([{ key: "h", role: "builtin.http", config: { url: `${t.base}/redirect?to=${encodeURIComponent(`${t.base}/ok`)}` } }]);
    expect(await settled(id, "h")).toMatchObject({ state: "SUCCEEDED", output: { ok: true } });
  });

  it("refuses the step an agent adds through completeStep(addSteps) as it refuses the operator's", async () => {
    const t = await target();
    const { coordinator, run, settled } = await setup();
    const agent = await coordinator.registerAgent({ name: "a", roles: ["r"], concurrency: 1 });
    const id = await run([{ key: "start", role: "r" }]);
    const [g] = await coordinator.claim(agent.id, 1);
    await coordinator.complete(g!.lease.id, { done: true }, null, [{ key: "probe", role: "builtin.http", config: { url: `http://0x7f000001:${t.port}/admin` }, dependsOn: ["start"] }]);
    expect((await settled(id, "probe")).error).toMatchObject({ type: "OUTBOUND_BLOCKED", retryable: false });
    expect(t.requests).toEqual([]);
  });
});

describe("header secrets", () => {
  it("sends ${secret:NAME} to the server and keeps its value out of the plan, its signals and the log", async () => {
    const t = await target();
    const { run, step, settled, visible } = await setup(`127.0.0.1:${t.port}`, { api: SECRET });
    const ok = await run([{ key: "h", role: "builtin.http", config: { url: `${t.base}/echo`, headers: { authorization: "Bearer ${secret:api}", "x-team": "blue" } } }]);
    const fail = await run([{ key: "h", role: "builtin.http", config: { url: `${t.base}/fail`, headers: { authorization: "Bearer ${secret:api}" } } }]);
    await settled(ok, "h");
    await settled(fail, "h");
    expect(t.requests.map((r) => [r.headers["authorization"], r.headers["x-team"]])).toContainEqual([`Bearer ${SECRET}`, "blue"]);
    // the server echoed it back: redacted in the output and in the error
    expect((await step(ok, "h")).output).toMatchObject({ headers: { authorization: "Bearer [redacted]", "x-team": "blue" } });
    expect((await step(fail, "h")).error).toMatchObject({ type: "HTTP_4XX", details: { body: "bad key Bearer [redacted]" } });
    expect((await step(ok, "h")).config).toMatchObject({ headers: { authorization: "Bearer ${secret:api}" } });
    for (const id of [ok, fail]) expect(await visible(id)).not.toContain(SECRET);
  });

  it("fails a step naming an unknown secret with SECRET_UNKNOWN, not retried, before any request", async () => {
    const t = await target();
    const { run, settled } = await setup(`127.0.0.1:${t.port}`, { api: SECRET });
    const id = await run([{ key: "h", role: "builtin.http", config: { url: `${t.base}/echo`, headers: { "x-key": "${secret:nope}" } } }]);
    expect((await settled(id, "h")).error).toMatchObject({ type: "SECRET_UNKNOWN", retryable: false, message: expect.stringContaining('"nope"') });
    expect(t.requests).toEqual([]);
  });

  it("checks config.headers at plan creation", async () => {
    const { coordinator } = await setup();
    await expect(coordinator.createPlan({ name: "p", steps: [{ key: "h", role: "builtin.http", config: { url: "https://example.com/", headers: { host: "x", "x-a": "${secret:}" } } }] }, "t")).rejects.toThrow(/invalid|problem/i);
    await expect(coordinator.createPlan({ name: "p", steps: [{ key: "h", role: "builtin.http", config: { url: "https://user:pw@example.com/" } }] }, "t")).rejects.toThrow();
  });
});

describe("prefetch under the outbound policy", () => {
  it("refuses a denied destination: OUTBOUND_BLOCKED when required, a warning otherwise; nothing sent", async () => {
    const t = await target();
    const { coordinator, plan, step } = await setup();
    const id = (
      await coordinator.createPlan(
        { name: "p", steps: [{ key: "use", role: "builtin.echo" }], prefetch: [{ key: "a", url: `http://localhost:${t.port}/` }, { key: "b", url: `${t.base}/`, required: true }], policy: { retry: { maxAttempts: 1 } } },
        "t",
      )
    ).id;
    await waitFor(async () => (await plan(id)).plan.state === "FAILED");
    expect((await step(id, "prefetch.a")).output).toMatchObject({ warning: expect.stringMatching(BLOCKED), status: null });
    expect((await step(id, "prefetch.b")).error).toMatchObject({ type: "OUTBOUND_BLOCKED", retryable: false, message: expect.stringMatching(BLOCKED) });
    expect(t.requests).toEqual([]);
  });

  it("sends a builtin.prefetch step's secret headers, and binds its cache to them", async () => {
    const t = await target();
    const { run, step, settled, visible, store } = await setup(`127.0.0.1:${t.port}`, { api: SECRET });
    const id = await run([{ key: "f", role: "builtin.prefetch", config: { key: "echo", url: `${t.base}/echo`, headers: { "x-key": "${secret:api}" }, cacheKey: "k" } }]);
    expect(await settled(id, "f")).toMatchObject({ state: "SUCCEEDED" });
    expect(t.requests[0]!.headers["x-key"]).toBe(SECRET);
    expect((await store.queries.context.entry(id, "echo"))?.value).toMatchObject({ headers: { "x-key": "[redacted]" } });
    expect(await visible(id)).not.toContain(SECRET);
    // The same url and cache key without the header: its own request, not the value fetched with the secret.
    const bare = await run([{ key: "f", role: "builtin.prefetch", config: { key: "echo", url: `${t.base}/echo`, cacheKey: "k" } }]);
    expect(await settled(bare, "f")).toMatchObject({ state: "SUCCEEDED", output: { hit: false } });
    expect(t.requests).toHaveLength(2);
    expect((await step(bare, "f")).output).toMatchObject({ hit: false });
  });
});

describe("webhooks under the outbound policy", () => {
  it("fails a delivery to a denied address at once, with OUTBOUND_BLOCKED and nothing of the port", async () => {
    const t = await target();
    const { store, clock, coordinator, deliveries } = await gateway(cleanups, { outbound: new OutboundPolicy() });
    await registerWebhook(store, clock.now(), { url: `http://0x7f000001:${t.port}/hook`, kinds: ["PLAN_CREATED"] });
    await coordinator.createPlan({ name: "p", steps: [{ key: "a", role: "r" }] }, "t");
    await waitFor(async () => (await deliveries())[0]?.status === "FAILED");
    expect((await deliveries())[0]).toMatchObject({ attempts: 1, lastStatusCode: null, lastError: expect.stringMatching(/^OUTBOUND_BLOCKED: .*blocked by the outbound policy/) });
    expect((await deliveries())[0]!.lastError).not.toMatch(/ECONNREFUSED|fetch failed/);
    expect(t.requests).toEqual([]);
  });
});
