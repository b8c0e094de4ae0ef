import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import type { CreatePlanRequest } from "../../src/coordinator/coordinator.js";
import type { PrefetchRequest } from "../../src/coordinator/requests.js";
import { BatonError } from "../../src/domain/errors.js";
import { silentLogger } from "../helpers/api.js";
import { flush, rejected, rows } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

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
  /** A plan of one builtin.echo step (unless steps are given) with these prefetches. */
  const create = async (prefetch: PrefetchRequest[], more: Partial<CreatePlanRequest> = {}) =>
    (await env.coordinator.createPlan({ name: "p", steps: [{ key: "use", role: "builtin.echo", input: { ok: true } }], prefetch, ...more }, "test")).id;
  const plan = async (id: string) => (await env.store.queries.plans.load(id))!;
  const step = async (id: string, key: string) => (await plan(id)).steps.find((s) => s.key === key)!;
  const context = (id: string, key: string) => env.store.queries.context.entry(id, key);
  const finished = (id: string) =>
    waitFor(async () => {
      const p = await plan(id);
      return ["COMPLETED", "FAILED"].includes(p.plan.state) && p;
    });
  return { ...env, create, plan, step, context, finished };
}

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A local HTTP server on port 0 answering GETs by path, counting them. A path without a reply
 * hangs until `release(path)` answers its waiting requests with the reply given then.
 */
