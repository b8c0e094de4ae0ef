import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BuiltinAgents } from "../../src/coordinator/builtins.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import type { CreatePlanRequest } from "../../src/coordinator/coordinator.js";
import type { PrefetchRequest } from "../../src/coordinator/requests.js";
import { BatonError } from "../../src/domain/errors.js";
import { silentLogger } from "../helpers/api.js";
import { flush, rows, thrown } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A coordinator on a manual clock with the built-in agents running. */
function setup() {
  const env = makeCoordinator();
  const builtins = new BuiltinAgents(env.coordinator, silentLogger, { outbound: loopbackAllowed() });
  builtins.start();
  cleanups.push(async () => {
    env.coordinator.stop();
    await builtins.stop();
  });
  /** A plan of one builtin.echo step (unless steps are given) with these prefetches. */
  const create = (prefetch: PrefetchRequest[], more: Partial<CreatePlanRequest> = {}) =>
    env.coordinator.createPlan({ name: "p", steps: [{ key: "use", role: "builtin.echo", input: { ok: true } }], prefetch, ...more }, "test").id;
  const plan = (id: string) => env.store.plans.load(id)!;
  const step = (id: string, key: string) => plan(id).steps.find((s) => s.key === key)!;
  const context = (id: string, key: string) => env.store.context.entry(id, key);
  const finished = (id: string) => waitFor(() => ["COMPLETED", "FAILED"].includes(plan(id).plan.state) && plan(id));
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
    const { coordinator, step, plan, context } = setup();
    const agent = coordinator.registerAgent({ name: "w", roles: ["r"], concurrency: 10 });
    const id = coordinator.createPlan(
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
    ).id;
    expect(plan(id).steps.map((s) => [s.key, s.dependsOn, s.priority])).toEqual([
      ["prefetch.cfg", [], "HIGH"],
      ["a", ["prefetch.cfg"], "HIGH"],
      ["b", ["prefetch.cfg"], "HIGH"],
      ["c", ["a", "b"], "HIGH"],
      ["fix", [], "HIGH"],
    ]);
    expect(step(id, "prefetch.cfg")).toMatchObject({ role: "builtin.prefetch", config: { key: "cfg", url: srv.url("/cfg"), ttlMs: 0, required: true } });

    await waitFor(() => srv.count("/cfg") === 1);
    expect(await coordinator.claim(agent.id, 10)).toEqual([]); // the first wave waits for the fetch
    srv.release("/cfg", json({ region: "eu" }));
    await waitFor(() => step(id, "prefetch.cfg").state === "SUCCEEDED");
    expect(context(id, "cfg")).toMatchObject({ value: { region: "eu" }, updatedBy: expect.stringMatching(/^agt_/) });
    const grants = await coordinator.claim(agent.id, 10);
    expect(grants.map((g) => g.step.key).sort()).toEqual(["a", "b"]);
    for (const g of grants) expect(g.context().data["cfg"]).toEqual({ region: "eu" });
    expect(step(id, "prefetch.cfg").output).toEqual({ key: "cfg", cacheKey: srv.url("/cfg"), hit: false, bytes: 15, status: 200, durationMs: expect.any(Number) });
  });

  it("fetches a cache key once: a later plan, and a concurrent one, share the value (hit: true)", async () => {
    const srv = await server({ "/users": json(["ann", "bob"]) });
    const { create, step, context, finished } = setup();
    const first = create([{ key: "users", url: srv.url("/users"), cacheKey: "users" }]);
    await finished(first);
    // The same url under the same cache key: the cached value, no request.
    const second = create([{ key: "people", url: srv.url("/users"), cacheKey: "users" }]);
    expect((await finished(second)).plan.state).toBe("COMPLETED");
    expect(srv.count("/users")).toBe(1);
    expect(context(first, "users")?.value).toEqual(["ann", "bob"]);
    expect(context(second, "people")?.value).toEqual(["ann", "bob"]);
    expect(step(first, "prefetch.users").output).toMatchObject({ hit: false, cacheKey: "users", status: 200 });
    expect(step(second, "prefetch.people").output).toMatchObject({ key: "people", hit: true, cacheKey: "users", bytes: 13, status: 200 });

    // Two plans fetching one key at once: one request, the second joins it.
    const slow = srv.url("/slow");
    const a = create([{ key: "v", url: slow }]);
    const b = create([{ key: "v", url: slow }]);
    await waitFor(() => srv.count("/slow") === 1 && step(a, "prefetch.v").state === "RUNNING" && step(b, "prefetch.v").state === "RUNNING");
    await flush();
    srv.release("/slow", json({ n: 1 }));
    await Promise.all([finished(a), finished(b)]);
    expect(srv.count("/slow")).toBe(1);
    expect([context(a, "v")?.value, context(b, "v")?.value]).toEqual([{ n: 1 }, { n: 1 }]);
    expect([step(a, "prefetch.v").output, step(b, "prefetch.v").output].map((o) => (o as { hit: boolean }).hit).sort()).toEqual([false, true]);
  });

  it("binds a cached value to its URL: another URL under the same cache key gets its own value, cached or in flight", async () => {
    const srv = await server({ "/victim": json({ owner: "victim" }), "/attacker": json({ owner: "attacker" }) });
    const { create, context, step, finished } = setup();
    // The attacker fetches its own URL under the key the victim's URL uses by default (the URL itself)…
    const attacker = create([{ key: "v", url: srv.url("/attacker"), cacheKey: srv.url("/victim"), ttlMs: 600_000 }]);
    await finished(attacker);
    // …and under a key the victim names explicitly.
    const attacker2 = create([{ key: "v", url: srv.url("/attacker"), cacheKey: "K", ttlMs: 600_000 }]);
    await finished(attacker2);
    const victim = create([{ key: "v", url: srv.url("/victim") }]);
    const victim2 = create([{ key: "v", url: srv.url("/victim"), cacheKey: "K" }]);
    await Promise.all([finished(victim), finished(victim2)]);
    expect([context(attacker, "v")?.value, context(attacker2, "v")?.value]).toEqual([{ owner: "attacker" }, { owner: "attacker" }]);
    expect([context(victim, "v")?.value, context(victim2, "v")?.value]).toEqual([{ owner: "victim" }, { owner: "victim" }]);
    expect([step(victim, "prefetch.v").output, step(victim2, "prefetch.v").output]).toMatchObject([{ hit: false }, { hit: false }]);
    expect(srv.count("/victim")).toBe(2); // under the default key and under K: two entries, neither the attacker's

    // At the same time: plan A fetches X under K, plan B fetches Y under K; neither joins the other's request.
    const a = create([{ key: "v", url: srv.url("/x"), cacheKey: "same" }]);
    const b = create([{ key: "v", url: srv.url("/y"), cacheKey: "same" }]);
    await waitFor(() => srv.count("/x") === 1 && srv.count("/y") === 1);
    srv.release("/x", json("X"));
    srv.release("/y", json("Y"));
    await Promise.all([finished(a), finished(b)]);
    expect([context(a, "v")?.value, context(b, "v")?.value]).toEqual(["X", "Y"]);
    // and later, from the cache: each its own again
    const a2 = create([{ key: "v", url: srv.url("/x"), cacheKey: "same" }]);
    const b2 = create([{ key: "v", url: srv.url("/y"), cacheKey: "same" }]);
    await Promise.all([finished(a2), finished(b2)]);
    expect([context(a2, "v")?.value, context(b2, "v")?.value]).toEqual(["X", "Y"]);
    expect([step(a2, "prefetch.v").output, step(b2, "prefetch.v").output]).toMatchObject([{ hit: true }, { hit: true }]);
  });

  it("fetches again once ttlMs has passed on the coordinator's clock; ttlMs 0 never caches", async () => {
    let n = 0;
    const srv = await server({ "/n": (_req, res) => res.writeHead(200).end(String(++n)), "/text": (_req, res) => res.writeHead(200).end("plain text") });
    const { create, clock, step, context, finished } = setup();
    const url = srv.url("/n");
    const runs = [create([{ key: "n", url, ttlMs: 1_000 }])];
    await finished(runs[0]!);
    clock.advance(999);
    runs.push(create([{ key: "n", url, ttlMs: 1_000 }]));
    await finished(runs[1]!);
    clock.advance(1);
    runs.push(create([{ key: "n", url, ttlMs: 1_000 }]));
    await finished(runs[2]!);
    expect(runs.map((id) => context(id, "n")?.value)).toEqual([1, 1, 2]);
    expect(runs.map((id) => (step(id, "prefetch.n").output as { hit: boolean }).hit)).toEqual([false, true, false]);

    for (const id of [create([{ key: "t", url: srv.url("/text"), ttlMs: 0 }]), create([{ key: "t", url: srv.url("/text"), ttlMs: 0 }])]) {
      await finished(id);
      expect(context(id, "t")?.value).toBe("plain text"); // not JSON: the text
    }
    expect(srv.count("/text")).toBe(2);
  });

  it("an optional prefetch that fails sets its key to null with a warning, and the plan goes on", async () => {
    const srv = await server({ "/down": (_req, res) => res.writeHead(500).end("boom") });
    const { create, step, context, finished } = setup();
    const id = create([
      { key: "down", url: srv.url("/down") },
      { key: "nowhere", url: "http://127.0.0.1:1/" },
    ]);
    expect((await finished(id)).plan.state).toBe("COMPLETED");
    expect(srv.count("/down")).toBe(1);
    expect(context(id, "down")).toMatchObject({ value: null });
    expect(context(id, "nowhere")).toMatchObject({ value: null });
    expect(step(id, "prefetch.down").output).toMatchObject({ key: "down", hit: false, bytes: 0, status: 500, warning: `HTTP 500 from ${srv.url("/down")}` });
    expect(step(id, "prefetch.nowhere").output).toMatchObject({ status: null, warning: expect.stringContaining("GET http://127.0.0.1:1/ failed") });
    expect(step(id, "use").state).toBe("SUCCEEDED");
  });

  it("a required prefetch that fails fails the plan with PREFETCH_FAILED: 5xx once retries are spent, 4xx at once", async () => {
    const srv = await server({ "/down": (_req, res) => res.writeHead(503).end("busy"), "/missing": (_req, res) => res.writeHead(404).end() });
    const { create, step, context, finished } = setup();
    const down = create([{ key: "d", url: srv.url("/down"), required: true }], { policy: { retry: { maxAttempts: 1 } } });
    const missing = create([{ key: "m", url: srv.url("/missing"), required: true }]); // 3 attempts by default
    const failedDown = await finished(down);
    expect(failedDown.plan).toMatchObject({ state: "FAILED", error: { type: "PREFETCH_FAILED", message: `step prefetch.d failed: HTTP 503 from ${srv.url("/down")}` } });
    expect(step(down, "prefetch.d").error).toMatchObject({ type: "PREFETCH_FAILED", retryable: true, details: { url: srv.url("/down"), status: 503 } });
    expect(step(down, "use").state).toBe("CANCELLED");
    const failedMissing = await finished(missing);
    expect(failedMissing.plan).toMatchObject({ state: "FAILED", error: { type: "PREFETCH_FAILED" } });
    expect(step(missing, "prefetch.m")).toMatchObject({ attempts: 1, error: { retryable: false, details: { status: 404 } } });
    expect(srv.count("/missing")).toBe(1);
    expect(context(down, "d")).toBeNull();
  });

  it("a fetch with no reply within timeoutMs fails as PREFETCH_TIMEOUT (required) or warns (optional)", async () => {
    const srv = await server({});
    const { create, step, context, finished } = setup();
    const required = create([{ key: "slow", url: srv.url("/hang"), timeoutMs: 50, required: true }], { policy: { retry: { maxAttempts: 1 } } });
    const optional = create([{ key: "slow", url: srv.url("/hang2"), timeoutMs: 50 }]);
    expect((await finished(required)).plan).toMatchObject({ state: "FAILED", error: { type: "PREFETCH_TIMEOUT" } });
    expect(step(required, "prefetch.slow").error).toMatchObject({ type: "PREFETCH_TIMEOUT", message: `no reply from ${srv.url("/hang")} within 50 ms`, retryable: true });
    expect((await finished(optional)).plan.state).toBe("COMPLETED");
    expect(step(optional, "prefetch.slow").output).toMatchObject({ warning: `no reply from ${srv.url("/hang2")} within 50 ms` });
    expect(context(optional, "slow")?.value).toBeNull();
  });

  it("works with a template plan", async () => {
    const srv = await server({ "/cfg": json({ x: 1 }) });
    const { coordinator, create, plan, context, finished } = setup();
    coordinator.templates.register({ name: "t", steps: [{ key: "one", role: "builtin.echo" }, { key: "two", role: "builtin.echo", dependsOn: ["one"] }] });
    const id = create([{ key: "cfg", url: srv.url("/cfg") }], { steps: null, template: "t" });
    expect(plan(id).steps.map((s) => [s.key, s.dependsOn])).toEqual([
      ["prefetch.cfg", []],
      ["one", ["prefetch.cfg"]],
      ["two", ["one"]],
    ]);
    expect((await finished(id)).plan.state).toBe("COMPLETED");
    expect(context(id, "cfg")?.value).toEqual({ x: 1 });
  });

  it("reports every problem at once (BAD_USER_INPUT, paths prefetch[i].…) and creates nothing", () => {
    const { coordinator, store } = setup();
    const e = thrown(() =>
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
    expect(rows(store, "plans")).toBe(0);
  });

  it("checks the config of a builtin.prefetch step written by hand", () => {
    const { coordinator } = setup();
    const e = thrown(() => coordinator.createPlan({ name: "p", steps: [{ key: "f", role: "builtin.prefetch", config: { url: "nope", required: "yes" } }] }, "test"));
    expect(((e as BatonError).details["problems"] as { path: string }[]).map((p) => p.path)).toEqual(["steps[0].config.key", "steps[0].config.url", "steps[0].config.required"]);
  });
});
