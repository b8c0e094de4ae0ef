/**
 * Replay flooding against the compiled gateway (a real process, production mode, auth on).
 * One viewer WebSocket opens 100 `signals(afterSequence: 0)` replays over a ~10k-signal log and
 * never reads: the gateway paces it on its socket buffer (BATON_WS_HIGH_WATER_BYTES), lets only
 * BATON_MAX_REPLAYS_PER_CONNECTION of them read the log at once, and closes it once stalled
 * (BATON_WS_STALL_TIMEOUT_MS). Meanwhile a well-behaved HTTP client stays fast, the gateway's
 * memory stays bounded, and a normal subscriber replaying from 0 gets every signal, in order.
 * And a burst of 101 subscribes is counted exactly (BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION).
 *
 * Needs the compiled gateway: `npx tsc -p tsconfig.json` first.
 */
import { readFileSync } from "node:fs";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTarget, underAttack, type Target } from "../helpers/attack.js";
import { waitFor } from "../helpers/fixtures.js";

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const STALL_MS = 3_000;
let target: Target;
let head: number;

/** The gateway's resident memory (bytes), from /proc. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

/** One gauge of /metrics (admin token). */
async function gauge(name: string): Promise<number> {
  const res = await fetch(target.url.replace(/\/graphql$/, "/metrics"), { headers: { authorization: `Bearer ${target.adminToken}` } });
  const m = new RegExp(`^${name} (\\d+)`, "m").exec(await res.text());
  return Number(m![1]);
}

/** A raw graphql-transport-ws socket, acknowledged. */
async function rawSocket(token: string): Promise<{ socket: WebSocket; messages: { id?: string; type: string; payload?: any }[] }> {
  const socket = new WebSocket(target.url.replace(/^http/, "ws"), "graphql-transport-ws");
  const messages: { id?: string; type: string; payload?: any }[] = [];
  socket.on("message", (data) => messages.push(JSON.parse(String(data))));
  socket.on("error", () => undefined);
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
  await waitFor(() => messages.some((m) => m.type === "connection_ack"));
  return { socket, messages };
}

beforeAll(async () => {
  target = await startTarget({ BATON_WS_STALL_TIMEOUT_MS: String(STALL_MS), BATON_TOKEN_RATE_LIMIT: "100000/10s", BATON_LOG_LEVEL: "warn" });
  // The log: plans of many builtin.echo steps (each step leaves a few signals), run by the gateway.
  const steps = Array.from({ length: 1_000 }, (_, i) => ({ key: `e${i}`, role: "builtin.echo", input: { i } }));
  const ids: string[] = [];
  for (let p = 0; p < 3; p++) {
    const r = await target.post(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
      input: { name: `log-${p}`, steps, policy: { maxParallel: 1_000 } },
    });
    expect(r.body.errors).toBeUndefined();
    ids.push(r.body.data!["createPlan"].id as string);
  }
  await waitFor(async () => {
    const states = await Promise.all(ids.map(async (id) => (await target.post(`query($id: ID!) { plan(id: $id) { state } }`, { id })).body.data?.["plan"]?.state));
    return states.every((s) => s === "COMPLETED");
  }, 120_000);
  // The head: the sequence of a signal sent now.
  const sent = await target.post(`mutation($input: SendSignalInput!) { sendSignal(input: $input) { sequence } }`, { input: { planId: ids[0], name: "head" } });
  head = sent.body.data!["sendSignal"].sequence as number;
  expect(head).toBeGreaterThan(9_000);
}, 180_000);

afterAll(async () => {
  await target?.stop();
});

describe("replay flooding", () => {
  it("100 replays from 0 on one unread viewer socket: others stay fast, memory stays bounded, a normal replay gets everything, the socket is closed", async () => {
    const pid = target.proc.child.pid!;
    const rssBefore = rssOf(pid);
    const attacker = await target.token("VIEWER", "attacker");
    const reader = await target.token("VIEWER", "reader");
    const bystander = await target.token("VIEWER", "bystander");
    let rssMax = rssBefore;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssOf(pid))), 50);

    const attack = underAttack(target, bystander, async () => {
      const { socket } = await rawSocket(attacker);
      socket.pause(); // reads nothing from now on
      const query = `subscription { signals(afterSequence: 0) { sequence kind name planId stepKey payload at sender } }`;
      for (let i = 0; i < 100; i++) socket.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query } }));
      await waitFor(async () => (await gauge("baton_subscriptions")) >= 100);

      // A normal subscriber replaying from 0 meanwhile.
      const client = createClient({ url: target.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${reader}` } });
      const got: number[] = [];
      const errors: unknown[] = [];
      const t0 = performance.now();
      const stop = client.subscribe<{ signals: { sequence: number } }>(
        { query: `subscription { signals(afterSequence: 0) { sequence kind } }` },
        { next: ({ data }) => void got.push(data!.signals.sequence), error: (e) => errors.push(e), complete: () => undefined },
      );
      await waitFor(() => got.length >= head || errors.length > 0, 60_000);
      const replayMs = performance.now() - t0;

      // The stalled socket is closed by the gateway: only the normal subscriber's connection is left.
      await waitFor(async () => (await gauge("baton_websocket_connections")) === 1, 30_000);
      const stalledClosedMs = performance.now() - t0;
      stop();
      await client.dispose();
      socket.terminate();
      return { got, errors, replayMs, stalledClosedMs };
    });
    const { result, latency } = await attack.finally(() => clearInterval(sampler));

    expect(result.errors).toEqual([]);
    expect(result.got.slice(0, head)).toEqual(range(1, head)); // gapless, in order, no duplicate
    expect(latency.failures).toBe(0);
    expect(latency.count).toBeGreaterThan(50);
    expect(latency.maxMs).toBeLessThan(300);
    expect(rssMax - rssBefore).toBeLessThan(150 * 1024 * 1024);
    console.log(
      `replay flood: ${head} signals; bystander ${latency.count} requests, max ${latency.maxMs.toFixed(0)} ms; ` +
        `normal replay ${result.replayMs.toFixed(0)} ms; stalled socket closed after ${result.stalledClosedMs.toFixed(0)} ms; ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} → max ${(rssMax / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 120_000);
});

describe("subscribe bursts", () => {
  it("101 subscribes sent at once on one connection: exactly one is refused with TOO_MANY_SUBSCRIPTIONS", async () => {
    const { socket, messages } = await rawSocket(await target.token("VIEWER", "burst"));
    const query = `subscription { signals(names: ["nothing"]) { sequence } }`;
    const before = messages.length;
    for (let i = 0; i < 101; i++) socket.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query } }));
    await waitFor(async () => messages.some((m) => m.type === "error") && (await gauge("baton_subscriptions")) >= 100);
    const refused = messages.slice(before).filter((m) => m.type === "error");
    expect(refused.map((m) => [m.id, m.payload[0].extensions.code])).toEqual([["100", "TOO_MANY_SUBSCRIPTIONS"]]);
    expect(await gauge("baton_subscriptions")).toBe(100);
    socket.close();
    await waitFor(async () => (await gauge("baton_subscriptions")) === 0);
  }, 60_000);
});
