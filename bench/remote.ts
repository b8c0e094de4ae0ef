/**
 * Scenarios over real HTTP: remote throughput with SDK agents (2; on one and two gateways, 12),
 * dispatch latency (3; across two gateways, 12) and snapshot latency (4).
 */
import { waveSteps } from "./fixtures.js";
import { Agent } from "node:http";
import { startGateway, startGateways, type Gateway } from "./gateway.js";
import { postJson } from "./http.js";
import { summary } from "./stats.js";
import { startWorker } from "./workers.js";
import type { Backend } from "./backends.js";

/**
 * 2,000 steps (20 plans × 100 in waves) served by SDK agents over HTTP with claim batches;
 * with `auth`, every request carries a token checked against the database and counted. With
 * `gateways` > 1 (PostgreSQL), the agents are spread over that many gateway processes on one
 * schema: this process's, where the plans are made and their completions heard, and `baton
 * serve` processes.
 */
export async function remoteThroughput(auth = false, backend: Backend = "sqlite", plans = 20, agents = 4, concurrency = 25, gateways = 1): Promise<{ steps: number; stepsPerSecond: number }> {
  const gw = await startGateway(auth, undefined, backend, gateways);
  const workers = startWorker({ kind: "agents", url: gw.urls, role: "remote", agents, concurrency, token: gw.token });
  await workers.result; // registered and polling
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    gw.app.coordinator.hub.listen((batch) => {
      for (const s of batch) if (s.kind === "PLAN_COMPLETED" && ++done === plans) resolve();
    }),
  );
  const t0 = performance.now();
  for (let p = 0; p < plans; p++) {
    await gw.app.coordinator.createPlan({ name: `remote ${p}`, steps: waveSteps("remote", 10, 10), policy: { maxParallel: 10 } }, "bench");
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  workers.stop();
  await gw.stop();
  return { steps: plans * 100, stepsPerSecond: (plans * 100) / seconds };
}

const CLAIM = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id stepKey } }`;

/**
 * From a step's dependency completing to the long-polling agent holding the lease of the
 * dependent step, measured over HTTP; one step every 10 ms. The database goes under `dir`.
 */
export async function dispatchLatency(samples = 300, dir?: string, backend: Backend = "sqlite"): Promise<{ p50: number; p99: number; n: number }> {
  const gw = await startGateway(false, dir, backend);
  const times = await dispatchTimes(gw, gw, samples);
  await gw.stop();
  return summary(times);
}

/**
 * Two gateways on one PostgreSQL database: the dependency completes on the first, the agent's
 * long poll waits on the second (woken by the first's notice); and the lag from a commit on the
 * first to the second's hub handing the signal on (what its subscribers wait for).
 */
export async function crossGatewayLatency(samples = 200): Promise<{ dispatch: { p50: number; p99: number; n: number }; lag: { p50: number; p99: number; n: number } }> {
  const { gateways, stop } = await startGateways(2);
  const [a, b] = gateways as [Gateway, Gateway];
  const dispatch = summary(await dispatchTimes(a, b, samples));
  const lags: number[] = [];
  let waiting: { name: string; resolve: () => void } | null = null;
  b.app.coordinator.hub.listen((batch) => {
    if (waiting && batch.some((s) => s.kind === "CUSTOM" && s.name === waiting!.name)) waiting.resolve();
  });
  const plan = await a.app.coordinator.createPlan({ name: "lag", start: false, steps: [{ key: "s", role: "idle" }] }, "bench");
  for (let i = 0; i < samples; i++) {
    const heard = new Promise<void>((resolve) => (waiting = { name: `lag${i}`, resolve }));
    const t0 = performance.now();
    await a.app.coordinator.sendSignal({ planId: plan.id, name: `lag${i}` }, "bench");
    await heard;
    lags.push(performance.now() - t0);
  }
  await stop();
  return { dispatch, lag: summary(lags) };
}

/** One dispatch per sample: the dependency completes on `up`, the agent long-polls `down` over HTTP. */
async function dispatchTimes(up: Gateway, down: Gateway, samples: number): Promise<number[]> {
  const c = up.app.coordinator;
  const first = await c.registerAgent({ name: "upstream", roles: ["lat-a"] });
  const agent = new Agent({ keepAlive: true });
  const waiter = (await c.registerAgent({ name: "downstream", roles: ["lat-b"] })).id;
  const poll = JSON.stringify({ query: CLAIM, variables: { input: { agentId: waiter, waitMs: 30_000 } } });
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    await c.createPlan({ name: `lat ${i}`, steps: [{ key: "a", role: "lat-a" }, { key: "b", role: "lat-b", dependsOn: ["a"] }] }, "bench");
    const [lease] = await c.claim(first.id, 1);
    const parked = down.app.coordinator.waitingClaims; // the built-in agents' polls are parked too
    const polled = postJson<{ claimSteps: { id: string }[] }>(down.url, poll, agent);
    while (down.app.coordinator.waitingClaims === parked) await new Promise((r) => setImmediate(r));
    const t0 = performance.now();
    await c.complete(lease!.lease.id, null);
    const got = (await polled).claimSteps;
    times.push(performance.now() - t0);
    await c.complete(got[0]!.id, null);
    await new Promise((r) => setTimeout(r, 10));
  }
  agent.destroy();
  return times;
}

/** The `plan` query for a 100-step plan over HTTP from 20 concurrent clients. */
export async function snapshotLatency(clients = 20, perClient = 100, backend: Backend = "sqlite"): Promise<{ p50: number; p99: number; n: number }> {
  const gw = await startGateway(false, undefined, backend);
  const plan = await gw.app.coordinator.createPlan({ name: "snapshot", steps: waveSteps("idle", 10, 10), policy: { maxParallel: 10 } }, "bench");
  const query = `query($id: ID!) { plan(id: $id) { id state version progress waves steps { key state role dependsOn input output attempts startedAt finishedAt } } }`;
  const load = startWorker({ kind: "queries", url: gw.url, query, variables: { id: plan.id }, clients, perClient });
  const times = await load.result;
  await gw.stop();
  return summary(times);
}
