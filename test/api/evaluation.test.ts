/**
 * Plan.evaluation and the REGRESSION signal on a real store: plans made from one template version
 * run by an in-process agent, their durations set by advancing a ManualClock (no sleeps).
 */
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SignalModel } from "../../src/domain/model.js";
import { WebhookDispatcher } from "../../src/webhooks/dispatcher.js";
import { EvaluationRepository } from "../../src/store/evaluations.js";
import { loopbackAllowed } from "../helpers/outbound.js";
import { makeApi, silentLogger } from "../helpers/api.js";
import { allSignals, kindsOf } from "../helpers/coordinator.js";
import { waitFor } from "../helpers/fixtures.js";
import { receiver, type Cleanup } from "../webhooks/helpers.js";

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const EVALUATION = `query($id: ID!) { plan(id: $id) { state evaluation {
  grade score successRate meanQuality durationMs retries recommendations
  regression { detected baselineDurationMs baselineQuality baselineRetries runs details }
} } }`;

/** What one step of a run does: fail first (`failFirst`), then take `ms` and report `quality`. */
interface StepRun {
  ms?: number;
  quality?: number;
  failFirst?: boolean;
}

/** The API with the template `etl` (extract → load, one retry after 100 ms) and an agent of its role. */
async function setup() {
  const logged: { msg: string; planId?: string }[] = [];
  const api = await makeApi({ logger: pino({ level: "error" }, { write: (line: string) => void logged.push(JSON.parse(line)) }) });
  const { coordinator, clock } = api;
  cleanups.push(async () => {
    await coordinator.stop();
    await api.stop();
  });
  await coordinator.templates.register({
    name: "etl",
    steps: [
      { key: "extract", role: "etl", retry: { maxAttempts: 2, initialIntervalMs: 100 } },
      { key: "load", role: "etl", dependsOn: ["extract"], retry: { maxAttempts: 2, initialIntervalMs: 100 } },
    ],
  });
  const agent = await coordinator.registerAgent({ name: "etl-bot", roles: ["etl"] });

  /** Runs the next READY step as `s` says. */
  async function step(key: string, s: StepRun = {}): Promise<void> {
    let [g] = await coordinator.claim(agent.id, 1);
    expect(g?.step.key).toBe(key);
    if (s.failFirst) {
      await coordinator.fail(g!.lease.id, { message: "source not ready" });
      await clock.advance(100); // the retry's backoff
      [g] = await coordinator.claim(agent.id, 1);
    }
    await clock.advance(s.ms ?? 500);
    await coordinator.complete(g!.lease.id, { rows: 10 }, s.quality ?? 0.9);
  }

  /** A plan from the template, run to completion: each step 500 ms and quality 0.9 unless told otherwise. */
  async function run(extract: StepRun = {}, load: StepRun = {}): Promise<string> {
    const id = (await coordinator.createPlan({ name: "nightly", template: "etl" }, "tester")).id;
    await step("extract", extract);
    await step("load", load);
    expect((await coordinator.store.queries.plans.load(id))!.plan.state).toBe("COMPLETED");
    return id;
  }

  const evaluation = async (id: string) => (await api.ok(EVALUATION, { id })).plan.evaluation;
  const regressions = async (id?: string): Promise<SignalModel[]> => (await allSignals(api.store, id)).filter((s) => s.kind === "REGRESSION");
  return { ...api, agent, step, run, evaluation, regressions, logged };
}

