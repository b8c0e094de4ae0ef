/**
 * The built-in `build-website` template end to end: a real gateway (port 0, temp-file
 * database) and three real SDK agents over HTTP. The reviewer rejects the first two versions
 * and approves the third; each rejection goes back to the coder, who sees it in its lease.
 */
import "reflect-metadata";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  createAgent,
  createClient,
  CreatePlanDocument,
  GetPlanDocument,
  GetTracesDocument,
  ListSignalsDocument,
  SignalsDocument,
  withQuality,
  type BatonAgent,
  type BatonClient,
} from "../../src/client/index.js";
import type { App } from "../../src/server/app.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

let app: App;
let client: BatonClient;
let gw: Gateway;
let agentToken: string;
let agents: BatonAgent[];

beforeEach(async () => {
  gw = await startGateway();
  app = gw.app;
  const { url } = gw;
  agentToken = await gw.token("agent");
  client = createClient({ url, token: gw.adminToken! });
  agents = [];
  const agent = (name: string, role: string, handler: Parameters<typeof createAgent>[0]["handler"]) => agents.push(createAgent({ url, token: agentToken, name, roles: [role], handler }));

  agent("pm", "product-manager", ({ lease }) => ({ pages: ["home", "about"], goal: (lease.input as { goal: string }).goal }));
  agent("coder", "coder", ({ lease }) => ({ version: lease.visit, fixed: lease.trigger ?? null }));
  agent("reviewer", "reviewer", ({ lease }) => {
    const approved = lease.visit >= 3;
    return withQuality({ approved, comments: approved ? ["ship it"] : [`version ${lease.visit}: needs work`] }, approved ? 0.9 : 0.4);
  });
});

afterEach(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await client.close();
  await gw.stop();
});

it("build-website: the reviewer rejects twice, each time the coder gets the rejection and works again; the third review approves", async () => {
  const { createPlan } = await client.request(CreatePlanDocument, { input: { name: "site", template: "build-website", input: { goal: "a bakery site" } } });
  for await (const { signals } of client.subscribe(SignalsDocument, { planId: createPlan.id, kinds: ["PLAN_COMPLETED", "PLAN_FAILED"], afterSequence: 0 })) {
    expect(signals.kind).toBe("PLAN_COMPLETED");
    break;
  }
  const { plan } = await client.request(GetPlanDocument, { id: createPlan.id });
  expect(plan?.state).toBe("COMPLETED");
  expect(plan?.result).toEqual({ approved: true, comments: ["ship it"] });
  const step = (key: string) => plan!.steps.find((s) => s.key === key)!;
  expect(step("spec")).toMatchObject({ state: "SUCCEEDED", output: { pages: ["home", "about"], goal: "a bakery site" } });
  // The third version of the code carries the second rejection as its trigger.
  expect(step("code")).toMatchObject({ state: "SUCCEEDED", attempts: 3 });
  const code = step("code").output as { version: number; fixed: { from: string; via: string; error: { type: string; message: string; details: { output: unknown } } } };
  expect(code.version).toBe(3);
  expect(code.fixed).toMatchObject({
    from: "review",
    via: "onFailure",
    error: { type: "CONDITION", message: "the reviewer asked for changes", details: { output: { approved: false, comments: ["version 2: needs work"] } } },
  });

  // Each version of the code is in its attempt's trace (the step keeps only the last).
  const { traces } = await client.request(GetTracesDocument, { planId: createPlan.id, stepKey: "code" });
  expect(traces.map((t) => (t.output as { version: number }).version)).toEqual([1, 2, 3]);

  // The timeline explains every route: two rejections routed back to the coder, then approval.
  const { signals } = await client.request(ListSignalsDocument, { planId: createPlan.id, first: 500 });
  const timeline = signals.edges
    .map((e) => e.node)
    .filter((s) => s.kind === "STEP_SUCCEEDED" || s.kind === "STEP_FAILED")
    .map((s) => `${s.kind}:${s.stepKey}${s.kind === "STEP_FAILED" ? `→${(s.payload as { route: { to: string; visit: number } }).route.to}#${(s.payload as { route: { visit: number } }).route.visit}` : ""}`);
  expect(timeline).toEqual([
    "STEP_SUCCEEDED:spec",
    "STEP_SUCCEEDED:code",
    "STEP_FAILED:review→code#2",
    "STEP_SUCCEEDED:code",
    "STEP_FAILED:review→code#3",
    "STEP_SUCCEEDED:code",
    "STEP_SUCCEEDED:review",
  ]);
});
