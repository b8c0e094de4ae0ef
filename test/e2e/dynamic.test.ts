/**
 * Dynamic plans end to end: a real gateway (createApp on port 0, temp-file database) and real
 * SDK agents over HTTP. A planner agent returns withSteps(...): the steps join the running plan
 * and worker agents run them. Nothing sleeps for a fixed time: tests wait on the plan's end signal.
 */
import "reflect-metadata";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createAgent,
  createClient,
  CreatePlanDocument,
  GetPlanDocument,
  SignalsDocument,
  withQuality,
  withSteps,
  type AgentOptions,
  type BatonClient,
  type CreatePlanInput,
  type SignalFieldsFragment,
  type StepInput,
} from "../../src/client/index.js";
import type { App } from "../../src/server/app.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";

let app: App;
let url: string;
let client: BatonClient;
let gw: Gateway;
let agentToken: string;
let cleanups: (() => Promise<unknown>)[];

beforeEach(async () => {
  cleanups = [];
  gw = await startGateway();
  app = gw.app;
  url = gw.url;
  agentToken = await gw.token("agent");
  client = createClient({ url, token: gw.adminToken! });
});

afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  await client.close();
  await gw.stop();
});

function agent(options: Omit<AgentOptions, "url">) {
  const a = createAgent({ url, token: agentToken, waitMs: 1_000, ...options });
  cleanups.push(() => a.stop());
  return a;
}

async function createPlan(input: CreatePlanInput): Promise<string> {
  return (await client.request(CreatePlanDocument, { input })).createPlan.id;
}

/** The plan's first end signal (replayed if it already ended). */
async function planEnd(planId: string): Promise<SignalFieldsFragment> {
  for await (const { signals } of client.subscribe(SignalsDocument, { planId, kinds: ["PLAN_COMPLETED", "PLAN_FAILED"], afterSequence: 0 })) return signals;
  throw new Error("signal subscription ended without an end signal");
}

async function getPlan(id: string) {
  const { plan } = await client.request(GetPlanDocument, { id });
  if (!plan) throw new Error(`plan ${id} not found`);
  return plan;
}

/**
 * A planner that splits its input's `parts` into one writer step each, plus the steps `extra`
 * gives; `qualityOutside` wraps the other way round: withQuality(withSteps(...)).
 */
function planner(extra: StepInput[] = [], qualityOutside = false) {
  return agent({
    name: "planner",
    roles: ["e2e.planner"],
    handler: ({ lease }) => {
      const { parts } = lease.input as { parts: string[] };
      const steps: StepInput[] = parts.map((part) => ({ key: `write-${part}`, role: "e2e.writer", dependsOn: [lease.stepKey], input: { part } }));
      const all = [...steps, ...extra];
      return qualityOutside ? withQuality(withSteps({ parts }, all), 0.9) : withSteps(withQuality({ parts }, 0.9), all);
    },
  });
}

describe("dynamic plans end to end", () => {
  it("a planner's added steps run on worker agents and the plan completes with their outputs", async () => {
    planner();
    const ran: string[] = [];
    agent({
      name: "writer",
      roles: ["e2e.writer"],
      concurrency: 2,
      handler: ({ lease }) => {
        ran.push(lease.stepKey);
        return { wrote: (lease.input as { part: string }).part };
      },
    });
    const planId = await createPlan({
      name: "decompose",
      policy: { maxParallel: 2 },
      steps: [{ key: "plan", role: "e2e.planner", qualityThreshold: 0.8, input: { parts: ["intro", "body"] } }],
    });
    const end = await planEnd(planId);
    expect(end.kind).toBe("PLAN_COMPLETED");
    expect(ran.sort()).toEqual(["write-body", "write-intro"]);
    const plan = await getPlan(planId);
    expect(plan.result).toEqual({ "write-intro": { wrote: "intro" }, "write-body": { wrote: "body" } });
    expect(plan.steps.map((s) => [s.key, s.state, s.dependsOn])).toEqual([
      ["plan", "SUCCEEDED", []],
      ["write-intro", "SUCCEEDED", ["plan"]],
      ["write-body", "SUCCEEDED", ["plan"]],
    ]);
    expect(plan.steps[0]).toMatchObject({ output: { parts: ["intro", "body"] }, quality: 0.9 });
  });

  it("an invalid addition fails the planner's step with INVALID_PLAN and adds nothing", async () => {
    planner([{ key: "review", role: "e2e.writer", dependsOn: ["ghost"] }], true);
    const planId = await createPlan({ name: "bad", steps: [{ key: "plan", role: "e2e.planner", input: { parts: ["intro"] } }] });
    expect((await planEnd(planId)).kind).toBe("PLAN_FAILED");
    const plan = await getPlan(planId);
    expect(plan.steps.map((s) => s.key)).toEqual(["plan"]);
    expect(plan.steps[0]).toMatchObject({ state: "FAILED", attempts: 1, error: { type: "INVALID_PLAN", retryable: false, details: { output: { parts: ["intro"] } } } });
    expect(plan.steps[0]!.error!.message).toContain('unknown step "ghost"');
    expect(plan.error).toMatchObject({ type: "INVALID_PLAN" });
  });
});
