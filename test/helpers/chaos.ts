/**
 * What the chaos tests share (test/e2e/chaos.test.ts: one gateway killed and restarted;
 * test/postgres/chaos-gateways.test.ts: three gateways on one PostgreSQL database): the seeded
 * schedule, the workload (50 plans × 20 steps with delays, retries and late starts), the agent
 * processes (test/e2e/fixtures/chaos-agent.mjs, the compiled SDK) killed mid-step, the
 * subscriber that checks the signal log as it follows it, and the checks of the database at the
 * end: every plan COMPLETED, every step SUCCEEDED exactly once with consistent attempts, the log
 * 1..N, no RUNNING attempt, every timer fired once and not before it was due.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parse } from "graphql";
import { expect } from "vitest";
import { createClient, CreatePlanDocument, isBatonClientError, type BatonClient, type CreatePlanInput, type PolicyInput, type StepInput } from "../../src/client/index.js";
import { onPostgres, sqlRows, testDatabase } from "./database.js";
import { startServerProcess, type ServerProcess } from "./process.js";

/** CHAOS_SEED replays another schedule. */
export const SEED = Number(process.env["CHAOS_SEED"] ?? 20_260_101);
export const ROLE = "chaos.work";
export const PLANS = 50;
const WAVES = 5; // × WIDTH = 20 steps per plan
const WIDTH = 4;
export const STEPS_PER_PLAN = WAVES * WIDTH;
/** Short leases, so that work lost with a killed agent or gateway is handed out again soon. Many attempts: each kill may cost a step one. */
export const POLICY: PolicyInput = {
  maxParallel: 4,
  heartbeatTimeoutMs: 1_000,
  retry: { maxAttempts: 100, initialIntervalMs: 400, backoffCoefficient: 1, maxIntervalMs: 400 },
};
const AGENT_SCRIPT = fileURLToPath(new URL("../e2e/fixtures/chaos-agent.mjs", import.meta.url));

/** mulberry32: a small seeded generator, so that a schedule can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
export const between = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/**
 * Plan i: 5 waves of 4 steps, each depending on its lane and on the first step of the previous
 * wave. One step per wave after the first is delayed, s2_3 fails its first attempt, s1_2 of every
 * fifth plan hangs on its first attempt, and every tenth plan starts late.
 */
function planInput(i: number, r: () => number): CreatePlanInput {
  const steps: StepInput[] = [];
  for (let w = 0; w < WAVES; w++) {
    for (let j = 0; j < WIDTH; j++) {
      const step: StepInput = {
        key: `s${w}_${j}`,
        role: ROLE,
        dependsOn: w === 0 ? [] : [...new Set([`s${w - 1}_${j}`, `s${w - 1}_0`])],
        input: { workMs: between(r, 2, 25), ...(w === 2 && j === 3 ? { failFirst: true } : {}), ...(w === 1 && j === 2 && i % 5 === 0 ? { hang: true } : {}) },
      };
      if (w > 0 && j === w % WIDTH) step.delayMs = between(r, 200, 1_500);
      steps.push(step);
    }
  }
  return { name: `chaos ${i}`, policy: POLICY, steps, ...(i % 10 === 9 ? { delayMs: between(r, 1_000, 6_000) } : {}) };
}

/** The PLANS plans of the workload, made one after the other (before any agent runs); their ids. */
export async function createWorkload(client: BatonClient, r: () => number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < PLANS; i++) ids.push((await client.request(CreatePlanDocument, { input: planInput(i, r) })).createPlan.id);
  return ids;
}

/** Steps of the workload whose first attempt fails on purpose (a retry backoff each). */
const FAIL_FIRST = PLANS;

/** Polls a condition every `everyMs` (a busy loop would take the CPU the gateways and agents need). */
export async function until<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A small plan for the gateway tests (drain, outage): s0 → (s1 delayed, s2 fails its first
 * attempt) → s3 (on `role3`) → s4 delayed; every sixth plan starts late.
 */
