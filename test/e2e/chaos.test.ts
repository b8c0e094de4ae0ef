/**
 * Chaos: a real gateway process (`baton serve`) on a file database, real agent processes
 * (test/e2e/fixtures/chaos-agent.mjs, the compiled SDK), 50 plans × 20 steps.
 *
 * - The gateway is SIGKILLed SERVER_KILLS times and restarted on the same port and file. The
 *   moments come from a seeded generator (CHAOS_SEED replays another schedule) and are driven
 *   by progress: "after N more handlers finished", so the kills land while plans run; once, the
 *   restarted gateway is killed again right after it listens, while it applies what fell due.
 * - Agents are SIGKILLed mid-step: AGENT_KILLS times when a handler starts, and on every `hang`
 *   step's first attempt (it can end no other way). Each killed agent is replaced at once.
 * - Timers: each plan has delayed steps (delayMs), a step whose first attempt fails (a retry
 *   backoff), and some plans start late (createPlan delayMs). Before each kill a "canary" plan is
 *   created that starts CANARY_DELAY_MS later, and the gateway stays down until it is due: at
 *   least one timer falls due in every downtime. Every timer pending at a kill and due before the
 *   restart must have fired after it.
 * - A subscription follows the whole signal log across the restarts, resuming each time from
 *   the last sequence it saw: it must see 1, 2, 3, … with no gap and no duplicate.
 * At the end (the last gateway stopped with SIGTERM) the SQLite file is read directly: every
 * plan COMPLETED, every step SUCCEEDED once (one STEP_SUCCEEDED, one SUCCEEDED attempt, the
 * attempts 1..n all recorded, every success executed by an agent), the signal log 1..N, no
 * RUNNING attempt, no timer left.
 * Nothing sleeps for a fixed time: waits are on process output, signals or database conditions.
 * Needs `npm run build` (the gateway and the agents run dist/).
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createClient, CreatePlanDocument, isBatonClientError, type CreatePlanInput, type PolicyInput, type StepInput } from "../../src/client/index.js";
import { freePort, startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

const AGENT_SCRIPT = fileURLToPath(new URL("./fixtures/chaos-agent.mjs", import.meta.url));
const SEED = Number(process.env["CHAOS_SEED"] ?? 20_260_101);
const ROLE = "chaos.work";
const PLANS = 50;
const WAVES = 5; // × WIDTH = 20 steps per plan
const WIDTH = 4;
const CANARY_KILLS = 6; // progress-driven kills, each with a canary timer; one more kill during a recovery
const SERVER_KILLS = CANARY_KILLS + 1;
const AGENT_KILLS = 5; // at handler starts, besides the hang steps
const AGENTS = 3;
const CONCURRENCY = 6;
const CANARY_DELAY_MS = 300;
/** Short leases, so that work lost with a killed agent or gateway is handed out again soon. Many attempts: each kill may cost a step one. */
const POLICY: PolicyInput = {
  maxParallel: 4,
  heartbeatTimeoutMs: 1_000,
  retry: { maxAttempts: 100, initialIntervalMs: 400, backoffCoefficient: 1, maxIntervalMs: 400 },
};