describe("Plan.evaluation and regressions", () => {
  it("flags a slowed run (REGRESSION signal, committed with the completion, and to webhooks) and not a normal one", async () => {
    const t = await setup();
    const hook = await receiver(cleanups);
    const dispatcher = new WebhookDispatcher({ store: t.store, hub: t.coordinator.hub, clock: t.clock, logger: silentLogger, outbound: loopbackAllowed() });
    await dispatcher.start();
    cleanups.push(() => dispatcher.stop());
    await t.ok(`mutation($url: String!) { registerWebhook(url: $url, kinds: [REGRESSION]) { secret } }`, { url: hook.url() });

    const first = await t.run();
    // No earlier run, no baseline: no verdict, and no duration component in the score:
    // 100 × (0.4 × 1 + 0.3 × 0.9 + 0.15 × 1) / 0.85 = 96.5.
    expect(await t.evaluation(first)).toEqual({
      grade: "EXCELLENT",
      score: 96.5,
      successRate: 1,
      meanQuality: 0.9,
      durationMs: 1_000,
      retries: 0,
      recommendations: [],
      regression: null,
    });
    for (let i = 0; i < 4; i++) await t.run();
    const normal = await t.run({ ms: 520 }, { ms: 520 }); // 4% slower: within the 10%
    // Judged against the 5 runs before it (all 1 s): no regression. Duration scores 1000 / 1040:
    // 100 × (0.4 + 0.3 × 0.9 + 0.15 + 0.15 × 0.9615) = 96.4.
    expect(await t.evaluation(normal)).toMatchObject({
      grade: "EXCELLENT",
      score: 96.4,
      durationMs: 1_040,
      regression: { detected: false, baselineDurationMs: 1_000, baselineQuality: 0.9, baselineRetries: 0, runs: 5, details: [] },
    });
    expect(await t.regressions()).toEqual([]);

    // The slowed run: load takes 1.5 s, the plan 2 s against a baseline of 1 s.
    const batches: (readonly SignalModel[])[] = [];
    const unlisten = t.coordinator.hub.listen((b) => batches.push(b));
    const slowed = await t.run({}, { ms: 1_500 });
    unlisten();
    const details = ["duration: 2 s, 100% above the median of the last 6 runs (1 s)"];
    const [signal] = await t.regressions();
    expect(await t.regressions()).toHaveLength(1);
    expect(signal).toMatchObject({
      planId: slowed,
      sender: "system",
      payload: {
        durationMs: 2_000,
        baselineDurationMs: 1_000,
        retries: 0,
        baselineRetries: 0,
        meanQuality: 0.9,
        baselineQuality: 0.9,
        details,
        template: { id: expect.stringMatching(/^tpl_/), name: "etl", version: 1 },
        runs: 6,
      },
    });
    // Written in the transaction that completed the plan: published in the same batch, right after PLAN_COMPLETED.
    expect(batches.find((b) => b.some((s) => s.kind === "REGRESSION"))!.map((s) => s.kind).slice(-2)).toEqual(["PLAN_COMPLETED", "REGRESSION"]);
    expect((await kindsOf(t.store, slowed)).slice(-2)).toEqual(["PLAN_COMPLETED", "REGRESSION"]);

    // On read, the same verdict; duration scored 1 s / 2 s = 0.5: 100 × (0.4 + 0.27 + 0.15 + 0.075) = 89.5.
    expect(await t.evaluation(slowed)).toEqual({
      grade: "GOOD",
      score: 89.5,
      successRate: 1,
      meanQuality: 0.9,
      durationMs: 2_000,
      retries: 0,
      recommendations: [`this run regressed against the last 6 runs of its template (${details[0]}): look at what changed (agents, inputs, the template)`],
      regression: { detected: true, baselineDurationMs: 1_000, baselineQuality: 0.9, baselineRetries: 0, runs: 6, details },
    });
    // A later run does not change an earlier plan's verdict (only runs finished before it count).
    await t.run();
    expect((await t.evaluation(normal)).regression.runs).toBe(5);

    const delivered = await waitFor(() => hook.requests.find((r) => r.headers["x-baton-event"] === "REGRESSION"));
    expect(JSON.parse(delivered.body)).toMatchObject({ kind: "REGRESSION", planId: slowed, payload: { details } });
  });

  it("flags more retries and lower quality; a failed run is evaluated but neither judged nor part of the baseline", async () => {
    const t = await setup();
    for (let i = 0; i < 3; i++) await t.run();
    // A run that fails for good: extract fails twice (its two attempts).
    const failed = (await t.coordinator.createPlan({ name: "nightly", template: "etl" }, "tester")).id;
    const [g1] = await t.coordinator.claim(t.agent.id, 1);
    await t.coordinator.fail(g1!.lease.id, { message: "source not ready" });
    await t.clock.advance(100);
    const [g2] = await t.coordinator.claim(t.agent.id, 1);
    await t.coordinator.fail(g2!.lease.id, { message: "source not ready" });
    const e = await t.evaluation(failed);
    expect(e).toMatchObject({ grade: "POOR", successRate: 0, retries: 1, regression: null });
    expect(e.recommendations).toEqual([
      'step extract retried 1 time (1 failed: "source not ready"): check agent etl-bot',
      "step extract failed for good: source not ready; check agent etl-bot or give it an onFailure route",
    ]);
    expect(await t.regressions()).toEqual([]);

    // Same duration (the failed attempt at once, 100 ms backoff, 400 ms), one retry, quality 0.5.
    const worse = await t.run({ failFirst: true, ms: 400, quality: 0.5 }, { quality: 0.5 });
    const details = ["retries: 1, above the median of the last 3 runs (0)", "mean quality: 0.5, 44% below the median of the last 3 runs (0.9)"];
    expect((await t.regressions(worse)).map((s) => s.payload)).toEqual([expect.objectContaining({ durationMs: 1_000, retries: 1, meanQuality: 0.5, runs: 3, details })]);
    const evaluation = await t.evaluation(worse);
    expect(evaluation).toMatchObject({ durationMs: 1_000, retries: 1, successRate: 0.6667, meanQuality: 0.5, regression: { detected: true, runs: 3, details } });
    expect(evaluation.recommendations).toEqual([
      'step extract retried 1 time (1 failed: "source not ready"): check agent etl-bot',
      "step extract reported quality 0.5 (agent etl-bot): review its output or set a qualityThreshold so that such results are retried",
      "step load reported quality 0.5 (agent etl-bot): review its output or set a qualityThreshold so that such results are retried",
      `this run regressed against the last 3 runs of its template (${details.join("; ")}): look at what changed (agents, inputs, the template)`,
    ]);
  });

  it("leaves paused time out of the duration, so a long pause is no regression", async () => {
    const t = await setup();
    for (let i = 0; i < 3; i++) await t.run();
    const id = (await t.coordinator.createPlan({ name: "nightly", template: "etl" }, "tester")).id;
    await t.step("extract");
    await t.coordinator.intervene(id, { kind: "PAUSE" }, { actor: "ops" });
    await t.clock.advance(60_000);
    await t.coordinator.intervene(id, { kind: "RESUME" }, { actor: "ops" });
    await t.step("load");
    expect(await t.evaluation(id)).toMatchObject({ durationMs: 1_000, regression: { detected: false, runs: 3 } });
    expect(await t.regressions()).toEqual([]);
  });

  it("leaves out the time a plan spent finished before a retry or a restore reopened it", async () => {
    const t = await setup();
    for (let i = 0; i < 3; i++) await t.run();
    // extract fails twice (at once, and after the 100 ms backoff): FAILED. An hour later it is retried.
    const retried = (await t.coordinator.createPlan({ name: "nightly", template: "etl" }, "tester")).id;
    for (let i = 0; i < 2; i++) {
      const [g] = await t.coordinator.claim(t.agent.id, 1);
      await t.coordinator.fail(g!.lease.id, { message: "source not ready" });
      if (i === 0) await t.clock.advance(100);
    }
    expect((await t.store.queries.plans.load(retried))!.plan.state).toBe("FAILED");
    await t.clock.advance(3_600_000);
    expect((await t.coordinator.intervene(retried, { kind: "RETRY_STEP", stepKey: "extract" }, { actor: "ops" })).status).toBe("APPLIED");
    await t.step("extract", { ms: 400 });
    await t.step("load");
    expect(await t.evaluation(retried)).toMatchObject({ durationMs: 1_000, retries: 2, regression: { runs: 3 } });
    expect((await t.evaluation(retried)).regression.details).not.toContainEqual(expect.stringMatching(/^duration/));

    // A COMPLETED plan restored from its first checkpoint an hour later runs both times, not the hour between.
    const restored = await t.run();
    await t.clock.advance(3_600_000);
    const initial = (await t.store.queries.checkpoints.list(restored, 0, 1))[0]!;
    expect((await t.coordinator.intervene(restored, { kind: "RESTORE_CHECKPOINT", checkpointId: initial.id }, { actor: "ops" })).status).toBe("APPLIED");
    expect((await allSignals(t.store, restored)).filter((s) => s.kind === "PLAN_RESUMED").map((s) => s.payload)).toEqual([{ reason: "restore" }]);
    await t.step("extract");
    await t.step("load");
    expect(await t.evaluation(restored)).toMatchObject({ durationMs: 2_000 });
  });

  it("a bug in the judging is logged and does not refuse the completion", async () => {
    const t = await setup();
    for (let i = 0; i < 3; i++) await t.run();
    const broken = vi.spyOn(EvaluationRepository.prototype, "completedBefore").mockImplementation(() => {
      throw new Error("judging bug");
    });
    const id = await t.run({}, { ms: 5_000 }); // completes, unjudged
    broken.mockRestore();
    expect(await t.regressions()).toEqual([]);
    expect(t.logged.some((l) => l.msg.startsWith("judging a completed plan") && l.planId === id)).toBe(true);
  });

  it("is null until the plan is finished; a plan not made from a template gets no regression verdict", async () => {
    const t = await setup();
    const id = (await t.coordinator.createPlan({ name: "inline", steps: [{ key: "a", role: "etl" }] }, "tester")).id;
    expect(await t.evaluation(id)).toBeNull();
    await t.step("a");
    expect(await t.evaluation(id)).toMatchObject({ grade: "EXCELLENT", score: 96.5, durationMs: 500, regression: null });
    for (let i = 0; i < 3; i++) await t.run();
    expect(await t.regressions()).toEqual([]);
  });
});
