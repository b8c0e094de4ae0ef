/**
 * Scenario 9: shared context (src/store/context.ts through Coordinator.updateContext), in
 * process on a temp-file database: operator writes (each one transaction with its
 * CONTEXT_UPDATED signal and UPDATE_CONTEXT intervention row), agent writes under a lease (the
 * signal only), and reading a plan's whole context when every key has a history of versions.
 */
import { systemClock } from "../src/coordinator/clock.js";
import { Coordinator } from "../src/coordinator/coordinator.js";
import { openStore } from "../src/store/store.js";
import { tempDbFile } from "./fixtures.js";
import { summary } from "./stats.js";

const ROLE = "bench.context";

export interface ContextFigures {
  operatorWrites: number;
  operatorWritesPerSecond: number;
  agentWrites: number;
  agentWritesPerSecond: number;
  /** store.context.entries of one plan: `readKeys` keys of `readVersions` versions each. */
  read: { p50: number; p99: number; n: number };
  readKeys: number;
  readVersions: number;
}

const value = (i: number) => ({ n: i, note: `value ${i}`, tags: ["bench", `k${i % 7}`] });

export async function contextThroughput(plans = 10, operatorWrites = 10_000, agentWrites = 10_000, keys = 50, readKeys = 1_000, readVersions = 10, reads = 50): Promise<ContextFigures> {
  const store = openStore(tempDbFile());
  const coordinator = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 100 });
  coordinator.start();
  const step = [{ key: "work", role: ROLE }];
  const ids = Array.from({ length: plans }, (_, p) => coordinator.createPlan({ name: `context ${p}`, start: false, steps: step }, "bench").id);

  // Operator writes: round-robin over the plans, and over `keys` keys in each.
  let t0 = performance.now();
  for (let i = 0; i < operatorWrites; i++) {
    const planId = ids[i % plans]!;
    coordinator.updateContext({ planId, key: `key${Math.floor(i / plans) % keys}`, value: value(i) }, { actor: "bench" });
  }
  const operatorSeconds = (performance.now() - t0) / 1000;

  // Agent writes: the holder of a running lease on the plan, no intervention row.
  const agent = coordinator.registerAgent({ name: "bench-context", roles: [ROLE], concurrency: 1 });
  const leased = coordinator.createPlan({ name: "context leased", steps: step }, "bench").id;
  const [grant] = await coordinator.claim(agent.id, 1, 0);
  if (!grant || grant.lease.planId !== leased) throw new Error("bench: no lease on the context plan");
  t0 = performance.now();
  for (let i = 0; i < agentWrites; i++) {
    coordinator.updateContext({ planId: leased, key: `key${i % keys}`, value: value(i) }, { actor: agent.id, leaseId: grant.lease.id });
  }
  const agentSeconds = (performance.now() - t0) / 1000;
  coordinator.complete(grant.lease.id, { ok: true });

  // Reads: one plan with readKeys keys × readVersions versions (written untimed, in one transaction).
  const big = coordinator.createPlan({ name: "context read", start: false, steps: step }, "bench").id;
  store.transaction(() => {
    for (let v = 0; v < readVersions; v++) {
      for (let k = 0; k < readKeys; k++) store.context.write({ planId: big, key: `key${String(k).padStart(4, "0")}`, value: value(v * readKeys + k), targets: [], by: "bench", at: Date.now() });
    }
  });
  for (let i = 0; i < 5; i++) store.context.entries(big);
  const samples: number[] = [];
  for (let i = 0; i < reads; i++) {
    const r0 = performance.now();
    const n = store.context.entries(big).length;
    samples.push(performance.now() - r0);
    if (n !== readKeys) throw new Error(`bench: read ${n} context entries, expected ${readKeys}`);
  }

  coordinator.drain();
  coordinator.stop();
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
