/**
 * The agent SDK end to end: a real gateway (createApp on port 0, temp-file database) and real
 * SDK agents over HTTP and WebSocket, on the real clock. Nothing sleeps for a fixed time: tests
 * wait on subscription signals or on conditions (waitFor).
 */
import "reflect-metadata";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BatonClientError,
  CompleteStepDocument,
  createAgent,
  createClient,
  CreatePlanDocument,
  GetPlanDocument,
  GetTracesDocument,
  ListSignalsDocument,
  SignalsDocument,
  withQuality,
  type AgentOptions,
  type BatonClient,
  type CreatePlanInput,
  type SignalFieldsFragment,
  type SignalKind,
} from "../../src/client/index.js";
import type { App } from "../../src/server/app.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";
import { waitFor } from "../helpers/fixtures.js";

const STUCK_AGENT = fileURLToPath(new URL("./fixtures/stuck-agent.mjs", import.meta.url));
const COMPILED_SDK = fileURLToPath(new URL("../../dist/src/client/index.js", import.meta.url));
const END_KINDS: SignalKind[] = ["PLAN_COMPLETED", "PLAN_FAILED", "PLAN_CANCELLED"];

let app: App;
let url: string;
let client: BatonClient;
let gw: Gateway;
let agentToken: string;
let cleanups: (() => Promise<unknown> | void)[];

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

/** An SDK agent on this test's gateway, stopped after the test. */
function agent(options: Omit<AgentOptions, "url">) {
  const a = createAgent({ url, token: agentToken, ...options });
  cleanups.push(() => a.stop());
  return a;
}

async function createPlan(input: CreatePlanInput): Promise<string> {
  return (await client.request(CreatePlanDocument, { input })).createPlan.id;
}

/** The plan's first end signal (replayed if it already ended). */
async function planEnd(planId: string): Promise<SignalFieldsFragment> {
  for await (const { signals } of client.subscribe(SignalsDocument, { planId, kinds: END_KINDS, afterSequence: 0 })) return signals;
  throw new Error("signal subscription ended without an end signal");
}

async function getPlan(id: string) {
  const { plan } = await client.request(GetPlanDocument, { id });
  if (!plan) throw new Error(`plan ${id} not found`);
  return plan;
}