export function fiveStepPlan(i: number, name: string, policy: PolicyInput, role: string, role3 = role): CreatePlanInput {
  const deps = [[], ["s0"], ["s0"], ["s1", "s2"], ["s3"]];
  const steps: StepInput[] = deps.map((dependsOn, j) => ({
    key: `s${j}`,
    role: j === 3 ? role3 : role,
    dependsOn,
    input: { workMs: 2 + ((i * 7 + j * 13) % 25), ...(j === 2 ? { failFirst: true } : {}) },
    ...(j === 1 || j === 4 ? { delayMs: 200 + ((i * 97 + j * 31) % 600) } : {}),
  }));
  return { name: `${name} ${i}`, policy, steps, ...(i % 6 === 5 ? { delayMs: 1_000 + i * 50 } : {}) };
}

/** Rows of a query (`?` parameters) on the gateways' database. */
export type Rows = <T>(sql: string, ...args: unknown[]) => Promise<T[]>;

/**
 * Reads the gateways' database directly (also while a gateway runs on it, or after one was
 * killed): SQLite's file read-only, one connection per read; on PostgreSQL, the schema through a
 * store of the test's own (closed after the file, test/helpers/database.ts).
 */
export async function reader(file: string): Promise<Rows> {
  if (onPostgres) {
    const store = await testDatabase({ file }).open();
    return (sql, ...args) => sqlRows(store, sql, ...args);
  }
  return async <T>(sql: string, ...args: unknown[]): Promise<T[]> => {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };
}

/** The log's head: the last sequence committed. */
export const logHead = async (rows: Rows): Promise<number> => (await rows<{ h: number }>("SELECT COALESCE(MAX(sequence), 0) AS h FROM signals"))[0]!.h;

/** `baton serve` on the port of `env` (BATON_PORT); a port taken meanwhile (EADDRINUSE) is retried. */
export async function startGateway(env: Record<string, string>): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerProcess(env);
    } catch (e) {
      if (attempt >= 5 || !/EADDRINUSE/.test(String(e))) throw e;
    }
  }
}

/**
 * How long the log may stand still before a run counts as stuck. Generous: on a busy machine a
 * gateway takes up to tens of seconds to start, and the single gateway is down meanwhile (twice
 * in a row when it is killed again in its recovery).
 */
const STALL_MS = 60_000;
/** How long the work of a run may take before it counts as too slow (on a quiet machine it takes about a minute). */
export const SETTLE_MS = 240_000;
/** The test's own timeout: the work, the start and the end, and the checks. */
export const TEST_TIMEOUT_MS = SETTLE_MS + 60_000;

export type Signal = { sequence: number; kind: string; planId: string | null };
/** The whole signal log, after a sequence: what a follower reads. */
export const SIGNALS = parse(`subscription Follow($after: Int) { signals(afterSequence: $after) { sequence kind planId } }`) as TypedDocumentNode<{ signals: Signal }, { after: number }>;

/**
 * The run as the signal log tells it: a subscriber that follows the whole log, on one gateway
 * after another, each time from the last sequence it saw, and notes every gap or duplicate;
 * `done` resolves once every plan expected has completed, `failed` rejects at the first failure
 * (a plan FAILED, a subscription error other than a lost connection, or whatever the test
 * reports with `fail`).
 */
export class ChaosLog {
  lastSeq = 0;
  /** Sequences out of order: "after 7 came 9". */
  readonly problems: string[] = [];
  /** Plans that must complete (the workload and any the test adds). */
  readonly expected = new Set<string>();
  readonly completed = new Set<string>();
  /** Subscriptions opened (the first, then one per move to another gateway). */
  follows = 0;
  /** When the subscriber last received a signal. */
  private lastSignalAt = Date.now();
  readonly failed: Promise<never>;
  readonly done: Promise<void>;
  fail!: (e: unknown) => void;
  private allDone!: () => void;

