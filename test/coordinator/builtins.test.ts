import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import type { StepDraft } from "../../src/engine/validate.js";
import { silentLogger } from "../helpers/api.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A coordinator on a manual clock with the built-in agents running. */
async function setup() {
  const env = await makeCoordinator();
  const builtins = new BuiltinAgents(env.coordinator, silentLogger, { outbound: loopbackAllowed() });
  await builtins.start();
  cleanups.push(async () => {
    await env.coordinator.stop();
    await builtins.stop();
  });
  const run = async (steps: StepDraft[], retry = { initialIntervalMs: 1_000, maxAttempts: 3 }) =>
    (await env.coordinator.createPlan({ name: "b", steps: steps.map((s) => ({ retry, ...s })) }, "test")).id;
  const plan = async (id: string) => (await env.store.queries.plans.load(id))!;
  return { ...env, run, plan };
}

/** A local HTTP server on port 0 that records requests and answers with `handler`. */
async function receiver(handler: Handler): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  cleanups.push(() => void server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

describe("built-in agents", () => {
  it("builtin.echo returns its input; builtin.wait succeeds only once config.ms has passed", async () => {
    const { run, plan, clock } = await setup();
    const id = await run([
      { key: "e", role: "builtin.echo", input: { hello: "world" } },
      { key: "w", role: "builtin.wait", config: { ms: 5_000 }, input: { after: "wait" }, dependsOn: ["e"] },
    ]);
    await waitFor(async () => (await plan(id)).steps[1]!.state === "RUNNING");
    expect((await plan(id)).steps[0]!.output).toEqual({ hello: "world" });
    await clock.advance(4_999);
    await new Promise((r) => setImmediate(r));
    expect((await plan(id)).steps[1]!.state).toBe("RUNNING");
    await clock.advance(1);
    await waitFor(async () => (await plan(id)).plan.state === "COMPLETED");
    expect((await plan(id)).plan.result).toEqual({ after: "wait" });
    expect((await plan(id)).steps.map((s) => s.agentId)).toEqual([expect.stringMatching(/^agt_/), expect.stringMatching(/^agt_/)]);
  });

  it("builtin.http POSTs {plan, step, input, context} and uses the JSON reply as output", async () => {
    const hook = await receiver((_req, _body, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"score":7}'));
    const { run, plan } = await setup();
    const id = await run([{ key: "h", role: "builtin.http", config: { url: hook.url }, input: { q: 1 } }]);
    await waitFor(async () => (await plan(id)).plan.state === "COMPLETED");
    expect((await plan(id)).plan.result).toEqual({ score: 7 });
    expect(hook.bodies).toEqual([{ plan: { id, name: "b", input: null }, step: { key: "h", attempt: 1 }, input: { q: 1 }, context: {} }]);
  });

  it("builtin.http retries a 5xx after backoff and succeeds", async () => {
    let calls = 0;
    const hook = await receiver((_req, _body, res) => (++calls === 1 ? res.writeHead(503).end("busy") : res.writeHead(200).end('"ok"')));
    const { run, plan, clock, store } = await setup();
    const id = await run([{ key: "h", role: "builtin.http", config: { url: hook.url } }]);
    await waitFor(async () => (await plan(id)).steps[0]!.state === "WAITING");
    expect((await plan(id)).steps[0]!.error).toMatchObject({ type: "HTTP_5XX", retryable: true, details: { status: 503, body: "busy" } });
    await clock.advance(1_000);
    await waitFor(async () => (await plan(id)).plan.state === "COMPLETED");
    expect((await plan(id)).plan.result).toBe("ok");
    expect((await store.queries.attempts.list(id)).map((a) => a.outcome)).toEqual(["FAILED", "SUCCEEDED"]);
  });

  it("builtin.http fails at once on a 4xx and on a reply that is not JSON", async () => {
    const hook = await receiver((req, _body, res) => (req.url === "/hook" ? res.writeHead(404).end("no") : res.writeHead(200).end("<html>")));
    const { run, plan } = await setup();
    const notFound = await run([{ key: "h", role: "builtin.http", config: { url: hook.url } }]);
    const notJson = await run([{ key: "h", role: "builtin.http", config: { url: `${hook.url}/html` } }]);
    await waitFor(async () => (await plan(notFound)).plan.state === "FAILED" && (await plan(notJson)).plan.state === "FAILED");
    expect((await plan(notFound)).steps[0]).toMatchObject({ state: "FAILED", attempts: 1, error: { type: "HTTP_4XX", retryable: false } });
    expect((await plan(notJson)).steps[0]).toMatchObject({ state: "FAILED", attempts: 1, error: { type: "HTTP_BAD_REPLY", retryable: false } });
  });

  it("builtin.http treats no reply within config.timeoutMs and a refused connection as retryable", async () => {
    const silent = await receiver(() => undefined); // never answers
    const { run, plan } = await setup();
    const slow = await run([{ key: "h", role: "builtin.http", config: { url: silent.url, timeoutMs: 50 } }], { initialIntervalMs: 1_000, maxAttempts: 3 });
    const refused = await run([{ key: "h", role: "builtin.http", config: { url: "http://127.0.0.1:1/nothing" } }]);
    await waitFor(async () => (await plan(slow)).steps[0]!.state === "WAITING" && (await plan(refused)).steps[0]!.state === "WAITING");
    expect((await plan(slow)).steps[0]!.error).toMatchObject({ type: "HTTP_TIMEOUT", retryable: true });
    expect((await plan(refused)).steps[0]!.error).toMatchObject({ type: "HTTP_NETWORK", retryable: true });
  });
});