/** Every signal of the plan from the signals query, following pages. */
async function allSignals(planId: string): Promise<SignalFieldsFragment[]> {
  const out: SignalFieldsFragment[] = [];
  let after: string | null = null;
  for (;;) {
    const { signals }: { signals: { edges: { node: SignalFieldsFragment }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
      await client.request(ListSignalsDocument, { planId, first: 500, after });
    out.push(...signals.edges.map((e) => e.node));
    if (!signals.pageInfo.hasNextPage) return out;
    after = signals.pageInfo.endCursor;
  }
}

describe("agent SDK end to end", () => {
  it("runs a 3-step plan whose parallel pair runs at once on one agent with concurrency 2", async () => {
    const running = new Set<string>();
    agent({ name: "prep", roles: ["e2e.prep"], handler: () => ({ prepared: true }) });
    agent({
      name: "worker",
      roles: ["e2e.work"],
      concurrency: 2,
      handler: async ({ lease, progress }) => {
        running.add(lease.stepKey);
        await waitFor(() => running.size === 2); // deadlocks (and times out) unless b and c run together
        await progress(1, `${lease.stepKey} done`);
        return withQuality({ step: lease.stepKey, input: lease.input }, lease.stepKey === "b" ? 0.7 : 0.9);
      },
    });
    const planId = await createPlan({
      name: "parallel-pair",
      policy: { maxParallel: 2 },
      steps: [
        { key: "a", role: "e2e.prep" },
        { key: "b", role: "e2e.work", dependsOn: ["a"], input: { n: 1 } },
        { key: "c", role: "e2e.work", dependsOn: ["a"], input: { n: 2 } },
      ],
    });

    expect((await planEnd(planId)).kind).toBe("PLAN_COMPLETED");
    const plan = await getPlan(planId);
    expect(plan.result).toEqual({ b: { step: "b", input: { n: 1 } }, c: { step: "c", input: { n: 2 } } });
    expect(plan.steps.map((s) => [s.key, s.state, s.quality])).toEqual([
      ["a", "SUCCEEDED", null],
      ["b", "SUCCEEDED", 0.7],
      ["c", "SUCCEEDED", 0.9],
    ]);

    // Both parallel steps started before either finished: in the signal log and in the traces.
    const log = await allSignals(planId);
    const seq = (kind: SignalKind, step: string) => log.find((s) => s.kind === kind && s.stepKey === step)!.sequence;
    expect(Math.max(seq("STEP_STARTED", "b"), seq("STEP_STARTED", "c"))).toBeLessThan(Math.min(seq("STEP_SUCCEEDED", "b"), seq("STEP_SUCCEEDED", "c")));
    const { traces } = await client.request(GetTracesDocument, { planId });
    const [b, c] = ["b", "c"].map((k) => traces.find((t) => t.stepKey === k)!);
    expect(Date.parse(b!.startedAt)).toBeLessThanOrEqual(Date.parse(c!.finishedAt!));
    expect(Date.parse(c!.startedAt)).toBeLessThanOrEqual(Date.parse(b!.finishedAt!));
    expect(traces.every((t) => t.outcome === "SUCCEEDED" && t.agent !== null)).toBe(true);
  });

  it("rejects with a BatonClientError carrying the GraphQL error's extensions.code", async () => {
    const refused = client.request(CompleteStepDocument, { leaseId: "lease_unknown", output: null });
    await expect(refused).rejects.toBeInstanceOf(BatonClientError);
    await expect(refused).rejects.toMatchObject({ code: "CONFLICT", errors: [{ extensions: { code: "CONFLICT" } }] });
    const invalid = client.request(CreatePlanDocument, { input: { name: "bad", steps: [{ key: "a", role: "r", dependsOn: ["nope"] }] } });
    await expect(invalid).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    const subscription = client.subscribe(SignalsDocument, { afterSequence: -1 });
    await expect(subscription.next()).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("retries a failing handler, then fails the plan with the last error", async () => {
    let calls = 0;
    agent({
      name: "flaky",
      roles: ["e2e.flaky"],
      handler: () => {
        calls++;
        throw calls === 1 ? new TypeError("first failure") : new Error("second failure");
      },
    });
    const planId = await createPlan({
      name: "always-fails",
      steps: [{ key: "s", role: "e2e.flaky", retry: { maxAttempts: 2, initialIntervalMs: 20 } }],
    });

    expect((await planEnd(planId)).kind).toBe("PLAN_FAILED");
    const plan = await getPlan(planId);
    expect(plan.state).toBe("FAILED");
    expect(plan.error?.message).toContain("second failure");
    expect(plan.steps[0]).toMatchObject({ state: "FAILED", attempts: 2 });
    const { traces } = await client.request(GetTracesDocument, { planId, stepKey: "s" });
    expect(traces.map((t) => [t.attempt, t.outcome, t.error?.type, t.error?.message])).toEqual([
      [1, "FAILED", "TypeError", "first failure"], // type = the error's name...
      [2, "FAILED", null, "second failure"], // ...unless it is plain "Error"
    ]);
    const kinds = (await allSignals(planId)).map((s) => s.kind);
    expect(kinds.filter((k) => k === "STEP_RETRY_SCHEDULED")).toHaveLength(1);
    expect(calls).toBe(2);
  });

  it("reports an error's own type and retryable properties: retryable false is not retried", async () => {
    agent({
      name: "strict",
      roles: ["e2e.strict"],
      handler: () => {
        throw Object.assign(new Error("bad input"), { type: "VALIDATION", retryable: false, details: { field: "x" } });
      },
    });
    const planId = await createPlan({ name: "no-retry", steps: [{ key: "s", role: "e2e.strict", retry: { maxAttempts: 5, initialIntervalMs: 20 } }] });

    expect((await planEnd(planId)).kind).toBe("PLAN_FAILED");
    const { traces } = await client.request(GetTracesDocument, { planId });
    expect(traces).toHaveLength(1);
    expect(traces[0]!.error).toEqual({ message: "bad input", type: "VALIDATION", retryable: false, details: { field: "x" } });
  });

  it("fails the attempt as INVALID_OUTPUT when the gateway refuses the handler's result", async () => {
    agent({ name: "overconfident", roles: ["e2e.quality"], handler: () => withQuality({ ok: true }, 1.5) });
    const planId = await createPlan({ name: "bad-quality", steps: [{ key: "s", role: "e2e.quality" }] });

    expect((await planEnd(planId)).kind).toBe("PLAN_FAILED");
    const { traces } = await client.request(GetTracesDocument, { planId });
    expect(traces.map((t) => [t.outcome, t.error?.type, t.error?.retryable])).toEqual([["FAILED", "INVALID_OUTPUT", false]]);
    expect(traces[0]!.error?.message).toMatch(/quality/);
  });

  it("sends the reports of steps finished together in one completeSteps request; a refused one fails its attempt alone", async () => {
    const sent = new Map<string, number>();
    const counting = createClient({ url, token: agentToken });
    cleanups.push(() => counting.close());
    const counted: BatonClient = {
      ...counting,
      request: (document, variables, options) => {
        const op = document.definitions.find((d) => d.kind === "OperationDefinition");
        const name = op && "name" in op ? (op.name?.value ?? "") : "";
        sent.set(name, (sent.get(name) ?? 0) + 1);
        return counting.request(document, variables, options);
      },
    };
    const started = new Set<string>();
    agent({
      name: "batch",
      roles: ["e2e.batch"],
      concurrency: 10,
      client: counted,
      handler: async ({ lease }) => {
        started.add(lease.stepKey);
        await waitFor(() => started.size === 10); // all ten finish in the same moment
        return lease.stepKey === "s9" ? withQuality({ ok: true }, 2) : { ok: lease.stepKey };
      },
    });
    const planId = await createPlan({
      name: "batched-reports",
      policy: { maxParallel: 10 },
      steps: Array.from({ length: 10 }, (_, i) => ({ key: `s${i}`, role: "e2e.batch", retry: { maxAttempts: 1 } })),
    });
    expect((await planEnd(planId)).kind).toBe("PLAN_FAILED");
    const plan = await getPlan(planId);
    expect(plan.steps.map((s) => [s.key, s.state])).toEqual(Array.from({ length: 10 }, (_, i) => [`s${i}`, i === 9 ? "FAILED" : "SUCCEEDED"]));
    const { traces } = await client.request(GetTracesDocument, { planId });
    expect(traces.find((t) => t.stepKey === "s9")!.error?.type).toBe("INVALID_OUTPUT");
    expect(sent.get("CompleteStep") ?? 0).toBe(0);
    expect(sent.get("CompleteSteps")).toBeLessThan(10); // ten reports, fewer requests (one when they finish within the linger)
  });

  it("aborts a running handler's signal when its plan fails, and does not report the attempt", async () => {
    let waiterStarted = false;
    let abortReason: unknown = null;
    agent({
      name: "pair",
      roles: ["e2e.pair"],
      concurrency: 2,
      handler: async ({ lease, signal }) => {
        if (lease.stepKey === "fails") {
          await waitFor(() => waiterStarted);
          throw Object.assign(new Error("fatal"), { retryable: false });
        }
        waiterStarted = true;
        await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
        abortReason = signal.reason;
        return { ignored: true };
      },
    });
    const planId = await createPlan({
      name: "fails-while-another-runs",
      policy: { heartbeatTimeoutMs: 300, maxParallel: 2 },
      steps: [
        { key: "fails", role: "e2e.pair" },
        { key: "waits", role: "e2e.pair" },
      ],
    });

    expect((await planEnd(planId)).kind).toBe("PLAN_FAILED");
    await waitFor(() => abortReason); // the next heartbeat (≤ 100 ms) answers cancelRequested
    expect(abortReason).toMatchObject({ name: "LeaseAbortedError", reason: "cancelled" });
    const { traces } = await client.request(GetTracesDocument, { planId, stepKey: "waits" });
    expect(traces.map((t) => t.outcome)).toEqual(["CANCELLED"]);
  });

  it("hands the step of a killed agent to another agent once its lease expires", async () => {
    expect(existsSync(COMPILED_SDK), `${COMPILED_SDK} is missing: run \`npm run build\` first`).toBe(true);
    const planId = await createPlan({
      name: "survives-a-crash",
      policy: { heartbeatTimeoutMs: 300 },
      steps: [{ key: "s", role: "e2e.crash", retry: { maxAttempts: 3, initialIntervalMs: 20 } }],
    });
    const child = spawnAgent(STUCK_AGENT, [url, "e2e.crash"]);
    await child.line(/^claimed lease_/);
    const exited = new Promise((r) => child.process.once("exit", r));
    child.process.kill("SIGKILL");
    await exited;

    agent({ name: "rescuer", roles: ["e2e.crash"], handler: ({ lease }) => ({ rescuedAttempt: lease.attempt }) });
    expect((await planEnd(planId)).kind).toBe("PLAN_COMPLETED");
    const { traces } = await client.request(GetTracesDocument, { planId, stepKey: "s" });
    expect(traces.map((t) => [t.attempt, t.outcome, t.agent?.name, t.error?.type ?? null])).toEqual([
      [1, "LOST", "stuck-agent", "LEASE_EXPIRED"],
      [2, "SUCCEEDED", "rescuer", null],
    ]);
    expect((await getPlan(planId)).result).toEqual({ rescuedAttempt: 2 });
  });

  it("gives a subscriber that connects mid-plan every signal of the plan once, in order", async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    let entered = false;
    agent({
      name: "gated",
      roles: ["e2e.gated"],
      handler: async ({ lease, progress }) => {
        if (lease.stepKey === "first") {
          entered = true;
          await gate;
        }
        for (const p of [0.25, 0.5, 0.75]) await progress(p, `${lease.stepKey} at ${p}`);
        return { done: lease.stepKey };
      },
    });
    const planId = await createPlan({
      name: "mid-plan-subscriber",
      steps: [
        { key: "first", role: "e2e.gated" },
        { key: "second", role: "e2e.gated", dependsOn: ["first"] },
        { key: "third", role: "e2e.gated", dependsOn: ["second"] },
      ],
    });
    await waitFor(() => entered); // the plan is under way: created, started, first step running

    const received: SignalFieldsFragment[] = [];
    for await (const { signals } of client.subscribe(SignalsDocument, { planId, afterSequence: 0 })) {
      received.push(signals);
      if (received.length === 1) openGate(); // the rest arrives live, or from the log while replaying
      if (END_KINDS.includes(signals.kind)) break;
    }

    const logged = await allSignals(planId);
    expect(logged.at(-1)?.kind).toBe("PLAN_COMPLETED");
    expect(received.map((s) => s.sequence)).toEqual(logged.map((s) => s.sequence));
    expect(received).toEqual(logged);
    expect(new Set(received.map((s) => s.sequence)).size).toBe(received.length);
    expect(received.map((s) => s.kind)).toContain("STEP_PROGRESS");
    expect(received[0]!.kind).toBe("PLAN_CREATED");
  });
});

/** A node process running an agent script; `line(re)` resolves with the first stdout line matching. */
function spawnAgent(script: string, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BATON_TOKEN: agentToken } });
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  return {
    process: child,
    line: (re: RegExp) =>
      waitFor(() => {
        if (child.exitCode !== null) throw new Error(`agent process exited ${child.exitCode}: ${err}`);
        return out.split("\n").find((l) => re.test(l));
      }),
  };
}
