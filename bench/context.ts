/**
 * Scenario 9: shared context (src/store/context.ts through Coordinator.updateContext), in
 * process on a temp-file database: operator writes (each one transaction with its
 * CONTEXT_UPDATED signal and UPDATE_CONTEXT intervention row), agent writes under a lease (the
 * signal only), and reading a plan's whole context when every key has a history of versions.
 */
import { systemClock } from "../src/coordinator/clock.js";
import { Coordinator } from "../src/coordinator/coordinator.js";
import { openStore } from "../src/store/sqlite-store.js";
import { tempDbFile } from "./fixtures.js";
import { summary } from "./stats.js";

const ROLE = "bench.context";

export interface ContextFigures {
  operatorWrites: number;
  operatorWritesPerSecond: number;
  agentWrites: number;
  agentWritesPerSecond: number;
  /** store.queries.context.entries of one plan: `readKeys` keys of `readVersions` versions each. */
  read: { p50: number; p99: number; n: number };
  readKeys: number;
  readVersions: number;
}

const value = (i: number) => ({ n: i, note: `value ${i}`, tags: ["bench", `k${i % 7}`] });

export async function contextThroughput(plans = 10, operatorWrites = 10_000, agentWrites = 10_000, keys = 50, readKeys = 1_000, readVersions = 10, reads = 50): Promise<ContextFigures> {
  const store = openStore(tempDbFile());
  const coordinator = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 100 });
  await coordinator.start();
  const step = [{ key: "work", role: ROLE }];
  const ids: string[] = [];
  for (let p = 0; p < plans; p++) ids.push((await coordinator.createPlan({ name: `context ${p}`, start: false, steps: step }, "bench")).id);

  // Operator writes: round-robin over the plans, and over `keys` keys in each.
  let t0 = performance.now();
  for (let i = 0; i < operatorWrites; i++) {
    const planId = ids[i % plans]!;
    await coordinator.updateContext({ planId, key: `key${Math.floor(i / plans) % keys}`, value: value(i) }, { actor: "bench" });
  }
  const operatorSeconds = (performance.now() - t0) / 1000;

  // Agent writes: the holder of a running lease on the plan, no intervention row.
  const agent = await coordinator.registerAgent({ name: "bench-context", roles: [ROLE], concurrency: 1 });
  const leased = (await coordinator.createPlan({ name: "context leased", steps: step }, "bench")).id;
  const [grant] = await coordinator.claim(agent.id, 1, 0);
  if (!grant || grant.lease.planId !== leased) throw new Error("bench: no lease on the context plan");
  t0 = performance.now();
  for (let i = 0; i < agentWrites; i++) {
    await coordinator.updateContext({ planId: leased, key: `key${i % keys}`, value: value(i) }, { actor: agent.id, leaseId: grant.lease.id });
  }
  const agentSeconds = (performance.now() - t0) / 1000;
  await coordinator.complete(grant.lease.id, { ok: true });

  // Reads: one plan with readKeys keys × readVersions versions (written untimed, in one transaction).
  const big = (await coordinator.createPlan({ name: "context read", start: false, steps: step }, "bench")).id;
  await store.transact(async (s) => {
    for (let v = 0; v < readVersions; v++) {
      for (let k = 0; k < readKeys; k++) await s.context.write({ planId: big, key: `key${String(k).padStart(4, "0")}`, value: value(v * readKeys + k), targets: [], by: "bench", at: Date.now() });
    }
  });
  for (let i = 0; i < 5; i++) await store.queries.context.entries(big);
  const samples: number[] = [];
  for (let i = 0; i < reads; i++) {
    const r0 = performance.now();
    const n = (await store.queries.context.entries(big)).length;
    samples.push(performance.now() - r0);
    if (n !== readKeys) throw new Error(`bench: read ${n} context entries, expected ${readKeys}`);
  }

  coordinator.drain();
  await coordinator.stop();
  await store.close();
  return {
    operatorWrites,
    operatorWritesPerSecond: operatorWrites / operatorSeconds,
    agentWrites,
    agentWritesPerSecond: agentWrites / agentSeconds,
    read: summary(samples),
    readKeys,
    readVersions,
  };
}
