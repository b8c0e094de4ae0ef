/**
 * Chaos: a real gateway process (`baton serve`) on the test's database (a SQLite file, or on the
 * PostgreSQL tier a schema), real agent processes
 * (test/e2e/fixtures/chaos-agent.mjs, the compiled SDK), 50 plans × 20 steps.
 *
 * - The gateway is SIGKILLed SERVER_KILLS times and restarted on the same port and database. The
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
 * At the end (the last gateway stopped with SIGTERM) the database is read directly: every
 * plan COMPLETED, every step SUCCEEDED once (one STEP_SUCCEEDED, one SUCCEEDED attempt, the
 * attempts 1..n all recorded, every success executed by an agent), the signal log 1..N, no
 * RUNNING attempt, no timer left and each fired once, not before it was due (the checks, the
 * workload and the agents are test/helpers/chaos.ts, shared with the test of three gateways on
 * one database, test/postgres/chaos-gateways.test.ts).
 * Nothing sleeps for a fixed time: waits are on process output, signals or database conditions.
 * Needs `npm run build` (the gateway and the agents run dist/).
 */
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { createClient, CreatePlanDocument, isBatonClientError, type CreatePlanInput } from "../../src/client/index.js";
import { between, ChaosAgents, ChaosLog, createWorkload, expectChaosSurvived, logHead, PLANS, POLICY, random, reader, ROLE, SEED, SETTLE_MS, startGateway, STEPS_PER_PLAN, TEST_TIMEOUT_MS, until, type Rows } from "../helpers/chaos.js";
import { gatewayDatabase } from "../helpers/database.js";
import { freePort, tempDb, type ServerProcess } from "../helpers/process.js";

const CANARY_KILLS = 6; // progress-driven kills, each with a canary timer; one more kill during a recovery
const SERVER_KILLS = CANARY_KILLS + 1;
const AGENT_KILLS = 5; // at handler starts, besides the hang steps
const AGENTS = 3;
const CONCURRENCY = 6;
const CANARY_DELAY_MS = 300;

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

