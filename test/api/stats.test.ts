/**
 * Statistics through the GraphQL API: Agent.stats, roleStats and templateStats on hand-built
 * histories with known answers (ManualClock, no sleeps), windows, errors; and on large histories
 * inserted straight into a real SQLite file, checked against answers computed here: 100,000
 * traces of one agent answered in well under 50 ms.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, print, type GraphQLObjectType, type ObjectTypeDefinitionNode } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { batonSchema } from "../../src/graphql/schema.js";
import { packageRoot } from "../../src/store/database.js";
import { makeApi } from "../helpers/api.js";
import { onPostgres, sqliteOf } from "../helpers/database.js";

type Api = Awaited<ReturnType<typeof makeApi>>;
let api: Api;
let dir: string | null = null;
afterEach(async () => {
  await api.coordinator.stop();
  await api.stop();
  await api.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const STATS = "completed failed successRate p50Ms p95Ms meanQuality";
const REGISTER = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`;
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const CLAIM = `mutation($agentId: ID!) { claimSteps(input: { agentId: $agentId }) { id stepKey } }`;
const COMPLETE = `mutation($lease: ID!, $quality: Float) { completeStep(leaseId: $lease, quality: $quality) { state } }`;
const FAIL = `mutation($lease: ID!) { failStep(leaseId: $lease, error: { message: "no", retryable: false }) { state } }`;
const AGENT_STATS = `query($id: ID!, $since: DateTimeISO, $until: DateTimeISO, $role: String) { agent(id: $id) { stats(since: $since, until: $until, role: $role) { ${STATS} } } }`;
const TEMPLATE_STATS = `query($name: String!, $version: Int, $since: DateTimeISO, $until: DateTimeISO) {
  templateStats(name: $name, version: $version, since: $since, until: $until) {
    name version runs completed failed cancelled successRate p50DurationMs p95DurationMs
    byDay { day runs completed failed cancelled successRate p50DurationMs p95DurationMs }
  }
}`;

/** Registers an agent, then lets 1 ms pass so that agents list in registration order (oldest first). */
async function register(name: string, roles: string[]): Promise<string> {
  const id = (await api.ok(REGISTER, { input: { name, roles, concurrency: 10 } })).registerAgent.id;
  await api.clock.advance(1);
  return id;
}
const iso = (ms: number) => new Date(ms).toISOString();

/** A plan of one step of `role`, not retried. */
const plan = async (role: string): Promise<string> => (await api.ok(CREATE, { input: { name: "p", steps: [{ key: "s", role, retry: { maxAttempts: 1 } }] } })).createPlan.id;

/** `agentId` claims a step, works on it for `ms`, then completes it (with `quality`) or fails it (quality "fail"). */
async function work(agentId: string, ms: number, quality: number | null | "fail"): Promise<void> {
  const [lease] = (await api.ok(CLAIM, { agentId })).claimSteps;
  expect(lease).toBeDefined();
  await api.clock.advance(ms);
  await api.ok(quality === "fail" ? FAIL : COMPLETE, { lease: lease.id, quality });
}

/** A new plan of one step of `role`, which `agentId` works on (see work). */
async function run(agentId: string, role: string, ms: number, quality: number | null | "fail"): Promise<string> {
  const planId = await plan(role);
  await work(agentId, ms, quality);
  return planId;
}

