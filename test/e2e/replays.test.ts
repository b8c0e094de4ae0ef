/**
 * Subscriptions sharing one gateway (in process, authentication on): a burst of subscribes is
 * counted exactly against BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION; many replays on one connection
 * wait their turn (BATON_MAX_REPLAYS_PER_*) and each still gets the whole log, in order; a client
 * that stops reading is paced on its socket's buffer (BATON_WS_HIGH_WATER_BYTES), then closed
 * (BATON_WS_STALL_TIMEOUT_MS), while another subscriber goes on getting every signal.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadConfig } from "../../src/config.js";
import { createApp, type App } from "../../src/server/app.js";
import { gatewayDatabase } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let app: App;
let url: string;
let dir: string;
let planId: string;
const logLines: { level: number; msg: string; [k: string]: unknown }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "baton-replays-"));
  const logger = pino({ level: "warn" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  app = await createApp(
    loadConfig({
      BATON_PORT: "0",
      ...gatewayDatabase(join(dir, "baton.db")),
      BATON_WS_HIGH_WATER_BYTES: String(64 * 1024),
      BATON_WS_STALL_TIMEOUT_MS: "1500",
      BATON_MAX_REPLAYS_PER_CONNECTION: "4",
      BATON_MAX_REPLAYS_PER_TOKEN: "16",
    }),
    { logger },
  );
  url = (await app.start()).url.replace(/^http/, "ws");
  const c = app.coordinator;
  planId = (await c.createPlan({ name: "log", start: false, steps: [{ key: "a", role: "nobody" }] }, "t")).id;
  for (let i = 0; i < 4_000; i++) await c.sendSignal({ planId, name: `s${i}`, payload: { i, pad: "p".repeat(40) } }, "t");
  expect(readFileSync(join(dir, "admin.token"), "utf8")).toMatch(/^baton_/);
});
afterAll(async () => {
  await app.stop();
  await rm(dir, { recursive: true, force: true });
});

const viewer = async (name: string): Promise<string> => (await app.coordinator.tokens.create({ name, role: "viewer" }, "admin")).token;

/** A raw graphql-transport-ws socket, acknowledged. */
async function rawSocket(token: string): Promise<{ socket: WebSocket; messages: { id?: string; type: string; payload?: any }[]; closed: Promise<number> }> {
  const socket = new WebSocket(url, "graphql-transport-ws");
  const messages: { id?: string; type: string; payload?: any }[] = [];
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.on("message", (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
  await waitFor(() => messages.some((m) => m.type === "connection_ack"));
  return { socket, messages, closed };
}

/** A graphql-ws subscriber replaying the signals from 0: the sequences it got. */
function replayer(token: string, query = `subscription { signals(afterSequence: 0) { sequence name } }`) {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
  const errors: unknown[] = [];
  const subscribe = () => {
    const got: number[] = [];
    const stop = client.subscribe<{ signals: { sequence: number } }>({ query }, { next: ({ data }) => void got.push(data!.signals.sequence), error: (e) => errors.push(e), complete: () => undefined });
    return { got, stop };
  };
  return { client, errors, subscribe };
}

describe("the open-operations count", () => {
  it("101 subscribes sent in one burst: exactly the one over BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION (100) is refused", async () => {
    const c = app.coordinator;
    const listening = c.hub.subscriberCount;
    const { socket, messages } = await rawSocket(await viewer("burst"));
    const burst = Array.from({ length: 101 }, (_, i) => JSON.stringify({ id: String(i), type: "subscribe", payload: { query: `subscription { signals(names: ["none"]) { sequence } }` } }));
    for (const m of burst) socket.send(m);
    await waitFor(() => c.hub.subscriberCount === listening + 100 && messages.some((m) => m.type === "error"));
    const errors = messages.filter((m) => m.type === "error");
    expect(errors.map((m) => [m.id, m.payload[0].extensions.code])).toEqual([["100", "TOO_MANY_SUBSCRIPTIONS"]]);
    // One ends: room for exactly one more.
    socket.send(JSON.stringify({ id: "7", type: "complete" }));
    await waitFor(() => c.hub.subscriberCount === listening + 99);
    for (const id of ["a", "b"]) socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: `subscription { signals(names: ["none"]) { sequence } }` } }));
    await waitFor(() => messages.filter((m) => m.type === "error").length === 2);
    expect(messages.filter((m) => m.type === "error").map((m) => m.id)).toEqual(["100", "b"]);
    // "a" is admitted (its request budget read, in the database on PostgreSQL) while "b" is refused
    // at once, before that: it may start after b's error arrives
    await waitFor(() => c.hub.subscriberCount === listening + 100);
    socket.close();
    await waitFor(() => c.hub.subscriberCount === listening);
  });
});

describe("replays", () => {
  it("20 replays on one connection (4 at a time) each get the whole log, once and in order, then live signals", async () => {
    const head = await app.coordinator.store.queries.signals.head();
    const listening = app.coordinator.hub.subscriberCount;
    const r = replayer(await viewer("many-replays"));
    const subs = Array.from({ length: 20 }, () => r.subscribe());
    await waitFor(() => subs.every((s) => s.got.length >= head), 60_000);
    const live = await app.coordinator.sendSignal({ planId, name: "after" }, "t");
    await waitFor(() => subs.every((s) => s.got.at(-1) === live.sequence));
    for (const s of subs) expect(s.got).toEqual(range(1, live.sequence));
    expect(r.errors).toEqual([]);
    for (const s of subs) s.stop();
    await r.client.dispose();
    await waitFor(() => app.coordinator.hub.subscriberCount === listening);
  });

  it("a client that stops reading is paced, then closed (1013), while another subscriber gets every signal in order", async () => {
    const c = app.coordinator;
    const listening = c.hub.subscriberCount;
    const token = await viewer("slow");
    const { socket, closed } = await rawSocket(token);
    socket.pause(); // reads nothing more
    for (let i = 0; i < 100; i++) {
      socket.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query: `subscription { signals(afterSequence: 0) { sequence kind name payload } }` } }));
    }
    await waitFor(() => c.hub.subscriberCount >= listening + 100);
    // Same token, another connection: not held up by the stalled one.
    const r = replayer(token);
    const normal = r.subscribe();
    let last = await c.store.queries.signals.head();
    for (let i = 0; i < 50; i++) last = (await c.sendSignal({ planId, name: `while${i}` }, "t")).sequence;
    await waitFor(() => normal.got.at(-1) === last, 30_000);
    expect(normal.got).toEqual(range(1, last));
    // The stalled connection is closed: the warning is logged, its operations end.
    await waitFor(() => logLines.some((l) => l.msg === "WebSocket closed: the client stopped reading its messages"), 10_000);
    const warn = logLines.find((l) => l.msg === "WebSocket closed: the client stopped reading its messages")!;
    expect(warn["bufferedBytes"]).toBeGreaterThan(64 * 1024);
    await waitFor(() => c.hub.subscriberCount === listening + 1, 10_000);
    socket.resume();
    expect([1013, 1006]).toContain(await closed); // 1006 when it was dropped before reading the close frame
    normal.stop();
    await r.client.dispose();
    await waitFor(() => c.hub.subscriberCount === listening);
  });
});