  constructor(private readonly plans: number) {
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined); // handled where it is raced
    this.done = new Promise<void>((resolve) => (this.allDone = resolve));
  }

  /** Follows the log on `url` from the last sequence seen until the connection is lost or the gateway ends it. */
  async follow(url: string): Promise<void> {
    this.follows++;
    const c = createClient({ url });
    try {
      for await (const { signals: s } of c.subscribe(SIGNALS, { after: this.lastSeq })) {
        this.lastSignalAt = Date.now();
        if (s.sequence !== this.lastSeq + 1) this.problems.push(`after ${this.lastSeq} came ${s.sequence}`);
        this.lastSeq = Math.max(this.lastSeq, s.sequence);
        if (s.kind === "PLAN_FAILED") this.fail(new Error(`plan ${s.planId} FAILED`));
        if (s.kind === "PLAN_COMPLETED") {
          this.completed.add(s.planId!);
          if (this.expected.size >= this.plans && [...this.expected].every((id) => this.completed.has(id))) this.allDone();
        }
      }
    } catch (e) {
      if (!isBatonClientError(e, "CONNECTION_CLOSED", "NETWORK_ERROR")) this.fail(e);
    } finally {
      await c.close();
    }
  }

  /**
   * Until every expected plan completed or the run failed. It fails when the log has not moved
   * for `STALL_MS` (work stuck: a timer, a lease or a wake-up lost) or after `timeoutMs` (slow),
   * with what `stats()` says the run did and what the database holds that should have moved on:
   * timers overdue, leases expired but RUNNING, the oldest READY step, steps by state.
   */
  async settle(rows: Rows, timeoutMs: number, stats: () => unknown): Promise<void> {
    const start = Date.now();
    this.lastSignalAt = start;
    let reported = false;
    const report = async (why: string): Promise<void> => {
      reported = true;
      const now = Date.now();
      const [overdue, expired, ready, steps, waiting] = await Promise.all([
        rows("SELECT plan_id, step_key, kind, due_at FROM timers WHERE due_at < ? ORDER BY due_at LIMIT 5", now - 2_000),
        rows("SELECT id, plan_id, step_key, expires_at FROM attempts WHERE outcome = 'RUNNING' AND expires_at < ? ORDER BY expires_at LIMIT 5", now - 2_000),
        rows("SELECT plan_id, key, ready_at FROM steps WHERE state = 'READY' ORDER BY ready_at LIMIT 1"),
        rows("SELECT state, COUNT(*) AS n FROM steps GROUP BY state"),
        // A WAITING step waits for a timer (a retry or a delay): its timers, if any.
        rows(
          `SELECT s.plan_id, s.key, s.attempts, s.delay_ms, s.retry_at, s.ready_at, t.kind, t.due_at, t.remaining_ms
             FROM steps s LEFT JOIN timers t ON t.plan_id = s.plan_id AND t.step_key = s.key WHERE s.state = 'WAITING' LIMIT 5`,
        ),
      ]).catch((e: unknown) => [String(e)]);
      const held = JSON.stringify({ overdue, expired, oldestReady: ready, steps, waiting, now });
      this.fail(new Error(`${why}: ${this.completed.size}/${this.expected.size} plans completed, ${JSON.stringify(stats())}; the database: ${held}`));
    };
    const watch = setInterval(() => {
      if (reported) return;
      const now = Date.now();
      if (now - this.lastSignalAt > STALL_MS) void report(`the log has not moved for ${now - this.lastSignalAt} ms`);
      else if (now - start > timeoutMs) void report(`not done in ${timeoutMs} ms`);
    }, 1_000);
    try {
      await Promise.race([this.done, this.failed]);
    } finally {
      clearInterval(watch);
    }
  }

  /** Until the subscriber has seen every signal committed (call once nothing appends any more). */
  async caughtUp(rows: Rows): Promise<void> {
    await until(async () => this.lastSeq === (await logHead(rows)), "the subscription to catch up");
  }
}

interface AgentProc {
  child: ChildProcess;
  killed: boolean;
  exited: Promise<unknown>;
}

export interface ChaosAgentsOptions {
  /** The gateway URL of the n-th agent (from 1); several separated by commas. */
  url: (n: number) => string;
  concurrency: number;
  /** Agents SIGKILLed when a handler starts (mid-step), besides the one of each `hang` step. */
  kills: number;
  /** The schedule of those kills. */
  random: () => number;
  /** A handler returned: `stats.dones` of them by now. */
  onDone: () => void;
  /** An agent exited on its own. */
  fail: (e: unknown) => void;
}

/**
 * The agent processes. What they say drives the chaos: the kills at handler starts (every 40 to
 * 160 starts, the first after 20 to 120, seeded), the kill of the agent of each `hang` step, and
 * the test's own schedule through `onDone`. Each killed agent is replaced at once.
 */