describe("Agent.stats", () => {
  it("counts, success rate, nearest-rank p50/p95 and mean quality of the agent's finished attempts; StepTrace.quality", async () => {
    api = await makeApi();
    const agent = await register("w", ["r"]);
    const empty = (await api.ok(AGENT_STATS, { id: agent })).agent.stats;
    expect(empty).toEqual({ completed: 0, failed: 0, successRate: 0, p50Ms: null, p95Ms: null, meanQuality: null });

    const plans = [
      await run(agent, "r", 100, 0.6),
      await run(agent, "r", 300, 1),
      await run(agent, "r", 200, 0.8),
      await run(agent, "r", 50, "fail"),
      await run(agent, "r", 700, null), // completed without a quality: counted, but not in the mean
    ];
    const stats = (await api.ok(AGENT_STATS, { id: agent })).agent.stats;
    // Durations 100, 200, 300, 700: p50 is the 2nd (⌈0.5·4⌉), p95 the 4th (⌈0.95·4⌉).
    expect(stats).toEqual({ completed: 4, failed: 1, successRate: 0.8, p50Ms: 200, p95Ms: 700, meanQuality: expect.closeTo(0.8, 9) });

    const traces = [];
    for (const id of plans) traces.push(...(await api.ok(`query($id: ID!) { traces(planId: $id) { outcome quality elapsedMs } }`, { id })).traces);
    expect(traces).toEqual([
      { outcome: "SUCCEEDED", quality: 0.6, elapsedMs: 100 },
      { outcome: "SUCCEEDED", quality: 1, elapsedMs: 300 },
      { outcome: "SUCCEEDED", quality: 0.8, elapsedMs: 200 },
      { outcome: "FAILED", quality: null, elapsedMs: 50 },
      { outcome: "SUCCEEDED", quality: null, elapsedMs: 700 },
    ]);
  });

  it("counts TIMED_OUT and LOST as failed, CANCELLED as neither, RUNNING not at all", async () => {
    api = await makeApi();
    const agent = await register("w", ["r"]);
    const timed = (await api.ok(CREATE, { input: { name: "t", steps: [{ key: "a", role: "r", timeoutMs: 1_000, retry: { maxAttempts: 1 } }] } })).createPlan.id;
    await api.ok(CLAIM, { agentId: agent });
    await api.clock.advance(1_000); // TIMED_OUT
    await api.ok(CREATE, { input: { name: "l", steps: [{ key: "a", role: "r", retry: { maxAttempts: 1 } }], policy: { heartbeatTimeoutMs: 500 } } });
    await api.ok(CLAIM, { agentId: agent });
    await api.clock.advance(500); // LOST
    const cancelled = await plan("r");
    await api.ok(CLAIM, { agentId: agent });
    await api.ok(`mutation($id: ID!) { cancelPlan(id: $id) { status } }`, { id: cancelled });
    await plan("r");
    await api.ok(CLAIM, { agentId: agent }); // still RUNNING
    const outcomes = (await api.ok(`query($id: ID!) { traces(planId: $id) { outcome } }`, { id: timed })).traces;
    expect(outcomes).toEqual([{ outcome: "TIMED_OUT" }]);
    expect((await api.ok(AGENT_STATS, { id: agent })).agent.stats).toEqual({ completed: 0, failed: 2, successRate: 0, p50Ms: null, p95Ms: null, meanQuality: null });
  });

  it("counts only the attempts that finished in [since, until), and of one role when asked", async () => {
    api = await makeApi();
    const agent = await register("w", ["r", "s"]);
    const t0 = api.clock.now();
    await run(agent, "r", 100, 0.5); // finishes at t0 + 100
    await run(agent, "r", 200, 0.7); // t0 + 300
    await run(agent, "r", 300, "fail"); // t0 + 600
    await run(agent, "s", 1_000, 0.9); // t0 + 1600
    const at = async (vars: Record<string, unknown>) => (await api.ok(AGENT_STATS, { id: agent, ...vars })).agent.stats;
    expect(await at({ since: iso(t0 + 300) })).toMatchObject({ completed: 2, failed: 1, p50Ms: 200, p95Ms: 1_000, meanQuality: 0.8 });
    expect(await at({ since: iso(t0 + 300), until: iso(t0 + 1600) })).toMatchObject({ completed: 1, failed: 1, successRate: 0.5, p50Ms: 200, p95Ms: 200 });
    expect(await at({ until: iso(t0 + 300) })).toMatchObject({ completed: 1, failed: 0, successRate: 1, p50Ms: 100, meanQuality: 0.5 });
    expect(await at({ role: "r" })).toMatchObject({ completed: 2, failed: 1, p50Ms: 100, p95Ms: 200, meanQuality: expect.closeTo(0.6, 9) });
    expect(await at({ role: "s" })).toMatchObject({ completed: 1, failed: 0, p50Ms: 1_000, meanQuality: 0.9 });
    expect(await at({ since: iso(t0 + 10_000) })).toMatchObject({ completed: 0, failed: 0, successRate: 0, p50Ms: null });
  });

  it("refuses a window whose until is not later than its since (BAD_USER_INPUT, with the problem)", async () => {
    api = await makeApi();
    const agent = await register("w", ["r"]);
    const t = api.clock.now();
    for (const until of [t, t - 1]) {
      const r = await api.exec(AGENT_STATS, { id: agent, since: iso(t), until: iso(until) });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "until", message: expect.stringContaining("later than since") }] });
    }
    const q = await api.exec(`query { roleStats(role: "r", since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z") { role } }`);
    expect(q.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("matches the contract: AgentStats and Agent.stats have its names and nullability", () => {
    const contract = parse(readFileSync(join(packageRoot(), "test", "fixtures", "contract.outline.graphql"), "utf8"));
    const fields = (name: string) => contract.definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === "ObjectTypeDefinition" && d.name.value === name)!.fields!;
    const ours = (name: string) => (batonSchema().getType(name) as GraphQLObjectType).getFields();
    for (const f of fields("AgentStats")) expect(String(ours("AgentStats")[f.name.value]?.type)).toBe(print(f.type));
    expect(String(ours("Agent")["stats"]!.type)).toBe(print(fields("Agent").find((f) => f.name.value === "stats")!.type));
  });
});

