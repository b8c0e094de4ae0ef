/**
 * Interventions end to end: a real gateway (createApp on port 0, temp-file database, real clock),
 * a real SDK agent, an operator sending plain HTTP POSTs with `x-baton-actor: ops`, and a
 * graphql-ws subscriber replaying the plan's signals from sequence 0. Nothing sleeps for a fixed
 * time: handlers wait on promises the test resolves, and the test waits on conditions.
 */
import "reflect-metadata";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createAgent, GetPlanDocument, type AgentOptions, type Lease } from "../../src/client/index.js";
import { loadConfig } from "../../src/config.js";
import { createApp, type App } from "../../src/server/app.js";
import { silentLogger, type GqlResult } from "../helpers/api.js";
import { gatewayDatabase } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";

let app: App;
let url: string;
let dir: string;
let cleanups: (() => Promise<unknown> | void)[];

beforeEach(async () => {
  cleanups = [];
  dir = await mkdtemp(join(tmpdir(), "baton-interventions-"));
  app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(join(dir, "baton.db")), BATON_LOG_LEVEL: "error" }), { logger: silentLogger });
  ({ url } = await app.start());
});

afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  await app.stop();
  await rm(dir, { recursive: true, force: true });
});

/** One GraphQL POST, as an operator would send it; `actor` sets x-baton-actor. */
async function post<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, actor?: string): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (actor !== undefined) headers["x-baton-actor"] = actor;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GqlResult<T>;
}

async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, actor?: string): Promise<T> {
  const r = await post<T>(query, variables, actor);
  if (r.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

const ROW = `id kind stepKey actor reason status rejectionCode diff planVersion`;
const PAUSE = `mutation($id: ID!, $v: Int) { pausePlan(id: $id, reason: "checking the output", expectedVersion: $v) { ${ROW} } }`;
const RESUME = `mutation($id: ID!) { resumePlan(id: $id, reason: "looks fine") { ${ROW} } }`;
const SKIP = `mutation($id: ID!, $key: String!, $output: JSON) { skipStep(planId: $id, stepKey: $key, output: $output, reason: "not needed") { ${ROW} } }`;
const CANCEL = `mutation($id: ID!) { cancelPlan(id: $id, reason: "wrong plan") { ${ROW} } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { state version result steps { key state output }
  traces { stepKey attempt outcome } } }`;

async function planOf(id: string) {
  return (await ok(PLAN, { id })).plan as {
    state: string;
    version: number;
    result: unknown;
    steps: { key: string; state: string; output: unknown }[];
    traces: { stepKey: string; attempt: number; outcome: string }[];
  };
}
const statesOf = async (id: string) => Object.fromEntries((await planOf(id)).steps.map((s) => [s.key, s.state]));

async function createPlan(input: Record<string, unknown>): Promise<string> {
  return (await ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input }, "ops")).createPlan.id;
}

function agent(options: Omit<AgentOptions, "url">) {
  const a = createAgent({ url, ...options });
  cleanups.push(() => a.stop());
  return a;
}

interface Sig {
  sequence: number;
  kind: string;
  stepKey: string | null;
  sender: string;
  payload: any;
}

/** A graphql-ws client (closed after the test). */
function wsClient(connectionParams?: Record<string, unknown>): WsClient {
  const ws = createWsClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
  cleanups.push(() => ws.dispose());
  return ws;
}

/** Subscribes to every signal of the plan from sequence 0 (the backlog, then live). */
function subscribe(planId: string): { items: Sig[]; errors: unknown[] } {
  const items: Sig[] = [];
  const errors: unknown[] = [];
  const stop = wsClient().subscribe<{ signals: Sig }>(
    { query: `subscription($p: ID) { signals(planId: $p, afterSequence: 0) { sequence kind stepKey sender payload } }`, variables: { p: planId } },
    { next: ({ data }) => data && items.push(data.signals), error: (e) => errors.push(e), complete: () => undefined },
  );
  cleanups.push(stop);
  return { items, errors };
}