/** mulberry32: a small seeded generator, so that a schedule can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const between = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

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

/** Polls a condition every few ms (a busy loop would take the CPU the gateway and agents need). */
async function until<T>(fn: () => T | null | undefined | false, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reads the database file directly, read-only (also while a gateway runs on it, or after one was killed). */
function readDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

interface AgentProc {
  name: string;
  child: ChildProcess;
  killed: boolean;
  exited: Promise<unknown>;
}
interface TimerRow {
  planId: string;
  stepKey: string;
  kind: string;
  dueAt: number;
}
/** A timer pending when the gateway was killed and due before it was restarted. */
interface DowntimeTimer extends TimerRow {
  head: number;
  restartAt: number;
}
type Signal = { sequence: number; kind: string; planId: string | null };
const SIGNALS = parse(`subscription Follow($after: Int) { signals(afterSequence: $after) { sequence kind planId } }`) as TypedDocumentNode<{ signals: Signal }, { after: number }>;

describe("chaos: gateway and agents SIGKILLed while 50 plans × 20 steps run", () => {
  it("completes every plan, every step exactly once in state, with a gapless signal log, no dangling lease and every timer fired", { timeout: 180_000 }, async () => {
    // One stream per use, so that the n-th kill comes at the same point whatever the timing.
    const [forPlans, forServer, forAgents] = [random(SEED), random(SEED + 1), random(SEED + 2)];
    const db = tempDb();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const env = { BATON_AUTH: "off", BATON_PORT: String(port), BATON_DB: db, BATON_LOG_LEVEL: "error" };
    const client = createClient({ url });
    const agents = new Set<AgentProc>();
    const stats = { serverKills: 0, canaries: 0, agentKills: 0, hangKills: 0, starts: 0, dones: 0, overdueAtRecoveryKill: -1, restartMs: [] as number[] };
    const killInRecoveryAt = between(forServer, 1, CANARY_KILLS); // which crash is followed by a second kill during the recovery
    const executed = new Set<string>(); // leases whose handler returned
    const hung = new Set<string>(); // leases of hang steps (their agent was killed)
    const downtime: DowntimeTimer[] = [];
    const expected = new Set<string>(); // plans that must complete (workload and canaries)
    const completed = new Set<string>();
    const seqProblems: string[] = [];
    let server: ServerProcess | null = null;
    let lastSeq = 0;
    let follower: Promise<void> = Promise.resolve();
    let chaos: Promise<void> = Promise.resolve(); // the kill-and-restart in progress, if any
    let crashing = false;
    let finishing = false; // the agents and the gateway are being stopped
    let nextServerKill = 0; // in handler completions ("done" lines)
    let nextAgentKill = 0; // in handler starts
    let agentNo = 0;
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => undefined); // handled where it is raced
    let allDone!: () => void;
    const done = new Promise<void>((resolve) => (allDone = resolve));
    const checkDone = (): void => {
      if (expected.size >= PLANS && [...expected].every((id) => completed.has(id))) allDone();
    };

    /** The gateway on the fixed port; a port taken meanwhile (EADDRINUSE) is retried. */
    const startServer = async (): Promise<ServerProcess> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await startServerProcess(env);
        } catch (e) {
          if (attempt >= 5 || !/EADDRINUSE/.test(String(e))) throw e;
        }
      }
    };

    /** Follows the signal log from the last sequence seen until the gateway goes away. */
    const follow = (): void => {
      follower = (async () => {
        const c = createClient({ url });
        try {
          for await (const { signals: s } of c.subscribe(SIGNALS, { after: lastSeq })) {
            if (s.sequence !== lastSeq + 1) seqProblems.push(`after ${lastSeq} came ${s.sequence}`);
            lastSeq = Math.max(lastSeq, s.sequence);
            if (s.kind === "PLAN_FAILED") fail(new Error(`plan ${s.planId} FAILED`));
            if (s.kind === "PLAN_COMPLETED") {
              completed.add(s.planId!);
              checkDone();
            }
          }
        } catch (e) {
          if (!isBatonClientError(e, "CONNECTION_CLOSED", "NETWORK_ERROR")) fail(e);
        } finally {
          await c.close();
        }
      })();
    };

    const startAgent = (): void => {
      const name = `chaos-${++agentNo}`;
      const child = spawn(process.execPath, [AGENT_SCRIPT, url, ROLE, name, String(CONCURRENCY)], { stdio: ["ignore", "pipe", "pipe"] });
      const a: AgentProc = { name, child, killed: false, exited: new Promise((resolve) => child.once("close", resolve)) }; // after its last line was read
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
      agents.add(a);
      void a.exited.then((code) => {
        agents.delete(a);
        if (!a.killed && !finishing) fail(new Error(`agent ${name} exited on its own (${String(code)}): the SDK did not survive the chaos${stderr ? `; its stderr ended with:\n${stderr}` : ""}`));
      });
      createInterface({ input: child.stdout! }).on("line", (line) => onAgentLine(a, line));
    };
    const killAgent = (a: AgentProc): void => {
      a.killed = true;
      a.child.kill("SIGKILL");
      startAgent();
    };

    /** What agents say drives the chaos: kills at handler starts, hangs and completions. */
    const onAgentLine = (a: AgentProc, line: string): void => {
      const [what, leaseId] = line.split(" ");
      if (what === "start" && ++stats.starts >= nextAgentKill && !a.killed && stats.agentKills < AGENT_KILLS) {
        stats.agentKills++;
        nextAgentKill = stats.starts + between(forAgents, 40, 160);
        killAgent(a); // mid-step: its handler works for a few ms more
      } else if (what === "hang") {
        hung.add(leaseId!);
        if (!a.killed) {
          stats.hangKills++;
          killAgent(a);
        }
      } else if (what === "done") {
        executed.add(leaseId!);
        if (++stats.dones >= nextServerKill && !crashing && stats.canaries < CANARY_KILLS) {
          crashing = true;
          chaos = crashAndRestart().catch(fail);
        }
      }
    };

    /** SIGKILL; what the database holds then: the log's head and the timers pending. */
    const kill = async (): Promise<{ head: number; timers: TimerRow[]; overdue: number }> => {
      server!.child.kill("SIGKILL");
      await server!.exited;
      stats.serverKills++;
      const now = Date.now();
      return readDb(db, (d) => ({
        head: (d.prepare("SELECT COALESCE(MAX(sequence), 0) AS h FROM signals").get() as { h: number }).h,
        timers: d.prepare("SELECT plan_id AS planId, step_key AS stepKey, kind, due_at AS dueAt FROM timers WHERE kind <> 'STEP_TIMEOUT' AND remaining_ms IS NULL").all() as TimerRow[],
        // Expired leases and due timers not applied yet (for the kill during a recovery: what it cut short).
        overdue: (d.prepare("SELECT (SELECT COUNT(*) FROM attempts WHERE outcome = 'RUNNING' AND expires_at < ?) + (SELECT COUNT(*) FROM timers WHERE due_at < ?) AS n").get(now, now) as { n: number }).n,
      }));
    };
    /** Restarts on the same file and port; the timers pending at the kill and due by now must fire after this. */
    const restart = async ({ head, timers }: { head: number; timers: TimerRow[] }): Promise<void> => {
      const restartAt = Date.now();
      for (const t of timers) if (t.dueAt < restartAt) downtime.push({ ...t, head, restartAt });
      server = await startServer();
      stats.restartMs.push(Date.now() - restartAt);
    };

    /**
     * A canary timer, SIGKILL, stay down until the canary is due, restart. Once (seeded), the
     * restarted gateway is killed again as soon as it says it listens: while it applies the
     * leases and timers that fell due in the downtime.
     */
    const crashAndRestart = async (): Promise<void> => {
      const n = ++stats.canaries;
      const input: CreatePlanInput = { name: `canary ${n}`, idempotencyKey: `canary-${n}`, delayMs: CANARY_DELAY_MS, policy: POLICY, steps: [{ key: "c", role: ROLE, input: { workMs: 1 } }] };
      let canary: string | null = null;
      for (let attempt = 1; canary === null; attempt++) {
        try {
          canary = (await client.request(CreatePlanDocument, { input })).createPlan.id;
        } catch (e) {
          // A pooled connection may be one the previous gateway took with it: try again (idempotent).
          if (attempt >= 5 || !isBatonClientError(e, "NETWORK_ERROR")) throw e;
        }
      }
      expected.add(canary);
      const atKill = await kill();
      const due = atKill.timers.find((t) => t.planId === canary && t.kind === "PLAN_START");
      if (!due) throw new Error(`the canary's start timer is not in the database after the kill: ${JSON.stringify(atKill.timers)}`);
      await until(() => Date.now() > due.dueAt, "the canary's timer to fall due");
      await follower; // the old subscription has seen its connection close
      await restart(atKill);
      if (n === killInRecoveryAt) {
        const cut = await kill();
        stats.overdueAtRecoveryKill = cut.overdue;
        await restart(cut);
      }
      follow();
      nextServerKill = stats.dones + between(forServer, 60, 130);
      crashing = false;
    };

    try {
      server = await startServer();
      follow();
      // Every plan exists before any agent runs (no kill can hit a createPlan of the workload).
      for (let i = 0; i < PLANS; i++) expected.add((await client.request(CreatePlanDocument, { input: planInput(i, forPlans) })).createPlan.id);
      nextServerKill = between(forServer, 40, 130);
      nextAgentKill = between(forAgents, 20, 120);
      for (let i = 0; i < AGENTS; i++) startAgent();

      const deadline = setTimeout(() => fail(new Error(`not done in time: ${completed.size}/${expected.size} plans completed, ${JSON.stringify(stats)}`)), 150_000);
      await Promise.race([done, failed]);
      clearTimeout(deadline);
      await Promise.race([chaos, failed]);
      await until(() => lastSeq === readDb(db, (d) => (d.prepare("SELECT MAX(sequence) AS h FROM signals").get() as { h: number }).h), "the subscription to catch up");

      // Graceful ends: agents drain (idle now), the gateway drains and exits 0.
      finishing = true;
      for (const a of agents) a.child.kill("SIGTERM");
      await Promise.all([...agents].map((a) => a.exited));
      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      await follower;
    } finally {
      finishing = true;
      for (const a of agents) a.child.kill("SIGKILL");
      if (server?.child.exitCode === null) server.child.kill("SIGKILL");
      await client.close();
    }

    // ---- the chaos happened as planned
    expect(stats.serverKills).toBe(SERVER_KILLS);
    expect(stats.agentKills).toBe(AGENT_KILLS);
    expect(stats.hangKills).toBeGreaterThan(0);
    expect(seqProblems).toEqual([]);

    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const all = <T>(sql: string, ...args: unknown[]): T[] => d.prepare(sql).all(...args) as T[];
      const one = <T>(sql: string, ...args: unknown[]): T => d.prepare(sql).get(...args) as T;

      // ---- every plan COMPLETED, every step SUCCEEDED in its first visit, no lease held
      const plans = all<{ id: string; state: string }>("SELECT id, state FROM plans");
      expect(plans.map((p) => p.id).sort()).toEqual([...expected].sort());
      expect(plans.length).toBe(PLANS + CANARY_KILLS);
      expect(plans.filter((p) => p.state !== "COMPLETED")).toEqual([]);
      type StepRow = { planId: string; key: string; state: string; attempts: number; visits: number; leaseId: string | null };
      const steps = all<StepRow>("SELECT plan_id AS planId, key, state, attempts, visits, lease_id AS leaseId FROM steps");
      expect(steps.length).toBe(PLANS * WAVES * WIDTH + CANARY_KILLS);
      expect(steps.filter((s) => s.state !== "SUCCEEDED" || s.visits !== 1 || s.leaseId !== null)).toEqual([]);
      expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM plans WHERE running_count <> 0").n).toBe(0); // the denormalised count of leases
      // Each output was written to the plan's context once (the success was applied once).
      const outputs = all<{ n: number }>("SELECT COUNT(*) AS n FROM context_entries WHERE key LIKE 'steps.%.output' GROUP BY plan_id, key");
      expect([outputs.length, outputs.every((o) => o.n === 1)]).toEqual([steps.length, true]);

      // ---- attempts: 1..n all recorded, exactly one SUCCEEDED (and executed by an agent), none RUNNING
      type AttemptRow = { id: string; planId: string; stepKey: string; attempt: number; outcome: string };
      const attempts = all<AttemptRow>("SELECT id, plan_id AS planId, step_key AS stepKey, attempt, outcome FROM attempts ORDER BY plan_id, step_key, attempt");
      const byStep = new Map<string, AttemptRow[]>();
      for (const a of attempts) byStep.set(`${a.planId}/${a.stepKey}`, [...(byStep.get(`${a.planId}/${a.stepKey}`) ?? []), a]);
      const wrong: string[] = [];
      for (const s of steps) {
        const list = byStep.get(`${s.planId}/${s.key}`) ?? [];
        const ok = list.filter((a) => a.outcome === "SUCCEEDED");
        if (list.map((a) => a.attempt).join() !== Array.from({ length: s.attempts }, (_, i) => i + 1).join()) wrong.push(`${s.planId}/${s.key}: attempts ${list.map((a) => a.attempt)} for ${s.attempts}`);
        if (ok.length !== 1) wrong.push(`${s.planId}/${s.key}: ${ok.length} SUCCEEDED attempts`);
        else if (!executed.has(ok[0]!.id)) wrong.push(`${s.planId}/${s.key}: succeeded under ${ok[0]!.id}, which no agent ran`);
      }
      expect(wrong).toEqual([]);
      expect(attempts.filter((a) => a.outcome === "RUNNING")).toEqual([]);
      const leaseIds = new Set(attempts.map((a) => a.id));
      expect([...executed].filter((id) => !leaseIds.has(id))).toEqual([]); // every execution is a recorded attempt
      expect(attempts.filter((a) => hung.has(a.id) && a.outcome !== "LOST")).toEqual([]); // killed mid-step: lost, then redone
      const outcomes = Object.fromEntries(all<{ outcome: string; n: number }>("SELECT outcome, COUNT(*) AS n FROM attempts GROUP BY outcome").map((o) => [o.outcome, o.n]));
      expect(outcomes["LOST"]).toBeGreaterThanOrEqual(stats.hangKills);
      expect(outcomes["FAILED"]).toBeGreaterThan(PLANS / 2); // the failFirst steps (unless their attempt 1 was lost)

      // ---- the signal log: 1..N, each step succeeded once, each attempt started once, each plan completed once
      const log = one<{ n: number; lo: number; hi: number }>("SELECT COUNT(*) AS n, MIN(sequence) AS lo, MAX(sequence) AS hi FROM signals");
      expect(log).toEqual({ n: log.hi, lo: 1, hi: lastSeq });
      const count = (kind: string) => new Map(all<{ k: string; n: number }>("SELECT plan_id || '/' || COALESCE(step_key, '') AS k, COUNT(*) AS n FROM signals WHERE kind = ? GROUP BY k", kind).map((x) => [x.k, x.n]));
      const succeeded = count("STEP_SUCCEEDED");
      const started = count("STEP_STARTED");
      expect(succeeded.size).toBe(steps.length);
      expect([...succeeded.values()].every((n) => n === 1)).toBe(true);
      expect(steps.filter((s) => started.get(`${s.planId}/${s.key}`) !== s.attempts)).toEqual([]);
      expect([...count("PLAN_COMPLETED").values()]).toEqual(plans.map(() => 1));

      // ---- timers: none left; every one due during a downtime fired after the restart
      expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM timers").n).toBe(0);
      expect(downtime.length).toBeGreaterThanOrEqual(CANARY_KILLS);
      const firstAfter = d.prepare("SELECT kind, at FROM signals WHERE sequence > ? AND plan_id = ? AND COALESCE(step_key, '') = ? ORDER BY sequence LIMIT 1");
      const late = downtime.filter((t) => {
        const s = firstAfter.get(t.head, t.planId, t.stepKey) as { kind: string; at: number } | undefined;
        const fired = t.kind === "PLAN_START" ? "PLAN_STARTED" : "STEP_READY";
        return !s || s.kind !== fired || s.at < t.restartAt;
      });
      expect(late).toEqual([]);
    } finally {
      d.close();
      rmSync(dirname(db), { recursive: true, force: true });
    }
    console.log(`chaos seed ${SEED}: ${JSON.stringify({ ...stats, downtimeTimers: downtime.length, signals: lastSeq })}`);
  });
});