export class ChaosAgents {
  readonly stats = { agentKills: 0, hangKills: 0, starts: 0, dones: 0 };
  /** Leases whose handler returned. */
  readonly executed = new Set<string>();
  /** Leases of hang steps (their agent was killed). */
  readonly hung = new Set<string>();
  private readonly live = new Set<AgentProc>();
  private started = 0;
  private stopping = false;
  private nextKill: number;

  constructor(private readonly opts: ChaosAgentsOptions) {
    this.nextKill = between(opts.random, 20, 120);
  }

  start(): void {
    const n = ++this.started;
    const name = `chaos-${n}`;
    const child = spawn(process.execPath, [AGENT_SCRIPT, this.opts.url(n), ROLE, name, String(this.opts.concurrency)], { stdio: ["ignore", "pipe", "pipe"] });
    const a: AgentProc = { child, killed: false, exited: new Promise((resolve) => child.once("close", resolve)) }; // after its last line was read
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
    this.live.add(a);
    void a.exited.then((code) => {
      this.live.delete(a);
      if (!a.killed && !this.stopping) this.opts.fail(new Error(`agent ${name} exited on its own (${String(code)}): the SDK did not survive the chaos${stderr ? `; its stderr ended with:\n${stderr}` : ""}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => this.onLine(a, line));
  }

  private kill(a: AgentProc): void {
    a.killed = true;
    a.child.kill("SIGKILL");
    this.start();
  }

  private onLine(a: AgentProc, line: string): void {
    const [what, leaseId] = line.split(" ");
    const { stats } = this;
    if (what === "start" && ++stats.starts >= this.nextKill && !a.killed && stats.agentKills < this.opts.kills) {
      stats.agentKills++;
      this.nextKill = stats.starts + between(this.opts.random, 40, 160);
      this.kill(a); // mid-step: its handler works for a few ms more
    } else if (what === "hang") {
      this.hung.add(leaseId!);
      if (!a.killed) {
        stats.hangKills++;
        this.kill(a);
      }
    } else if (what === "done") {
      this.executed.add(leaseId!);
      stats.dones++;
      this.opts.onDone();
    }
  }

  /** Graceful end: each agent drains (idle by now) and exits. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const a of this.live) a.child.kill("SIGTERM");
    await Promise.all([...this.live].map((a) => a.exited));
  }

  /** Kills whatever is left (after a failure). */
  killAll(): void {
    this.stopping = true;
    for (const a of this.live) a.child.kill("SIGKILL");
  }
}

/** What the database must hold after a chaos run. */
export interface ChaosExpectations {
  /** Every plan made (the workload's and the test's own): each COMPLETED. */
  plans: ReadonlySet<string>;
  /** Steps across those plans. */
  steps: number;
  /** The last sequence the subscriber saw: the log's head. */
  lastSeq: number;
  agents: ChaosAgents;
}

/** How late the timers fired, for the test's summary. */
export interface TimerFigures {
  /** Timers set (plan starts, delayed steps, retry backoffs). */
  fired: number;
  /** The latest a timer fired after it was due, in ms (for a delayed step, after its delay from the success that made it due). */
  maxLateMs: number;
  /** That timer, and when it was due. */
  latest: string;
}

const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;

/**
 * Reads the database once the run is over (every gateway stopped) and checks that the chaos
 * lost and doubled nothing: every plan COMPLETED, every step SUCCEEDED in its first visit with
 * one SUCCEEDED attempt that an agent executed and its attempts 1..n all recorded, no RUNNING
 * attempt, the signal log 1..N, and every timer fired once and not before it was due.
 */
export async function expectChaosSurvived(rows: Rows, x: ChaosExpectations): Promise<TimerFigures> {
  const all = rows;
  const one = async <T>(sql: string, ...args: unknown[]): Promise<T> => (await rows<T>(sql, ...args))[0]!;
  const { executed, hung, stats } = x.agents;

  // ---- every plan COMPLETED, every step SUCCEEDED in its first visit, no lease held
  const plans = await all<{ id: string; state: string }>("SELECT id, state FROM plans");
  expect(plans.map((p) => p.id).sort()).toEqual([...x.plans].sort());
  expect(plans.filter((p) => p.state !== "COMPLETED")).toEqual([]);
  type StepRow = { planId: string; key: string; state: string; attempts: number; visits: number; leaseId: string | null; delayMs: number | null; dependsOn: unknown };
  const steps = await all<StepRow>(`SELECT plan_id AS "planId", key, state, attempts, visits, lease_id AS "leaseId", delay_ms AS "delayMs", depends_on AS "dependsOn" FROM steps`);
  expect(steps.length).toBe(x.steps);
  expect(steps.filter((s) => s.state !== "SUCCEEDED" || s.visits !== 1 || s.leaseId !== null)).toEqual([]);
  expect((await one<{ n: number }>("SELECT COUNT(*) AS n FROM plans WHERE running_count <> 0")).n).toBe(0); // the denormalised count of leases
  // Each output was written to the plan's context once (the success was applied once).
  const outputs = await all<{ n: number }>("SELECT COUNT(*) AS n FROM context_entries WHERE key LIKE 'steps.%.output' GROUP BY plan_id, key");
  expect([outputs.length, outputs.every((o) => o.n === 1)]).toEqual([steps.length, true]);

  // ---- attempts: 1..n all recorded, exactly one SUCCEEDED (and executed by an agent), none RUNNING
  type AttemptRow = { id: string; planId: string; stepKey: string; attempt: number; outcome: string };
  const attempts = await all<AttemptRow>(`SELECT id, plan_id AS "planId", step_key AS "stepKey", attempt, outcome FROM attempts ORDER BY plan_id, step_key, attempt`);
  const byStep = new Map<string, AttemptRow[]>();
  for (const a of attempts) byStep.set(`${a.planId}/${a.stepKey}`, [...(byStep.get(`${a.planId}/${a.stepKey}`) ?? []), a]);
  const wrong: string[] = [];
  for (const s of steps) {
    const list = byStep.get(`${s.planId}/${s.key}`) ?? [];
    const ok = list.filter((a) => a.outcome === "SUCCEEDED");
    if (list.map((a) => a.attempt).join() !== oneTo(s.attempts).join()) wrong.push(`${s.planId}/${s.key}: attempts ${list.map((a) => a.attempt)} for ${s.attempts}`);
    if (ok.length !== 1) wrong.push(`${s.planId}/${s.key}: ${ok.length} SUCCEEDED attempts`);
    else if (!executed.has(ok[0]!.id)) wrong.push(`${s.planId}/${s.key}: succeeded under ${ok[0]!.id}, which no agent ran`);
  }
  expect(wrong).toEqual([]);
  expect(attempts.filter((a) => a.outcome === "RUNNING")).toEqual([]);
  const leaseIds = new Set(attempts.map((a) => a.id));
  expect([...executed].filter((id) => !leaseIds.has(id))).toEqual([]); // every execution is a recorded attempt
  expect(attempts.filter((a) => hung.has(a.id) && a.outcome !== "LOST")).toEqual([]); // killed mid-step: lost, then redone
  const outcomes = Object.fromEntries((await all<{ outcome: string; n: number }>("SELECT outcome, COUNT(*) AS n FROM attempts GROUP BY outcome")).map((o) => [o.outcome, o.n]));
  expect(outcomes["LOST"]).toBeGreaterThanOrEqual(stats.hangKills);
  expect(outcomes["FAILED"]).toBeGreaterThan(FAIL_FIRST / 2); // the failFirst steps (unless their attempt 1 was lost)

  // ---- the signal log: 1..N, each step succeeded once, each attempt started once, each plan completed once
  const log = await one<{ n: number; lo: number; hi: number }>("SELECT COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi FROM signals");
  expect(log).toEqual({ n: log.hi, lo: 1, hi: x.lastSeq });
  const count = async (kind: string) => new Map((await all<{ k: string; n: number }>("SELECT plan_id || '/' || COALESCE(step_key, '') AS k, COUNT(*) AS n FROM signals WHERE kind = ? GROUP BY k", kind)).map((s) => [s.k, s.n]));
  const succeeded = await count("STEP_SUCCEEDED");
  const started = await count("STEP_STARTED");
  expect(succeeded.size).toBe(steps.length);
  expect([...succeeded.values()].every((n) => n === 1)).toBe(true);
  expect(steps.filter((s) => started.get(`${s.planId}/${s.key}`) !== s.attempts)).toEqual([]);
  expect([...(await count("PLAN_COMPLETED")).values()]).toEqual(plans.map(() => 1));

  return await expectTimersFiredOnce(rows, steps);
}

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Timers: none left, and each fired once, not before it was due. Read from the log: a plan
 * started once, at or after the `startsAt` its PLAN_CREATED announced; a step made READY once
 * for each attempt (STEP_READY's `attempt` 1..n in order: a retry timer or a lost lease brought
 * each next one); the READY after a STEP_RETRY_SCHEDULED at or after its `retryAt`; a delayed
 * step's first READY at least `delayMs` after the last start of its dependencies (the success
 * that made it due came after that start).
 */
async function expectTimersFiredOnce(rows: Rows, steps: { planId: string; key: string; attempts: number; delayMs: number | null; dependsOn: unknown }[]): Promise<TimerFigures> {
  expect((await rows<{ n: number }>("SELECT COUNT(*) AS n FROM timers"))[0]!.n).toBe(0);
  type Row = { kind: string; planId: string; stepKey: string | null; payload: unknown; at: number };
  const log = await rows<Row>(
    `SELECT kind, plan_id AS "planId", step_key AS "stepKey", payload, at FROM signals
     WHERE kind IN ('PLAN_CREATED', 'PLAN_STARTED', 'STEP_READY', 'STEP_RETRY_SCHEDULED', 'STEP_STARTED', 'STEP_SUCCEEDED') ORDER BY sequence`,
  );
  const of = new Map<string, Row[]>(); // by plan/step and kind
  for (const s of log) {
    const k = `${s.planId}/${s.stepKey ?? ""}/${s.kind}`;
    of.set(k, [...(of.get(k) ?? []), s]);
  }
  const signals = (planId: string, stepKey: string, kind: string): Row[] => of.get(`${planId}/${stepKey}/${kind}`) ?? [];
  const wrong: string[] = [];
  const figures: TimerFigures = { fired: 0, maxLateMs: 0, latest: "" };
  const late = (what: string, ms: number, due: number): void => {
    if (ms > figures.maxLateMs) Object.assign(figures, { maxLateMs: ms, latest: `${what}, due at ${new Date(due).toISOString()}` });
  };
  const fired = (what: string, at: number | undefined, due: number): void => {
    figures.fired++;
    if (at === undefined) wrong.push(`${what}: due at ${due}, never fired`);
    else if (at < due) wrong.push(`${what}: due at ${due}, fired ${due - at} ms early`);
    else late(what, at - due, due);
  };

  for (const created of log.filter((s) => s.kind === "PLAN_CREATED")) {
    const starts = signals(created.planId, "", "PLAN_STARTED");
    if (starts.length !== 1) wrong.push(`${created.planId}: started ${starts.length} times`);
    const startsAt = json<{ startsAt?: number }>(created.payload).startsAt;
    if (startsAt !== undefined) fired(`${created.planId}: the start`, starts[0]?.at, startsAt);
  }
  for (const s of steps) {
    const ready = signals(s.planId, s.key, "STEP_READY");
    const readyFor = (attempt: number): Row | undefined => ready.find((r) => json<{ attempt: number }>(r.payload).attempt === attempt);
    const numbers = ready.map((r) => json<{ attempt: number }>(r.payload).attempt);
    if (numbers.join() !== oneTo(s.attempts).join()) wrong.push(`${s.planId}/${s.key}: READY for attempts ${numbers} (${s.attempts} made)`);
    for (const r of signals(s.planId, s.key, "STEP_RETRY_SCHEDULED")) {
      const { attempt, retryAt } = json<{ attempt: number; retryAt: number }>(r.payload);
      fired(`${s.planId}/${s.key}: the retry of attempt ${attempt}`, readyFor(attempt + 1)?.at, retryAt);
    }
    if (s.delayMs !== null) {
      figures.fired++;
      const deps = json<string[]>(s.dependsOn);
      const last = (kind: string, pick: (list: Row[]) => Row | undefined): number => Math.max(...deps.map((d) => pick(signals(s.planId, d, kind))?.at ?? Infinity));
      const first = readyFor(1)?.at ?? -Infinity;
      const earliest = last("STEP_STARTED", (l) => l.at(-1)) + s.delayMs;
      if (first < earliest) wrong.push(`${s.planId}/${s.key}: READY ${earliest - first} ms before its delay of ${s.delayMs} ms ran out`);
      // How late: from the success that made it due (the timer was set a few ms before that signal).
      else {
        const due = last("STEP_SUCCEEDED", (l) => l[0]) + s.delayMs;
        late(`${s.planId}/${s.key}: the delay`, first - due, due);
      }
    }
  }
  expect(wrong).toEqual([]);
  return figures;
}

/**
 * The database after the run: every plan of `plans` (and no other) COMPLETED, `steps` steps each
 * SUCCEEDED once in state (one SUCCEEDED attempt, run by an agent unless built in, attempts 1..n all recorded,
 * its output written once), no RUNNING attempt or lease, no timer, the signal log 1..lastSeq
 * with one STEP_SUCCEEDED per step and one PLAN_COMPLETED per plan.
 */
export async function expectNothingLost(rows: Rows, o: { plans: Set<string>; steps: number; executed: Set<string>; lastSeq: number }): Promise<void> {
  const plans = await rows<{ id: string; state: string; running: number }>(`SELECT id, state, running_count AS running FROM plans`);
  expect(plans.map((p) => p.id).sort()).toEqual([...o.plans].sort());
  expect(plans.filter((p) => p.state !== "COMPLETED" || p.running !== 0)).toEqual([]);
  const steps = await rows<{ planId: string; key: string; role: string; state: string; attempts: number; leaseId: string | null }>(
    `SELECT plan_id AS "planId", key, role, state, attempts, lease_id AS "leaseId" FROM steps`,
  );
  expect(steps.length).toBe(o.steps);
  expect(steps.filter((s) => s.state !== "SUCCEEDED" || s.leaseId !== null)).toEqual([]);
  const attempts = await rows<{ id: string; k: string; attempt: number; outcome: string }>(`SELECT id, plan_id || '/' || step_key AS k, attempt, outcome FROM attempts ORDER BY plan_id, step_key, attempt`);
  const wrong: string[] = [];
  for (const s of steps) {
    const list = attempts.filter((a) => a.k === `${s.planId}/${s.key}`);
    const ok = list.filter((a) => a.outcome === "SUCCEEDED");
    if (list.map((a) => a.attempt).join() !== Array.from({ length: s.attempts }, (_, i) => i + 1).join()) wrong.push(`${s.planId}/${s.key}: attempts ${list.map((a) => a.attempt).join()} of ${s.attempts}`);
    if (ok.length !== 1) wrong.push(`${s.planId}/${s.key}: ${ok.length} SUCCEEDED attempts`);
    else if (!s.role.startsWith("builtin.") && !o.executed.has(ok[0]!.id)) wrong.push(`${s.planId}/${s.key}: succeeded under ${ok[0]!.id}, which no agent ran`);
  }
  expect(wrong).toEqual([]);
  expect(attempts.filter((a) => a.outcome === "RUNNING")).toEqual([]);
  const outputs = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM context_entries WHERE key LIKE 'steps.%.output' GROUP BY plan_id, key");
  expect([outputs.length, outputs.every((x) => x.n === 1)]).toEqual([o.steps, true]);
  expect((await rows<{ n: number }>("SELECT COUNT(*) AS n FROM timers"))[0]!.n).toBe(0);
  const [log] = await rows<{ n: number; lo: number; hi: number }>("SELECT COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi FROM signals");
  expect(log).toEqual({ n: o.lastSeq, lo: 1, hi: o.lastSeq });
  const once = async (kind: string) => (await rows<{ n: number }>("SELECT COUNT(*) AS n FROM signals WHERE kind = ? GROUP BY plan_id, step_key", kind)).map((x) => x.n);
  expect(await once("STEP_SUCCEEDED")).toEqual(steps.map(() => 1));
  expect(await once("PLAN_COMPLETED")).toEqual(plans.map(() => 1));
}
