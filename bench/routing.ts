/**
 * Scenario 7: engine throughput with routing on — retries, route rules, a review → fix → review
 * loop and a role rate limit — next to the same plans without them, both run by the same
 * in-process agent loop (claim a batch, report it in one group commit).
 */
import { systemClock } from "../src/coordinator/clock.js";
import { Coordinator, type Report } from "../src/coordinator/coordinator.js";
import type { RouteRule } from "../src/domain/model.js";
import type { StepDraft } from "../src/engine/validate.js";
import { openStore } from "../src/store/sqlite-store.js";
import { tempDbFile, waveSteps } from "./fixtures.js";

const ROLE = "bench.work";

export interface RoutingFigures {
  /** Step completions (SUCCEEDED) per second, revisits included. */
  stepsPerSecond: number;
  /** Attempts (succeeded or failed) per second. */
  attemptsPerSecond: number;
  completions: number;
  failures: number;
}

/** A never-matching rule: evaluated on every completion, like a real guard. */
const GUARD: RouteRule[] = [{ if: { path: "output.ok", op: "eq", value: false }, then: { fail: "not ok" } }];

function routedSteps(waves: number, width: number): StepDraft[] {
  const retry = { maxAttempts: 3, initialIntervalMs: 0, maxIntervalMs: 0 };
  const steps: StepDraft[] = waveSteps(ROLE, waves, width).map((s, i) => ({
    ...s,
    retry,
    when: GUARD as never,
    input: { flaky: i % 5 === 0 }, // every fifth step fails its first attempt and is retried
  }));
  steps.push(
    { key: "review", role: ROLE, dependsOn: [`s${waves - 1}_0`], onFailure: "fix", retry: { maxAttempts: 1 }, input: { rejectFirst: true } },
    { key: "fix", role: ROLE, onSuccess: "review", maxVisits: 2, input: {} },
  );
  return steps;
}

export async function routingThroughput(routing: boolean, plans = 100, waves = 10, width = 10): Promise<RoutingFigures> {
  const store = openStore(tempDbFile());
  const coordinator = new Coordinator(store, { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 100 });
  await coordinator.start();
  if (routing) await coordinator.setRoleLimit({ role: ROLE, claims: 1_000_000, intervalMs: 1_000, maxConcurrent: 10_000 }, "bench");
  const agent = await coordinator.registerAgent({ name: "bench-worker", roles: [ROLE], concurrency: 1_000 });
  const ids: string[] = [];
  for (let p = 0; p < plans; p++) {
    const steps = routing ? routedSteps(waves, width) : waveSteps(ROLE, waves, width);
    ids.push((await coordinator.createPlan({ name: `routing ${p}`, start: false, steps, policy: { maxParallel: width } }, "bench")).id);
  }
  let done = 0;
  let completions = 0;
  let failures = 0;
  const finished = new Promise<void>((resolve) =>
    coordinator.hub.listen((batch) => {
      for (const s of batch) {
        if (s.kind === "STEP_SUCCEEDED") completions++;
        else if (s.kind === "PLAN_COMPLETED" && ++done === plans) resolve();
        else if (s.kind === "PLAN_FAILED") throw new Error(`bench plan failed: ${JSON.stringify(s.payload)}`);
      }
    }),
  );
  // Claims long-poll on the coordinator's (unref'd) timers: keep the process up while they run.
  const keepAlive = setInterval(() => {}, 1_000);
  const t0 = performance.now();
  for (const id of ids) await coordinator.startPlan(id, "bench");
  let running = true;
  void finished.then(() => (running = false));
  while (running) {
    const grants = await coordinator.claim(agent.id, 100, 50);
    const reports: Report[] = grants.map((g) => {
      const input = (g.step.input ?? {}) as { flaky?: boolean; rejectFirst?: boolean };
      const fail = (input.flaky && g.lease.attempt === 1) || (input.rejectFirst && g.step.visits === 1);
      if (fail) failures++;
      return fail
        ? { kind: "fail", leaseId: g.lease.id, error: { message: "bench failure", type: "BENCH", retryable: true } }
        : { kind: "complete", leaseId: g.lease.id, output: { ok: true } };
    });
    if (reports.length) await coordinator.reportMany(reports);
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(keepAlive);
  coordinator.drain();
  await coordinator.stop();
  await store.close();
  return { stepsPerSecond: completions / seconds, attemptsPerSecond: (completions + failures) / seconds, completions, failures };
}