describe("roleStats", () => {
  it("sums the role across agents, with each agent registered for it (oldest first, zeros for the idle)", async () => {
    api = await makeApi();
    const a = await register("a", ["r"]);
    const b = await register("b", ["r", "s"]);
    await register("idle", ["r"]);
    await register("other", ["s"]);
    const t0 = api.clock.now();
    await run(a, "r", 100, 1);
    await run(b, "r", 300, 0.5);
    await run(b, "r", 200, "fail");
    await run(a, "r", 400, null);
    await run(b, "s", 5_000, 0.1); // another role: not counted
    const r = await api.ok(`{ roleStats(role: "r") { role stats { ${STATS} } agents { agent { name } stats { ${STATS} } } } }`);
    expect(r.roleStats).toEqual({
      role: "r",
      stats: { completed: 3, failed: 1, successRate: 0.75, p50Ms: 300, p95Ms: 400, meanQuality: 0.75 },
      agents: [
        { agent: { name: "a" }, stats: { completed: 2, failed: 0, successRate: 1, p50Ms: 100, p95Ms: 400, meanQuality: 1 } },
        { agent: { name: "b" }, stats: { completed: 1, failed: 1, successRate: 0.5, p50Ms: 300, p95Ms: 300, meanQuality: 0.5 } },
        { agent: { name: "idle" }, stats: { completed: 0, failed: 0, successRate: 0, p50Ms: null, p95Ms: null, meanQuality: null } },
      ],
    });
    // From just after b's failure (t0 + 600): only a's 400 ms attempt, which finished at t0 + 1000.
    const w = await api.ok(`query($since: DateTimeISO) { roleStats(role: "r", since: $since) { stats { completed failed p50Ms } agents { agent { name } stats { completed failed } } } }`, { since: iso(t0 + 601) });
    expect(w.roleStats).toEqual({
      stats: { completed: 1, failed: 0, p50Ms: 400 },
      agents: [
        { agent: { name: "a" }, stats: { completed: 1, failed: 0 } },
        { agent: { name: "b" }, stats: { completed: 0, failed: 0 } },
        { agent: { name: "idle" }, stats: { completed: 0, failed: 0 } },
      ],
    });
    const nobody = await api.ok(`{ roleStats(role: "nobody") { role stats { ${STATS} } agents { agent { id } } } }`);
    expect(nobody.roleStats).toEqual({ role: "nobody", stats: { completed: 0, failed: 0, successRate: 0, p50Ms: null, p95Ms: null, meanQuality: null }, agents: [] });
  });
});