/** A promise with its resolve function. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("operator interventions end to end", () => {
  it("an operator pauses a plan mid-run over HTTP while a real agent works, skips a step, resumes, and a subscriber sees the intervention signals in order", async () => {
    const workStarted = deferred<Lease>();
    const gate = deferred();
    const claimed: string[] = [];
    const worker = agent({
      name: "worker",
      roles: ["e2e.ops"],
      concurrency: 1,
      handler: async ({ lease, client }) => {
        claimed.push(lease.stepKey);
        if (lease.stepKey === "work") {
          workStarted.resolve(lease);
          await gate.promise;
          return { worked: true };
        }
        if (lease.stepKey === "final") {
          // A dependent sees the skipped step's substitute output as that step's output.
          const { plan } = await client.request(GetPlanDocument, { id: lease.planId });
          const out = (key: string) => plan!.steps.find((s) => s.key === key)!.output;
          return { fromSkipped: out("review"), fromNext: out("next") };
        }
        return { step: lease.stepKey };
      },
    });
    const planId = await createPlan({
      name: "steered-live",
      policy: { maxParallel: 2, heartbeatTimeoutMs: 600 },
      steps: [
        { key: "work", role: "e2e.ops", input: { n: 1 } },
        { key: "next", role: "e2e.ops", dependsOn: ["work"] },
        { key: "review", role: "e2e.ops", dependsOn: ["work"] },
        { key: "final", role: "e2e.ops", dependsOn: ["next", "review"] },
      ],
    });
    const sub = subscribe(planId);
    const lease = await workStarted.promise;
    expect(await statesOf(planId)).toEqual({ work: "RUNNING", next: "PENDING", review: "PENDING", final: "PENDING" });

    // Pause while "work" runs, based on the version we read.
    const { version } = await planOf(planId);
    const paused = (await ok(PAUSE, { id: planId, v: version }, "ops")).pausePlan;
    expect(paused).toMatchObject({ kind: "PAUSE", actor: "ops", reason: "checking the output", status: "APPLIED", planVersion: version + 1, diff: { state: { before: "RUNNING", after: "PAUSED" } } });
    const pausedAt = Date.now();

    // The lease still accepts heartbeats while PAUSED: the SDK's beats move its expiry on.
    await waitFor(async () => (await app.coordinator.store.queries.attempts.get(lease.id))!.expiresAt > pausedAt + 600);

    // Skip a step that has not started, with a substitute output.
    const skipped = (await ok(SKIP, { id: planId, key: "review", output: { substitute: "from ops" } }, "ops")).skipStep;
    expect(skipped).toMatchObject({
      kind: "SKIP_STEP",
      stepKey: "review",
      actor: "ops",
      status: "APPLIED",
      planVersion: paused.planVersion + 1,
      diff: { state: { before: "PENDING", after: "SKIPPED" }, output: { before: null, after: { substitute: "from ops" } } },
    });

    // The running attempt finishes during the pause: its result is kept...
    const baseline = app.coordinator.waitingClaims; // built-in agents' long polls; the worker is busy
    gate.resolve();
    await waitFor(async () => (await statesOf(planId))["work"] === "SUCCEEDED");
    // ...and the worker asks for more, but gets nothing: its claim waits while the plan is PAUSED.
    await waitFor(() => app.coordinator.waitingClaims > baseline);
    const during = await planOf(planId);
    expect(during.state).toBe("PAUSED");
    expect(during.steps.map((s) => [s.key, s.state, s.output])).toEqual([
      ["work", "SUCCEEDED", { worked: true }],
      ["next", "READY", null],
      ["review", "SKIPPED", { substitute: "from ops" }],
      ["final", "PENDING", null],
    ]);
    expect(during.traces).toEqual([{ stepKey: "work", attempt: 1, outcome: "SUCCEEDED" }]);
    expect(claimed).toEqual(["work"]);
    expect(worker.running).toBe(0);

    // Resume: the waiting claim is handed "next", then "final" runs on the substitute output.
    const resumed = (await ok(RESUME, { id: planId }, "ops")).resumePlan;
    expect(resumed).toMatchObject({ kind: "RESUME", actor: "ops", status: "APPLIED", planVersion: during.version + 1 });
    await waitFor(() => sub.items.some((s) => s.kind === "PLAN_COMPLETED"));

    const done = await planOf(planId);
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toEqual({ fromSkipped: { substitute: "from ops" }, fromNext: { step: "next" } });
    expect(done.steps.map((s) => [s.key, s.state])).toEqual([
      ["work", "SUCCEEDED"],
      ["next", "SUCCEEDED"],
      ["review", "SKIPPED"],
      ["final", "SUCCEEDED"],
    ]);
    expect(done.traces.map((t) => [t.stepKey, t.outcome])).toEqual([
      ["work", "SUCCEEDED"],
      ["next", "SUCCEEDED"],
      ["final", "SUCCEEDED"],
    ]);
    expect(claimed).toEqual(["work", "next", "final"]);

    // The subscriber saw every signal once, in sequence order, the same as the log...
    expect(sub.errors).toEqual([]);
    const seqs = sub.items.map((s) => s.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const logged = (await ok(`query($p: ID) { signals(planId: $p, first: 500) { edges { node { sequence } } } }`, { p: planId })).signals.edges.map(
      (e: { node: { sequence: number } }) => e.node.sequence,
    );
    expect(seqs).toEqual(logged);

    // ...including the interventions and their effects in this relative order, sent by "ops".
    const find = (kind: string, pred: (s: Sig) => boolean = () => true) => {
      const i = sub.items.findIndex((s) => s.kind === kind && pred(s));
      expect(i, kind).toBeGreaterThanOrEqual(0);
      return sub.items[i]!;
    };
    const ofKind = (k: string) => (s: Sig) => s.payload?.kind === k;
    const expected = [
      find("PLAN_PAUSED"),
      find("INTERVENTION_APPLIED", ofKind("PAUSE")),
      find("STEP_SKIPPED", (s) => s.stepKey === "review"),
      find("INTERVENTION_APPLIED", ofKind("SKIP_STEP")),
      find("PLAN_RESUMED"),
      find("INTERVENTION_APPLIED", ofKind("RESUME")),
    ];
    const order = expected.map((s) => s.sequence);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    expect(expected.map((s) => s.sender)).toEqual(["ops", "ops", "ops", "ops", "ops", "ops"]);
    expect(expected[1]!.payload).toMatchObject({ interventionId: paused.id, reason: "checking the output" });
    expect(expected[2]!.payload).toEqual({ output: { substitute: "from ops" } });
    expect(expected[3]!.payload).toMatchObject({ interventionId: skipped.id });
    expect(expected[5]!.payload).toMatchObject({ interventionId: resumed.id });

    // Between pause and resume: work's result arrived, and nothing started.
    const [pauseSeq, resumeSeq] = [expected[0]!.sequence, expected[4]!.sequence];
    const between = sub.items.filter((s) => s.sequence > pauseSeq && s.sequence < resumeSeq);
    expect(between.some((s) => s.kind === "STEP_SUCCEEDED" && s.stepKey === "work")).toBe(true);
    expect(between.filter((s) => s.kind === "STEP_STARTED")).toEqual([]);
    const startedNext = find("STEP_STARTED", (s) => s.stepKey === "next");
    expect(startedNext.sequence).toBeGreaterThan(resumeSeq);

    // The audit log has the three rows, oldest first.
    const log = await ok(`query($id: ID!) { plan(id: $id) { interventions { edges { node { kind actor status } } } } }`, { id: planId });
    expect(log.plan.interventions.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { kind: "PAUSE", actor: "ops", status: "APPLIED" },
      { kind: "SKIP_STEP", actor: "ops", status: "APPLIED" },
      { kind: "RESUME", actor: "ops", status: "APPLIED" },
    ]);
  });

  it("cancels a plan over HTTP while a step runs: the agent's heartbeat hears cancelRequested, its handler is aborted, and the step and plan are CANCELLED", async () => {
    const started = deferred<Lease>();
    const aborted = deferred<unknown>();
    const worker = agent({
      name: "cancellable",
      roles: ["e2e.cancel"],
      handler: async ({ lease, signal }) => {
        started.resolve(lease);
        await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
        aborted.resolve(signal.reason);
        return { ignored: true }; // not reported: the gateway would refuse it
      },
    });
    const planId = await createPlan({
      name: "cancelled-live",
      policy: { heartbeatTimeoutMs: 300 },
      steps: [
        { key: "run", role: "e2e.cancel" },
        { key: "after", role: "e2e.cancel", dependsOn: ["run"] },
      ],
    });
    const sub = subscribe(planId);
    const lease = await started.promise;

    const row = (await ok(CANCEL, { id: planId }, "ops")).cancelPlan;
    expect(row).toMatchObject({ kind: "CANCEL", actor: "ops", reason: "wrong plan", status: "APPLIED", diff: { state: { before: "RUNNING", after: "CANCELLED" } } });

    // The SDK's next heartbeat (every 100 ms) answers cancelRequested: the handler's signal aborts.
    expect(await aborted.promise).toMatchObject({ name: "LeaseAbortedError", reason: "cancelled" });
    await waitFor(() => worker.running === 0);

    const p = await planOf(planId);
    expect(p.state).toBe("CANCELLED");
    expect(p.steps.map((s) => [s.key, s.state, s.output])).toEqual([
      ["run", "CANCELLED", null],
      ["after", "CANCELLED", null],
    ]);
    expect(p.traces).toEqual([{ stepKey: "run", attempt: 1, outcome: "CANCELLED" }]);

    // What the agent would hear: cancelRequested on a heartbeat, CONFLICT on a late completion.
    const hb = await ok(`mutation($l: ID!) { heartbeatStep(leaseId: $l) { cancelRequested } }`, { l: lease.id });
    expect(hb.heartbeatStep.cancelRequested).toBe(true);
    const late = await post(`mutation($l: ID!) { completeStep(leaseId: $l, output: 1) { state } }`, { l: lease.id });
    expect(late.errors?.[0]?.extensions?.["code"]).toBe("CONFLICT");

    await waitFor(() => sub.items.some((s) => s.kind === "INTERVENTION_APPLIED"));
    const tail = sub.items.filter((s) => ["STEP_CANCELLED", "PLAN_CANCELLED", "INTERVENTION_APPLIED"].includes(s.kind));
    expect(tail.map((s) => [s.kind, s.stepKey, s.sender])).toEqual([
      ["STEP_CANCELLED", "run", "ops"],
      ["STEP_CANCELLED", "after", "ops"],
      ["PLAN_CANCELLED", null, "ops"],
      ["INTERVENTION_APPLIED", null, "ops"],
    ]);
  });

  it("the actor comes from x-baton-actor, else the WebSocket connection param, else anonymous; refusals and unknown plans over HTTP", async () => {
    const planId = await createPlan({ name: "actors", steps: [{ key: "a", role: "e2e.nobody" }] });

    const anonymous = (await ok(PAUSE, { id: planId })).pausePlan;
    expect(anonymous).toMatchObject({ actor: "anonymous", status: "APPLIED" });

    const ws = wsClient({ actor: "ws-operator" });
    const viaWs = await new Promise<any>((resolve, reject) => {
      let result: unknown;
      ws.subscribe({ query: RESUME, variables: { id: planId } }, { next: (r) => (result = r), error: reject, complete: () => resolve(result) });
    });
    expect(viaWs.data.resumePlan).toMatchObject({ kind: "RESUME", actor: "ws-operator", status: "APPLIED" });

    const padded = (await ok(RESUME, { id: planId }, "  alice  ")).resumePlan;
    expect(padded).toMatchObject({ actor: "alice", status: "REJECTED", rejectionCode: "INVALID_STATE" });

    const stale = (await ok(PAUSE, { id: planId, v: 1 }, "ops")).pausePlan;
    expect(stale).toMatchObject({ status: "REJECTED", rejectionCode: "VERSION_CONFLICT" });

    const missing = await post(PAUSE, { id: "plan_missing" }, "ops");
    expect(missing.data).toBeNull();
    expect(missing.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
    const malformed = await post(
      `mutation($id: ID!) { modifyStep(planId: $id, stepKey: "a", patch: { timeoutMs: -1 }) { id } }`,
      { id: planId },
      "ops",
    );
    expect(malformed.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");

    const rows = await ok(`query($id: ID!) { interventions(planId: $id) { edges { node { kind actor status rejectionCode } } } }`, { id: planId });
    expect(rows.interventions.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { kind: "PAUSE", actor: "anonymous", status: "APPLIED", rejectionCode: null },
      { kind: "RESUME", actor: "ws-operator", status: "APPLIED", rejectionCode: null },
      { kind: "RESUME", actor: "alice", status: "REJECTED", rejectionCode: "INVALID_STATE" },
      { kind: "PAUSE", actor: "ops", status: "REJECTED", rejectionCode: "VERSION_CONFLICT" },
    ]);
  });
});
