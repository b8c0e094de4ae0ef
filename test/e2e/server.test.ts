import { createClient, type Client } from "graphql-ws";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { spawn, spawnSync } from "node:child_process";
import { gatewayDatabase } from "../helpers/database.js";
import { CLI, startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

let server: ServerProcess | null = null;
let ws: Client | null = null;
afterEach(async () => {
  await ws?.dispose();
  ws = null;
  if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
  server = null;
});

const post = async (url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: any; errors?: any[] };
};

function wsClient(url: string, onClose?: (code: number) => void): Client {
  return createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: { closed: (e) => onClose?.((e as { code: number }).code) },
  });
}

describe("the gateway process", () => {
  it("serves health, GraphQL over HTTP and subscriptions over WebSocket, then drains on SIGTERM", async () => {
    server = await startServerProcess();
    const base = server.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    let closeCode: number | null = null;
    ws = wsClient(server.url, (c) => (closeCode = c));
    const seen: { sequence: number; kind: string }[] = [];
    const completed = new Promise<void>((resolve, reject) => {
      ws!.subscribe<{ signals: { sequence: number; kind: string } }>(
        { query: `subscription { signals(afterSequence: 0, kinds: [PLAN_CREATED, STEP_SUCCEEDED, PLAN_COMPLETED]) { sequence kind } }` },
        {
          next: ({ data }) => {
            seen.push(data!.signals);
            if (data!.signals.kind === "PLAN_COMPLETED") resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    const created = await post(
      server.url,
      `mutation { createPlan(input: { name: "e2e", steps: [{ key: "a", role: "builtin.echo", input: { v: 1 } }, { key: "b", role: "builtin.echo", dependsOn: ["a"], input: { v: 2 } }] }) { id } }`,
    );
    expect(created.errors).toBeUndefined();
    await completed;
    expect(seen.map((s) => s.kind)).toEqual(["PLAN_CREATED", "STEP_SUCCEEDED", "STEP_SUCCEEDED", "PLAN_COMPLETED"]);
    const plan = await post(server.url, `query($id: ID!) { plan(id: $id) { state result } }`, { id: created.data.createPlan.id });
    expect(plan.data.plan).toEqual({ state: "COMPLETED", result: { v: 2 } });

    // Errors over WebSocket carry codes too.
    const wsError = await new Promise<any>((resolve) => {
      ws!.subscribe({ query: `subscription { planUpdated(id: "plan_missing") { id } }` }, { next: resolve, error: resolve, complete: () => undefined });
    });
    expect(JSON.stringify(wsError)).toContain("NOT_FOUND");

    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await expect.poll(() => closeCode).toBe(1001);
    // One signal, one drain: nothing (Apollo's own handler) sent it a second one.
    expect(server.stderr()).not.toContain("second signal");
  });

  it("drains and exits 0 when one signal arrives twice at once (timeout and npm deliver it so)", async () => {
    server = await startServerProcess();
    server.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).not.toContain("second signal");
  });

  it("under `timeout`, which sends the signal to the process and to its group, SIGTERM drains and exits 0", async () => {
    const child = spawn("timeout", ["40", process.execPath, CLI, "serve"], {
      env: { ...process.env, NODE_ENV: "production", BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(tempDb()), BATON_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => (out += d.toString()).includes("listening on") && resolve()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).not.toContain("second signal");
  });

  it("attributes writes to the x-baton-actor header", async () => {
    server = await startServerProcess();
    const r = await post(server.url, `mutation { createPlan(input: { name: "a", start: false, steps: [{ key: "a", role: "r" }] }) { id } }`, {}, { "x-baton-actor": "alice" });
    const signals = await post(server.url, `query($id: ID) { signals(planId: $id) { edges { node { kind sender } } } }`, { id: r.data.createPlan.id });
    expect(signals.data.signals.edges).toEqual([{ node: { kind: "PLAN_CREATED", sender: "alice" } }]);
  });

  it("a failed start prints one clear line and exits non-zero", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = String((blocker.address() as { port: number }).port);
    const res = spawnSync(process.execPath, [CLI, "serve"], { env: { ...process.env, BATON_PORT: port, ...gatewayDatabase(tempDb()) }, encoding: "utf8" });
    blocker.close();
    expect(res.status).not.toBe(0);
    expect(res.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^baton: port already in use/)]);
    const bad = spawnSync(process.execPath, [CLI, "serve"], { env: { ...process.env, BATON_PORT: "nope" }, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("BATON_PORT must be a whole number");
  });
});