async function server(replies: Record<string, Reply>) {
  const counts = new Map<string, number>();
  const held = new Map<string, ServerResponse[]>();
  const s = createServer((req, res) => {
    const path = req.url ?? "/";
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const reply = replies[path];
    if (reply) reply(req, res);
    else held.set(path, [...(held.get(path) ?? []), res]);
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  cleanups.push(() => void s.closeAllConnections());
  const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${base}${path}`,
    count: (path: string) => counts.get(path) ?? 0,
    release(path: string, reply: Reply) {
      for (const res of held.get(path) ?? []) reply({} as IncomingMessage, res);
      held.delete(path);
    },
  };
}

const json =
  (body: unknown, status = 200): Reply =>
  (_req, res) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

describe("prefetch", () => {
  it("adds a builtin.prefetch step in front that every start step waits for; a step held for a transition does not", async () => {
    const srv = await server({});
    const { coordinator, step, plan, context } = await setup();
    const agent = await coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 10 });
    const id = (
      await coordinator.createPlan(
        {
          name: "p",
          priority: "HIGH",
          prefetch: [{ key: "cfg", url: srv.url("/cfg"), ttlMs: 0, required: true }],
          steps: [
            { key: "a", role: "r", onFailure: "fix" },
            { key: "b", role: "r" },
            { key: "c", role: "r", dependsOn: ["a", "b"] },
            { key: "fix", role: "r" },
          ],
        },
        "test",
      )
    ).id;
    expect((await plan(id)).steps.map((s) => [s.key, s.dependsOn, s.priority])).toEqual([
      ["prefetch.cfg", [], "HIGH"],
      ["a", ["prefetch.cfg"], "HIGH"],
      ["b", ["prefetch.cfg"], "HIGH"],
      ["c", ["a", "b"], "HIGH"],
      ["fix", [], "HIGH"],
    ]);
    expect(await step(id, "prefetch.cfg")).toMatchObject({ role: "builtin.prefetch", config: { key: "cfg", url: srv.url("/cfg"), ttlMs: 0, required: true } });

    await waitFor(() => srv.count("/cfg") === 1);
    expect(await coordinator.claim(agent.id, 10)).toEqual([]); // the first wave waits for the fetch
    srv.release("/cfg", json({ region: "eu" }));
    await waitFor(async () => (await step(id, "prefetch.cfg")).state === "SUCCEEDED");
    expect(await context(id, "cfg")).toMatchObject({ value: { region: "eu" }, updatedBy: expect.stringMatching(/^agt_/) });
    const grants = await coordinator.claim(agent.id, 10);
    expect(grants.map((g) => g.step.key).sort()).toEqual(["a", "b"]);
    for (const g of grants) expect((await g.context()).data["cfg"]).toEqual({ region: "eu" });
    expect((await step(id, "prefetch.cfg")).output).toEqual({ key: "cfg", cacheKey: srv.url("/cfg"), hit: false, bytes: 15, status: 200, durationMs: expect.any(Number) });
  });

  it("fetches a cache key once: a later plan, and a concurrent one, share the value (hit: true)", async () => {
    const srv = await server({ "/users": json(["ann", "bob"]) });
    const { create, step, context, finished } = await setup();
    const first = await create([{ key: "users", url: srv.url("/users"), cacheKey: "users" }]);
    await finished(first);
    // The same url under the same cache key: the cached value, no request.
    const second = await create([{ key: "people", url: srv.url("/users"), cacheKey: "users" }]);
    expect((await finished(second)).plan.state).toBe("COMPLETED");
    expect(srv.count("/users")).toBe(1);
    expect((await context(first, "users"))?.value).toEqual(["ann", "bob"]);
    expect((await context(second, "people"))?.value).toEqual(["ann", "bob"]);
    expect((await step(first, "prefetch.users")).output).toMatchObject({ hit: false, cacheKey: "users", status: 200 });
    expect((await step(second, "prefetch.people")).output).toMatchObject({ key: "people", hit: true, cacheKey: "users", bytes: 13, status: 200 });

    // Two plans fetching one key at once: one request, the second joins it.
    const slow = srv.url("/slow");
    const a = await create([{ key: "v", url: slow }]);
    const b = await create([{ key: "v", url: slow }]);
    await waitFor(async () => srv.count("/slow") === 1 && (await step(a, "prefetch.v")).state === "RUNNING" && (await step(b, "prefetch.v")).state === "RUNNING");
    await flush();
    srv.release("/slow", json({ n: 1 }));
    await Promise.all([finished(a), finished(b)]);
    expect(srv.count("/slow")).toBe(1);
    expect([(await context(a, "v"))?.value, (await context(b, "v"))?.value]).toEqual([{ n: 1 }, { n: 1 }]);
    expect([(await step(a, "prefetch.v")).output, (await step(b, "prefetch.v")).output].map((o) => (o as { hit: boolean }).hit).sort()).toEqual([false, true]);
  });

  it("binds a cached value to its URL: another URL under the same cache key gets its own value, cached or in flight", async () => {
    const srv = await server({ "/victim": json({ owner: "victim" }), "/attacker": json({ owner: "attacker" }) });
    const { create, context, step, finished } = await setup();
    // The attacker fetches its own URL under the key the victim's URL uses by default (the URL itself)…
    const attacker = await create([{ key: "v", url: srv.url("/attacker"), cacheKey: srv.url("/victim"), ttlMs: 600_000 }]);
    await finished(attacker);
    // …and under a key the victim names explicitly.
    const attacker2 = await create([{ key: "v", url: srv.url("/attacker"), cacheKey: "K", ttlMs: 600_000 }]);
    await finished(attacker2);
    const victim = await create([{ key: "v", url: srv.url("/victim") }]);
    const victim2 = await create([{ key: "v", url: srv.url("/victim"), cacheKey: "K" }]);
    await Promise.all([finished(victim), finished(victim2)]);
    expect([(await context(attacker, "v"))?.value, (await context(attacker2, "v"))?.value]).toEqual([{ owner: "attacker" }, { owner: "attacker" }]);
    expect([(await context(victim, "v"))?.value, (await context(victim2, "v"))?.value]).toEqual([{ owner: "victim" }, { owner: "victim" }]);
    expect([(await step(victim, "prefetch.v")).output, (await step(victim2, "prefetch.v")).output]).toMatchObject([{ hit: false }, { hit: false }]);
    expect(srv.count("/victim")).toBe(2); // under the default key and under K: two entries, neither the attacker's

    // At the same time: plan A fetches X under K, plan B fetches Y under K; neither joins the other's request.
    const a = await create([{ key: "v", url: srv.url("/x"), cacheKey: "same" }]);
    const b = await create([{ key: "v", url: srv.url("/y"), cacheKey: "same" }]);
    await waitFor(() => srv.count("/x") === 1 && srv.count("/y") === 1);
    srv.release("/x", json("X"));
    srv.release("/y", json("Y"));
    await Promise.all([finished(a), finished(b)]);
    expect([(await context(a, "v"))?.value, (await context(b, "v"))?.value]).toEqual(["X", "Y"]);
    // and later, from the cache: each its own again
    const a2 = await create([{ key: "v", url: srv.url("/x"), cacheKey: "same" }]);
    const b2 = await create([{ key: "v", url: srv.url("/y"), cacheKey: "same" }]);
    await Promise.all([finished(a2), finished(b2)]);
    expect([(await context(a2, "v"))?.value, (await context(b2, "v"))?.value]).toEqual(["X", "Y"]);
    expect([(await step(a2, "prefetch.v")).output, (await step(b2, "prefetch.v")).output]).toMatchObject([{ hit: true }, { hit: true }]);
  });

  it("fetches again once ttlMs has passed on the coordinator's clock; ttlMs 0 never caches", async () => {
    let n = 0;
    const srv = await server({ "/n": (_req, res) => res.writeHead(200).end(String(++n)), "/text": (_req, res) => res.writeHead(200).end("plain text") });
    const { create, clock, step, context, finished } = await setup();
    const url = srv.url("/n");
    const runs = [await create([{ key: "n", url, ttlMs: 1_000 }])];
    await finished(runs[0]!);
    await clock.advance(999);
    runs.push(await create([{ key: "n", url, ttlMs: 1_000 }]));
    await finished(runs[1]!);
    await clock.advance(1);
    runs.push(await create([{ key: "n", url, ttlMs: 1_000 }]));
    await finished(runs[2]!);
    expect(await Promise.all(runs.map(async (id) => (await context(id, "n"))?.value))).toEqual([1, 1, 2]);
    expect(await Promise.all(runs.map(async (id) => ((await step(id, "prefetch.n")).output as { hit: boolean }).hit))).toEqual([false, true, false]);

    for (const id of [await create([{ key: "t", url: srv.url("/text"), ttlMs: 0 }]), await create([{ key: "t", url: srv.url("/text"), ttlMs: 0 }])]) {
      await finished(id);
      expect((await context(id, "t"))?.value).toBe("plain text"); // not JSON: the text
    }
    expect(srv.count("/text")).toBe(2);
  });

  it("an optional prefetch that fails sets its key to null with a warning, and the plan goes on", async () => {
    const srv = await server({ "/down": (_req, res) => res.writeHead(500).end("boom") });
    const { create, step, context, finished } = await setup();
    const id = await create([
      { key: "down", url: srv.url("/down") },
      { key: "nowhere", url: "http://127.0.0.1:1/" },
    ]);
    expect((await finished(id)).plan.state).toBe("COMPLETED");
    expect(srv.count("/down")).toBe(1);
    expect(await context(id, "down")).toMatchObject({ value: null });
    expect(await context(id, "nowhere")).toMatchObject({ value: null });
    expect((await step(id, "prefetch.down")).output).toMatchObject({ key: "down", hit: false, bytes: 0, status: 500, warning: `HTTP 500 from ${srv.url("/down")}` });
    expect((await step(id, "prefetch.nowhere")).output).toMatchObject({ status: null, warning: expect.stringContaining("GET http://127.0.0.1:1/ failed") });
    expect((await step(id, "use")).state).toBe("SUCCEEDED");
  });

  it("a required prefetch that fails fails the plan with PREFETCH_FAILED: 5xx once retries are spent, 4xx at once", async () => {
    const srv = await server({ "/down": (_req, res) => res.writeHead(503).end("busy"), "/missing": (_req, res) => res.writeHead(404).end() });
    const { create, step, context, finished } = await setup();
    const down = await create([{ key: "d", url: srv.url("/down"), required: true }], { policy: { retry: { maxAttempts: 1 } } });
    const missing = await create([{ key: "m", url: srv.url("/missing"), required: true }]); // 3 attempts by default
    const failedDown = await finished(down);
    expect(failedDown.plan).toMatchObject({ state: "FAILED", error: { type: "PREFETCH_FAILED", message: `step prefetch.d failed: HTTP 503 from ${srv.url("/down")}` } });
    expect((await step(down, "prefetch.d")).error).toMatchObject({ type: "PREFETCH_FAILED", retryable: true, details: { url: srv.url("/down"), status: 503 } });
    expect((await step(down, "use")).state).toBe("CANCELLED");
    const failedMissing = await finished(missing);
    expect(failedMissing.plan).toMatchObject({ state: "FAILED", error: { type: "PREFETCH_FAILED" } });
    expect(await step(missing, "prefetch.m")).toMatchObject({ attempts: 1, error: { retryable: false, details: { status: 404 } } });
    expect(srv.count("/missing")).toBe(1);
    expect(await context(down, "d")).toBeNull();
  });

  it("a fetch with no reply within timeoutMs fails as PREFETCH_TIMEOUT (required) or warns (optional)", async () => {
    const srv = await server({});
    const { create, step, context, finished } = await setup();
    const required = await create([{ key: "slow", url: srv.url("/hang"), timeoutMs: 50, required: true }], { policy: { retry: { maxAttempts: 1 } } });
    const optional = await create([{ key: "slow", url: srv.url("/hang2"), timeoutMs: 50 }]);
    expect((await finished(required)).plan).toMatchObject({ state: "FAILED", error: { type: "PREFETCH_TIMEOUT" } });
    expect((await step(required, "prefetch.slow")).error).toMatchObject({ type: "PREFETCH_TIMEOUT", message: `no reply from ${srv.url("/hang")} within 50 ms`, retryable: true });
    expect((await finished(optional)).plan.state).toBe("COMPLETED");
    expect((await step(optional, "prefetch.slow")).output).toMatchObject({ warning: `no reply from ${srv.url("/hang2")} within 50 ms` });
    expect((await context(optional, "slow"))?.value).toBeNull();
  });

  it("works with a template plan", async () => {
    const srv = await server({ "/cfg": json({ x: 1 }) });
    const { coordinator, create, plan, context, finished } = await setup();
    await coordinator.templates.register({ name: "t", steps: [{ key: "one", role: "builtin.echo" }, { key: "two", role: "builtin.echo", dependsOn: ["one"] }] });
    const id = await create([{ key: "cfg", url: srv.url("/cfg") }], { steps: null, template: "t" });
    expect((await plan(id)).steps.map((s) => [s.key, s.dependsOn])).toEqual([
      ["prefetch.cfg", []],
      ["one", ["prefetch.cfg"]],
      ["two", ["one"]],
    ]);
    expect((await finished(id)).plan.state).toBe("COMPLETED");
    expect((await context(id, "cfg"))?.value).toEqual({ x: 1 });
  });

  it("reports every problem at once (BAD_USER_INPUT, paths prefetch[i].…) and creates nothing", async () => {
    const { coordinator, store } = await setup();
    const e = await rejected(
      coordinator.createPlan(
        {
          name: "p",
          steps: [
            { key: "prefetch.taken", role: "r" },
            { key: "x", role: "" },
          ],
          prefetch: [
            { key: "", url: "ftp://example.com/" },
            { key: "steps.a.output", url: "http://example.com", ttlMs: -1, timeoutMs: 0 },
            { key: "dup", url: "https://example.com", cacheKey: "" },
            { key: "dup", url: "https://example.com" },
            { key: "has space", url: "https://example.com" },
            { key: "taken", url: "https://example.com" },
          ],
        },
        "test",
      ),
    );
    expect(e).toBeInstanceOf(BatonError);
    expect((e as BatonError).code).toBe("BAD_USER_INPUT");
    const problems = ((e as BatonError).details["problems"] as { path: string; message: string }[]).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([
      "steps[1].role: must not be empty",
      "prefetch[0].key: must be 1 to 200 characters, not blank: the context key the value is written to",
      "prefetch[0].url: must be an http(s) URL",
      'prefetch[1].key: must not start with "steps.": those keys hold step outputs',
      "prefetch[1].ttlMs: must be a whole number of milliseconds ≥ 0",
      "prefetch[1].timeoutMs: must be a whole number of milliseconds ≥ 1",
      "prefetch[2].cacheKey: must be a non-empty string",
      'prefetch[3].key: duplicate key "dup"',
      `prefetch[4].key: must be 1 to 91 letters, digits, '_', '.' or '-': it names the step "prefetch.has space"`,
      'prefetch[5].key: its step "prefetch.taken" has the key of a step of the plan',
    ]);
    expect(await rows(store, "plans")).toBe(0);
  });

  it("checks the config of a builtin.prefetch step written by hand", async () => {
    const { coordinator } = await setup();
    const e = await rejected(coordinator.createPlan({ name: "p", steps: [{ key: "f", role: "builtin.prefetch", config: { url: "nope", required: "yes" } }] }, "test"));
    expect(((e as BatonError).details["problems"] as { path: string }[]).map((p) => p.path)).toEqual(["steps[0].config.key", "steps[0].config.url", "steps[0].config.required"]);
  });
});
