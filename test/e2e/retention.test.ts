/**
 * BATON_RETENTION on the real gateway process (`baton serve`): a finished plan older than the
 * retention disappears by itself, a running one stays; a retention that is not a time stops the
 * start with one clear line.
 */
import { spawnSync } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { gatewayDatabase } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";
import { CLI, startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

let server: ServerProcess | null = null;
afterEach(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  server = null;
});

async function gql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await r.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

it("removes a finished plan once it is older than BATON_RETENTION, and keeps a running one", async () => {
  server = await startServerProcess({ BATON_RETENTION: "1s" });
  const url = server.url;
  const create = `mutation($name: String!) { createPlan(input: { name: $name, steps: [{ key: "a", role: "nobody" }] }) { id } }`;
  const finished = (await gql(url, create, { name: "finished" })).createPlan.id as string;
  const running = (await gql(url, create, { name: "running" })).createPlan.id as string;
  await gql(url, `mutation($id: ID!) { cancelPlan(id: $id, reason: "done with it") { status } }`, { id: finished });
  // The log's newest signal is kept (its head never moves back): let it be the running plan's.
  await gql(url, `mutation($id: ID!) { sendSignal(input: { planId: $id, name: "later" }) { id } }`, { id: running });
  const plan = `query($id: ID!) { plan(id: $id) { id state } }`;
  await waitFor(async () => (await gql(url, plan, { id: finished })).plan === null, 15_000);
  expect((await gql(url, plan, { id: running })).plan).toEqual({ id: running, state: "RUNNING" });
  const signals = await gql(url, `query($id: ID) { signals(planId: $id) { edges { node { kind } } } }`, { id: finished });
  expect(signals.signals.edges).toEqual([]);
});

it("a BATON_RETENTION that is not a time stops the start with one clear line", () => {
  const bad = spawnSync(process.execPath, [CLI, "serve"], { env: { ...process.env, BATON_PORT: "0", BATON_RETENTION: "30 days", ...gatewayDatabase(tempDb()) }, encoding: "utf8" });
  expect(bad.status).toBe(1);
  expect(bad.stderr.trim().split("\n")).toEqual([expect.stringContaining("BATON_RETENTION must be a time such as 30d")]);
});
