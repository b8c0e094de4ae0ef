/**
 * Plan control: intervention latency over HTTP (5) and the storage cost of checkpoints (6).
 */
import { Agent } from "node:http";
import { systemClock } from "../src/coordinator/clock.js";
import { Coordinator } from "../src/coordinator/coordinator.js";
import type { PlanAggregate } from "../src/domain/model.js";
import type { StepDraft } from "../src/engine/validate.js";
import { openStore } from "../src/store/sqlite-store.js";
import type { Store } from "../src/store/store.js";
import { tempDbFile, waveSteps } from "./fixtures.js";
import { startGateway } from "./gateway.js";
import { postJson } from "./http.js";
import { summary } from "./stats.js";

type Latency = { p50: number; p99: number; n: number };

const PAUSE = `mutation($id: ID!) { pausePlan(id: $id, reason: "bench") { status } }`;
const RESUME = `mutation($id: ID!) { resumePlan(id: $id, reason: "bench") { status } }`;
const RESTORE = `mutation($id: ID!, $ckp: ID!) { restoreCheckpoint(planId: $id, checkpointId: $ckp) { status } }`;

/** Times one intervention mutation; it must be APPLIED. */
async function timed(url: string, agent: Agent, query: string, variables: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({ query, variables });
  const t0 = performance.now();
  const data = await postJson<Record<string, { status: string }>>(url, body, agent);
  const ms = performance.now() - t0;
  const status = Object.values(data)[0]?.status;
  if (status !== "APPLIED") throw new Error(`intervention ${status}: ${body}`);
  return ms;
}

/**
 * pausePlan / resumePlan pairs on a running 100-step plan (one step READY, nobody serving its
 * role), one at a time over HTTP with a keep-alive agent; every pause also takes a PAUSE
 * checkpoint. Then restoreCheckpoint back to the plan's INITIAL checkpoint, on a plan that has
 * run half its steps (the read goes through the deltas, the write touches 50 steps).
 */
export async function interventionLatency(pairs = 300, restores = 100): Promise<{ pause: Latency; resume: Latency; pair: Latency; restore: Latency }> {
  const gw = await startGateway();
  const c = gw.app.coordinator;
  const agent = new Agent({ keepAlive: true });
  const plan = await c.createPlan({ name: "control", steps: waveSteps("nobody", 10, 10), policy: { maxParallel: 10 } }, "bench");
  const id = { id: plan.id };
  for (let i = 0; i < 20; i++) {
    await timed(gw.url, agent, PAUSE, id); // warm-up
    await timed(gw.url, agent, RESUME, id);
  }
  const pause: number[] = [];
  const resume: number[] = [];
  for (let i = 0; i < pairs; i++) {
    pause.push(await timed(gw.url, agent, PAUSE, id));
    resume.push(await timed(gw.url, agent, RESUME, id));
  }

  // restore: a 100-step chain run half way by an in-process agent
  const worker = await c.registerAgent({ name: "restore-bench", roles: ["restore-bench"], concurrency: 1 });
  const chain = await c.createPlan({ name: "restore", steps: chainSteps("restore-bench", 100) }, "bench");
  for (let i = 0; i < 50; i++) {
    const [g] = await c.claim(worker.id, 1);
    await c.complete(g!.lease.id, { step: g!.step.key, n: i });
  }
  const initial = (await c.store.queries.checkpoints.list(chain.id, 0, 1))[0]!;
  const afterHalf = (await c.store.queries.checkpoints.list(chain.id, 0, 1_000)).at(-1)!;
  const restore: number[] = [];
  for (let i = 0; i < restores; i++) {
    restore.push(await timed(gw.url, agent, RESTORE, { id: chain.id, ckp: i % 2 === 0 ? initial.id : afterHalf.id }));
  }
  agent.destroy();
  await gw.stop();
  return { pause: summary(pause), resume: summary(resume), pair: summary(pause.map((p, i) => p + resume[i]!)), restore: summary(restore) };
}

/** A chain s0 → s1 → … of `n` steps. */
function chainSteps(role: string, n: number): StepDraft[] {
  return Array.from({ length: n }, (_, i) => ({ key: `s${i}`, role, dependsOn: i === 0 ? [] : [`s${i - 1}`] }));
}

export interface CheckpointCost {
  steps: number;
  checkpoints: number;
  bytes: number;
  bytesPerCheckpoint: number;
  bytesPerStep: number;
  /** What the same checkpoints would take stored as a full copy of the plan each. */
  fullCopyBytes: number;
}

/** Runs a plan to completion with an in-process agent claiming up to 10 steps at a time. */
async function runToCompletion(c: Coordinator, store: Store, agentId: string, planId: string): Promise<void> {
  for (let n = 0; (await store.queries.plans.load(planId))!.plan.state === "RUNNING"; n++) {
    const grants = await c.claim(agentId, 10);
    if (grants.length === 0) throw new Error(`plan ${planId} is stuck`);
    // outputs of a realistic size: a short summary and a few fields per step
    for (const g of grants) await c.complete(g.lease.id, { step: g.step.key, n, summary: `result of ${g.step.key}: ok`, items: [n, n + 1, n + 2] });
  }
}

/** UTF-8 bytes of a base row holding `a` (plan, steps, order), as CheckpointRecord.bytes counts them. */
const fullSize = (a: PlanAggregate): number =>
  Buffer.byteLength(JSON.stringify(a.plan)) + Buffer.byteLength(JSON.stringify(a.steps)) + Buffer.byteLength(JSON.stringify(a.steps.map((s) => s.key)));

/** Checkpoint storage for 100-step plans (a chain and 10 waves of 10), run to completion. */
export async function checkpointBytes(): Promise<{ chain: CheckpointCost; waves: CheckpointCost }> {
  const store = openStore(tempDbFile());
  const c = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 100 });
  await c.start();
  const agent = await c.registerAgent({ name: "bytes", roles: ["bytes"], concurrency: 10 });
  const cost = async (steps: StepDraft[]): Promise<CheckpointCost> => {
    const plan = await c.createPlan({ name: "bytes", steps, policy: { maxParallel: 10 } }, "bench");
    await runToCompletion(c, store, agent.id, plan.id);
    const { count, bytes } = await store.queries.checkpoints.bytes(plan.id);
    let fullCopyBytes = 0;
    for (const k of await store.queries.checkpoints.list(plan.id, 0, 10_000)) fullCopyBytes += fullSize((await store.queries.checkpoints.aggregate(k.id))!);
    return { steps: steps.length, checkpoints: count, bytes, bytesPerCheckpoint: bytes / count, bytesPerStep: bytes / steps.length, fullCopyBytes };
  };
  const chain = await cost(chainSteps("bytes", 100));
  const waves = await cost(waveSteps("bytes", 10, 10));
  await c.stop();
  await store.close();
  return { chain, waves };
}
