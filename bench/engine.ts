/**
 * Scenario 1: engine throughput with in-process agents (builtin.echo, which claims through
 * the same coordinator path as remote agents), and the raw SQLite floor on the same settings.
 */
import { pino } from "pino";
import { BuiltinAgents } from "../src/coordinator/builtins.js";
import { systemClock } from "../src/coordinator/clock.js";
import { Metrics } from "../src/metrics/metrics.js";
import { Coordinator } from "../src/coordinator/coordinator.js";
import { benchDatabase, type Backend } from "./backends.js";
import { waveSteps } from "./fixtures.js";

export interface EngineFigures {
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  /** createPlan of a 100-step plan (validation and 100 step rows), outside the steps/s clock. */
  plansCreatedPerSecond: number;
  rawUpdatesPerSecond: number;
}

/** With `metrics`, the coordinator feeds Prometheus metrics as the gateway does by default (BATON_METRICS=on). */
export async function engineThroughput(metrics = false, backend: Backend = "sqlite", plans = 100, waves = 10, width = 10): Promise<EngineFigures> {
  const db = benchDatabase(backend);
  const store = await db.open();
  const observer = metrics ? new Metrics(store) : null;
  const coordinator = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 100, observers: observer ? [observer] : [] });
  if (observer) coordinator.hub.listen((batch) => observer.signals(batch));
  const builtins = new BuiltinAgents(coordinator, pino({ level: "silent" }));
  await coordinator.start();
  await builtins.start();
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    coordinator.hub.listen((batch) => {
      for (const s of batch) if (s.kind === "PLAN_COMPLETED" && ++done === plans) resolve();
    }),
  );
  // Plans are created (validated, stored) first, then started: the clock measures running steps.
  const c0 = performance.now();
  const ids: string[] = [];
  for (let p = 0; p < plans; p++) {
    ids.push((await coordinator.createPlan({ name: `bench ${p}`, start: false, steps: waveSteps("builtin.echo", waves, width), policy: { maxParallel: width } }, "bench")).id);
  }
  const createSeconds = (performance.now() - c0) / 1000;
  const t0 = performance.now();
  for (const id of ids) await coordinator.startPlan(id, "bench");
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  coordinator.drain();
  await builtins.stop();
  await coordinator.stop();
  await store.close();
  const steps = plans * waves * width;
  const rawUpdatesPerSecond = await db.rawFloor();
  await db.drop();
  return { steps, seconds, stepsPerSecond: steps / seconds, plansCreatedPerSecond: plans / createSeconds, rawUpdatesPerSecond };
}
