/**
 * Structured logs: each GraphQL request has an id (the caller's x-request-id or a new one),
 * returned in the response and logged with the operation; at debug level every signal is logged
 * with its plan id and step key.
 */
import { pino } from "pino";
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createApp, type App } from "../../src/server/app.js";
import { waitFor } from "../helpers/fixtures.js";
import { gatewayDatabase } from "../helpers/database.js";
import { tempDb } from "../helpers/process.js";

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});
let app: App;
let url: string;
beforeAll(async () => {
  app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(tempDb()) }), { logger: pino({ level: "debug" }, sink) });
  url = (await app.start()).url;
});
afterAll(() => app?.stop());

const post = (query: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query, operationName: "Logged" }) });

it("logs each request with its id, operation, status and duration, and returns the id", async () => {
  const res = await post(`mutation Logged { createPlan(input: { name: "logged", steps: [{ key: "a", role: "builtin.echo" }] }) { id } }`, { "x-request-id": "req-42" });
  expect(res.headers.get("x-request-id")).toBe("req-42");
  const planId = ((await res.json()) as { data: { createPlan: { id: string } } }).data.createPlan.id;
  await waitFor(() => lines.some((l) => l["msg"] === "graphql request" && l["reqId"] === "req-42"));
  expect(lines.find((l) => l["reqId"] === "req-42")).toMatchObject({ level: 20, operation: "Logged", status: 200, ms: expect.any(Number) });
  // Signals carry the plan and step: the builtin echo agent runs the step to completion.
  await waitFor(() => lines.some((l) => l["msg"] === "signal" && l["kind"] === "PLAN_COMPLETED" && l["planId"] === planId));
  expect(lines.find((l) => l["msg"] === "signal" && l["kind"] === "STEP_SUCCEEDED")).toMatchObject({ planId, stepKey: "a", seq: expect.any(Number) });

  const fresh = await post(`query Logged { plans { totalCount } }`, { "x-request-id": "bad id with spaces" });
  expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
});