describe("chaos: gateway and agents SIGKILLed while 50 plans × 20 steps run", () => {
  it("completes every plan, every step exactly once in state, with a gapless signal log, no dangling lease and every timer fired", { timeout: TEST_TIMEOUT_MS }, async () => {
    // One stream per use, so that the n-th kill comes at the same point whatever the timing.
    const [forPlans, forServer, forAgents] = [random(SEED), random(SEED + 1), random(SEED + 2)];
    const db = tempDb();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const env = { BATON_AUTH: "off", BATON_PORT: String(port), ...gatewayDatabase(db), BATON_LOG_LEVEL: "error" };
    let rows!: Rows; // once the first gateway made the database
    const client = createClient({ url });
    const log = new ChaosLog(PLANS);
    const stats = { serverKills: 0, canaries: 0, overdueAtRecoveryKill: -1, restartMs: [] as number[] };
    const killInRecoveryAt = between(forServer, 1, CANARY_KILLS); // which crash is followed by a second kill during the recovery
    const downtime: DowntimeTimer[] = [];
    let server: ServerProcess | null = null;
    let follower: Promise<void> = Promise.resolve();
    let chaos: Promise<void> = Promise.resolve(); // the kill-and-restart in progress, if any
    let crashing = false;
    let nextServerKill = 0; // in handler completions ("done" lines)
    const agents = new ChaosAgents({
      url: () => url,
      concurrency: CONCURRENCY,
      kills: AGENT_KILLS,
      random: forAgents,
      fail: log.fail,
      onDone: () => {
        if (agents.stats.dones >= nextServerKill && !crashing && stats.canaries < CANARY_KILLS) {
          crashing = true;
          chaos = crashAndRestart().catch(log.fail);
        }
      },
    });

    /** SIGKILL; what the database holds then: the log's head and the timers pending. */
    const kill = async (): Promise<{ head: number; timers: TimerRow[]; overdue: number }> => {
      server!.child.kill("SIGKILL");
      await server!.exited;
      stats.serverKills++;
      const now = Date.now();
      return {
        head: await logHead(rows),
        timers: await rows<TimerRow>("SELECT plan_id AS \"planId\", step_key AS \"stepKey\", kind, due_at AS \"dueAt\" FROM timers WHERE kind <> 'STEP_TIMEOUT' AND remaining_ms IS NULL"),
        // Expired leases and due timers not applied yet (for the kill during a recovery: what it cut short).
        overdue: (await rows<{ n: number }>("SELECT (SELECT COUNT(*) FROM attempts WHERE outcome = 'RUNNING' AND expires_at < ?) + (SELECT COUNT(*) FROM timers WHERE due_at < ?) AS n", now, now))[0]!.n,
      };
    };
    /** Restarts on the same file and port; the timers pending at the kill and due by now must fire after this. */
    const restart = async ({ head, timers }: { head: number; timers: TimerRow[] }): Promise<void> => {
      const restartAt = Date.now();
      for (const t of timers) if (t.dueAt < restartAt) downtime.push({ ...t, head, restartAt });
      server = await startGateway(env);
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
      log.expected.add(canary);
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
      follower = log.follow(url);
      nextServerKill = agents.stats.dones + between(forServer, 60, 130);
      crashing = false;
    };

    try {
      server = await startGateway(env);
      rows = await reader(db);
      follower = log.follow(url);
      // Every plan exists before any agent runs (no kill can hit a createPlan of the workload).
      for (const id of await createWorkload(client, forPlans)) log.expected.add(id);
      nextServerKill = between(forServer, 40, 130);
      for (let i = 0; i < AGENTS; i++) agents.start();

      await log.settle(rows, SETTLE_MS, () => ({ ...stats, ...agents.stats }));
      await Promise.race([chaos, log.failed]);
      await log.caughtUp(rows);

      // Graceful ends: agents drain (idle now), the gateway drains and exits 0.
      await agents.stop();
      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      await follower;
    } finally {
      agents.killAll();
      if (server?.child.exitCode === null) server.child.kill("SIGKILL");
      await client.close();
    }

    // ---- the chaos happened as planned
    expect(stats.serverKills).toBe(SERVER_KILLS);
    expect(agents.stats.agentKills).toBe(AGENT_KILLS);
    expect(agents.stats.hangKills).toBeGreaterThan(0);
    expect(log.problems).toEqual([]);

    try {
      expect(log.expected.size).toBe(PLANS + CANARY_KILLS);
      const timers = await expectChaosSurvived(rows, { plans: log.expected, steps: PLANS * STEPS_PER_PLAN + CANARY_KILLS, lastSeq: log.lastSeq, agents });

      // ---- every timer due during a downtime fired after the restart
      expect(downtime.length).toBeGreaterThanOrEqual(CANARY_KILLS);
      const firstAfter = async (t: DowntimeTimer) =>
        (await rows<{ kind: string; at: number }>("SELECT kind, at FROM signals WHERE sequence > ? AND plan_id = ? AND COALESCE(step_key, '') = ? ORDER BY sequence LIMIT 1", t.head, t.planId, t.stepKey))[0];
      const late: DowntimeTimer[] = [];
      for (const t of downtime) {
        const s = await firstAfter(t);
        const fired = t.kind === "PLAN_START" ? "PLAN_STARTED" : "STEP_READY";
        if (!s || s.kind !== fired || s.at < t.restartAt) late.push(t);
      }
      expect(late).toEqual([]);
      console.log(`chaos seed ${SEED}: ${JSON.stringify({ ...stats, ...agents.stats, downtimeTimers: downtime.length, timers, signals: log.lastSeq })}`);
    } finally {
      rmSync(dirname(db), { recursive: true, force: true });
    }
  });
});