describe("templateStats", () => {
  const DAY = 86_400_000;

  it("runs, outcomes and duration percentiles of the template's plans, in all and per UTC day; by version", async () => {
    api = await makeApi();
    const agent = await register("w", ["t"]);
    const tpl = async (steps: unknown[]) => api.ok(`mutation($input: RegisterTemplateInput!) { registerTemplate(input: $input) { version } }`, { input: { name: "job", steps } });
    await tpl([{ key: "a", role: "t", retry: { maxAttempts: 1 } }]);
    const fromTemplate = async (template: string) => (await api.ok(CREATE, { input: { name: "job", template } })).createPlan.id as string;
    const day0 = api.clock.now() - (api.clock.now() % DAY); // the ManualClock starts at 2026-01-01T00:00Z

    // Day 0: three runs of version 1 (1 s and 3 s COMPLETED, one FAILED), one cancelled.
    for (const [ms, outcome] of [[1_000, 0.9], [3_000, 0.9], [2_000, "fail"]] as const) {
      await fromTemplate("job");
      await work(agent, ms, outcome);
    }
    const cancelled = await fromTemplate("job");
    await api.ok(`mutation($id: ID!) { cancelPlan(id: $id) { status } }`, { id: cancelled });
    // Day 1: version 2; two completed runs (5 s and 7 s) and one still running.
    await api.clock.advance(DAY);
    await tpl([{ key: "b", role: "t" }]);
    for (const ms of [5_000, 7_000]) {
      await fromTemplate("job");
      await work(agent, ms, null);
    }
    await fromTemplate("job@2");

    const all = (await api.ok(TEMPLATE_STATS, { name: "job" })).templateStats;
    expect(all).toEqual({
      name: "job",
      version: null,
      runs: 6,
      completed: 4,
      failed: 1,
      cancelled: 1,
      successRate: 0.8,
      p50DurationMs: 3_000,
      p95DurationMs: 7_000,
      byDay: [
        { day: iso(day0), runs: 4, completed: 2, failed: 1, cancelled: 1, successRate: 2 / 3, p50DurationMs: 1_000, p95DurationMs: 3_000 },
        { day: iso(day0 + DAY), runs: 2, completed: 2, failed: 0, cancelled: 0, successRate: 1, p50DurationMs: 5_000, p95DurationMs: 7_000 },
      ],
    });
    const v2 = (await api.ok(TEMPLATE_STATS, { name: "job", version: 2 })).templateStats;
    expect(v2).toMatchObject({ version: 2, runs: 2, completed: 2, p50DurationMs: 5_000, byDay: [{ day: iso(day0 + DAY), runs: 2 }] });
    const window = (await api.ok(TEMPLATE_STATS, { name: "job", version: 1, until: iso(day0 + DAY) })).templateStats;
    expect(window).toMatchObject({ version: 1, runs: 4, completed: 2, failed: 1, cancelled: 1, byDay: [{ day: iso(day0) }] });
    const none = (await api.ok(TEMPLATE_STATS, { name: "job", since: iso(day0 + 2 * DAY) })).templateStats;
    expect(none).toMatchObject({ runs: 0, completed: 0, successRate: 0, p50DurationMs: null, byDay: [] });
  });

  it("is NOT_FOUND for an unknown template or version", async () => {
    api = await makeApi();
    await api.ok(`mutation { registerTemplate(input: { name: "job", steps: [{ key: "a", role: "t" }] }) { version } }`);
    for (const vars of [{ name: "nope" }, { name: "job", version: 2 }]) {
      const r = await api.exec(TEMPLATE_STATS, vars);
      expect(r.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
    }
  });
});

// Bulk rows written with SQLite statements, and timings of its covering indexes: SQLite only.
describe.skipIf(onPostgres)("on a large history", () => {
  /** Nearest-rank percentile of sorted values. */
  const rank = (sorted: number[], p: number) => sorted[Math.max(1, Math.ceil((p * sorted.length) / 100)) - 1]!;
  const timed = async <T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> => {
    const t0 = performance.now();
    const value = await fn();
    return { ms: performance.now() - t0, value };
  };

  it("answers Agent.stats over 100,000 traces of one agent in under 50 ms, exactly", { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), "baton-stats-"));
    api = await makeApi({ file: join(dir, "baton.db") });
    const agent = await register("busy", ["r"]);
    const other = await register("other", ["r"]);
    const planId = await plan("r");
    const sqlite = sqliteOf(api.store).database.sqlite;
    const insert = sqlite.prepare(
      `INSERT INTO attempts (id, plan_id, step_key, attempt, agent_id, role, outcome, started_at, finished_at, expires_at, heartbeat_timeout_ms, cancel_requested, output, quality)
       VALUES (?, ?, 's0', ?, ?, 'r', ?, ?, ?, 0, 30000, 0, ?, ?)`,
    );
    const N = 100_000;
    const t0 = Date.UTC(2025, 0, 1);
    const durations: { at: number; ms: number }[] = [];
    let qualities = 0;
    const outcomes = ["FAILED", "TIMED_OUT", "LOST", "CANCELLED"];
    sqlite.transaction(() => {
      for (let i = 0; i < N; i++) {
        const started = t0 + i * 60_000;
        const ms = (i * 7_919) % 10_007; // a scrambled spread of durations
        const ok = i % 10 !== 0;
        insert.run(`att_${i}`, planId, i + 1, agent, ok ? "SUCCEEDED" : outcomes[(i / 10) % 4]!, started, started + ms, ok ? '{"answer":42}' : null, ok ? (i % 101) / 100 : null);
        if (ok) durations.push({ at: started + ms, ms });
        if (ok) qualities += (i % 101) / 100;
        if (i % 10 === 0) insert.run(`oth_${i}`, planId, i + 1, other, "SUCCEEDED", started, started + 1, null, null);
      }
    })();
    const meanQuality = qualities / durations.length;
    const expected = (since: number) => {
      const ms = durations.filter((d) => d.at >= since).map((d) => d.ms).sort((a, b) => a - b);
      return { completed: ms.length, p50Ms: rank(ms, 50), p95Ms: rank(ms, 95) };
    };

    const query = (since: number | null) => api.ok(AGENT_STATS, { id: agent, since: since === null ? null : iso(since) });
    await query(null); // warm-up: the first run also compiles the operation
    const runs: number[] = [];
    let stats: Record<string, unknown> = {};
    for (let i = 0; i < 7; i++) {
      const r = await timed(() => query(null));
      runs.push(r.ms);
      stats = r.value.agent.stats;
    }
    // Every 10th attempt did not succeed: FAILED, TIMED_OUT, LOST (failed) or CANCELLED (neither), in turn.
    expect(stats).toEqual({ ...expected(0), failed: 7_500, successRate: 90_000 / 97_500, meanQuality: expect.closeTo(meanQuality, 9) });
    runs.sort((a, b) => a - b);
    const median = runs[runs.length >> 1]!;
    if (process.env.DBG) console.log(`Agent.stats over ${N} traces: ${runs.map((m) => m.toFixed(1)).join(" ")} ms`);
    expect(median).toBeLessThan(50);

    // Windows: the last 5,000 (sorted) and the last 50,000 (walked) attempts, also exact and fast.
    for (const last of [5_000, 50_000]) {
      const since = t0 + (N - last) * 60_000;
      const r = await timed(() => query(since));
      expect(r.value.agent.stats).toMatchObject(expected(since));
      expect(r.ms).toBeLessThan(50);
    }
    const role = await timed(() => api.ok(`{ roleStats(role: "r") { stats { completed failed p50Ms } } }`));
    expect(role.value.roleStats.stats).toMatchObject({ completed: N * 0.9 + N / 10, failed: 7_500 });
    expect(role.ms).toBeLessThan(50);
  });

  it("answers templateStats over 30,000 plans exactly, in all and per day", { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), "baton-stats-"));
    api = await makeApi({ file: join(dir, "baton.db") });
    const ids: string[] = [];
    for (const steps of [[{ key: "a", role: "t" }], [{ key: "b", role: "t" }]]) {
      await api.ok(`mutation($input: RegisterTemplateInput!) { registerTemplate(input: $input) { id } }`, { input: { name: "job", steps } });
      ids.push((await api.ok(`{ template(name: "job") { id } }`)).template.id as string);
    }
    const sqlite = sqliteOf(api.store).database.sqlite;
    const insert = sqlite.prepare(
      `INSERT INTO plans (id, name, state, version, priority, labels, policy, max_parallel, running_count, created_at, started_at, finished_at, template_id, error)
       VALUES (?, 'job', ?, 1, 1, '[]', '{}', 1, 0, ?, ?, ?, ?, ?)`,
    );
    const N = 30_000;
    const t0 = Date.UTC(2025, 5, 1);
    // Plans finish about every 58 s over 20 days: COMPLETED mostly, some FAILED, CANCELLED, and COMPENSATED after a failure or a cancel.
    const rows: { day: number; version: number; state: string; ms: number; failed: boolean }[] = [];
    sqlite.transaction(() => {
      for (let i = 0; i < N; i++) {
        const started = t0 + i * 57_600;
        const ms = (i * 7_919) % 600_001;
        const state = i % 7 === 0 ? "FAILED" : i % 11 === 0 ? "CANCELLED" : i % 13 === 0 ? "COMPENSATED" : "COMPLETED";
        const error = state === "FAILED" || (state === "COMPENSATED" && i % 2 === 0) ? '{"message":"no"}' : null;
        const version = i % 3 === 0 ? 2 : 1;
        insert.run(`plan_${i}`, state, started, started, started + ms, ids[version - 1], error);
        rows.push({ day: Math.floor((started + ms) / 86_400_000) * 86_400_000, version, state, ms, failed: error !== null });
      }
    })();
    const expected = (of: typeof rows) => {
      const ms = of.filter((r) => r.state === "COMPLETED").map((r) => r.ms).sort((a, b) => a - b);
      const failed = of.filter((r) => r.failed).length;
      return { runs: of.length, completed: ms.length, failed, cancelled: of.length - ms.length - failed, successRate: ms.length / (ms.length + failed), p50DurationMs: rank(ms, 50), p95DurationMs: rank(ms, 95) };
    };
    const days = [...new Set(rows.map((r) => r.day))].sort((a, b) => a - b);
    for (const version of [null, 1]) {
      const of = rows.filter((r) => version === null || r.version === version);
      const r = await timed(() => api.ok(TEMPLATE_STATS, { name: "job", version }));
      if (process.env.DBG) console.log(`templateStats over ${of.length} plans, ${days.length} days: ${r.ms.toFixed(1)} ms`);
      expect(r.value.templateStats).toEqual({
        name: "job",
        version,
        ...expected(of),
        byDay: days.map((day) => ({ day: iso(day), ...expected(of.filter((x) => x.day === day)) })),
      });
      expect(r.ms).toBeLessThan(1_000);
    }
  });
});
