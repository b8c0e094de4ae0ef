/**
 * Draining one of three gateway processes (`baton serve`) on one schema while the others carry
 * on. Real agent processes (test/e2e/fixtures/chaos-agent.mjs) are given every URL, two of them
 * the drained gateway's first; a subscriber follows the signal log on it. Mid-run, SIGTERM:
 * the gateway exits 0, the subscriber's socket is closed with 1001 (it resubscribes on another
 * gateway after the last sequence it saw), the agents that were on it carry on through the
 * others, and every plan completes there. Then nothing was lost or done twice: every plan
 * COMPLETED, every step SUCCEEDED once (one SUCCEEDED attempt, run by an agent; attempts 1..n
 * all recorded), no RUNNING attempt, no timer left, the signal log 1..N with no gap or duplicate
 * as the subscriber saw it. Waits are on conditions, never fixed sleeps. Needs the build.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createClient, CreatePlanDocument, isBatonClientError, isConnectionLoss } from "../../src/client/index.js";
import { expectNothingLost, fiveStepPlan, SIGNALS, until } from "../helpers/chaos.js";
import { sqlRows, testDatabase } from "../helpers/database.js";
import { startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

const AGENT_SCRIPT = fileURLToPath(new URL("../e2e/fixtures/chaos-agent.mjs", import.meta.url));
const ROLE = "drain.work";
const PLANS = 18;
const STEPS = 5;
const POLICY = { maxParallel: 3, heartbeatTimeoutMs: 1_500, retry: { maxAttempts: 100, initialIntervalMs: 300, backoffCoefficient: 1, maxIntervalMs: 300 } };




describe("draining one gateway while two others carry on", () => {
  it("SIGTERM: it exits 0, closes its WebSockets with 1001, its agents move on and every plan completes on the others, each step once", { timeout: 90_000 }, async () => {
    const db = testDatabase();
    const reader = await db.open(); // migrates the schema before the gateways start
    const rows = <T>(sql: string, ...args: unknown[]): Promise<T[]> => sqlRows<T>(reader, sql, ...args);
    const servers: ServerProcess[] = [];
    const agents: { name: string; child: ChildProcess; exited: Promise<unknown>; starts: number; startsAfterExit: number }[] = [];
    const executed = new Set<string>();
    const expected = new Set<string>();
    const completed = new Set<string>();
    const seqProblems: string[] = [];
    /** How each of the subscriber's subscriptions ended: the close code, or the error's code. */
    const ends: (number | string)[] = [];
    const stats = { dones: 0, donesAfterExit: 0, completedAtDrain: 0, ms: {} as Record<string, number> };
    const t0 = Date.now();
    const mark = (what: string): void => void (stats.ms[what] = Date.now() - t0);
    let drainedExit = false;
    let lastSeq = 0;
    let finishing = false;
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => undefined); // raced below
    const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failed]);
    let follow: Promise<void> = Promise.resolve();
    let stopFollowing = (): Promise<void> => Promise.resolve();
    try {
      const env = { BATON_DB: tempDb(), ...db.env, BATON_DATABASE_POOL: "4", BATON_LOG_LEVEL: "error" };
      servers.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(env)))));
      const [a, b, c] = servers.map((s) => s.url) as [string, string, string];
      const drained = servers[2]!;
      mark("gateways");

      // The subscriber starts on the gateway to be drained; a lost connection moves it to the next
      // URL, where it resubscribes after the last sequence it saw.
      const sub = createClient({ url: [c, a] });
      stopFollowing = async () => {
        finishing = true;
        await sub.close();
        await follow;
      };
      follow = (async () => {
        while (!finishing) {
          try {
            for await (const { signals: s } of sub.subscribe(SIGNALS, { after: lastSeq })) {
              if (s.sequence !== lastSeq + 1) seqProblems.push(`after ${lastSeq} came ${s.sequence}`);
              lastSeq = Math.max(lastSeq, s.sequence);
              if (s.kind === "PLAN_FAILED") fail(new Error(`plan ${s.planId} FAILED`));
              if (s.kind === "PLAN_COMPLETED") completed.add(s.planId!);
            }
            if (!finishing) fail(new Error("the subscription ended without an error"));
          } catch (e) {
            if (finishing) break;
            if (!isConnectionLoss(e)) throw e;
            const code = (e as { cause?: { code?: unknown } }).cause?.code;
            ends.push(typeof code === "number" ? code : (e as { code: string }).code);
          }
        }
      })().catch(fail);

      for (const [i, urls] of [[c, a, b], [c, b, a], [a, b, c]].entries()) {
        const name = `drain-${i}`;
        const child = spawn(process.execPath, [AGENT_SCRIPT, urls.join(","), ROLE, name, "4", "1000"], { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
        const agent = { name, child, exited: new Promise((resolve) => child.once("close", resolve)), starts: 0, startsAfterExit: 0 };
        void agent.exited.then((code) => finishing || fail(new Error(`agent ${name} exited on its own (${String(code)}): ${stderr}`)));
        createInterface({ input: child.stdout! }).on("line", (line) => {
          const [what, leaseId] = line.split(" ");
          if (what === "start") {
            agent.starts++;
            if (drainedExit) agent.startsAfterExit++;
          } else if (what === "done") {
            executed.add(leaseId!);
            stats.dones++;
            if (drainedExit) stats.donesAfterExit++;
          }
        });
        agents.push(agent);
      }
      const plain = [a, b, c].map((url) => createClient({ url })); // HTTP only: nothing to close
      const made = await Promise.all(Array.from({ length: PLANS }, (_, i) => plain[i % 3]!.request(CreatePlanDocument, { input: fiveStepPlan(i, "drain", POLICY, ROLE) })));
      for (const m of made) expected.add(m.createPlan.id);
      mark("plans");

      // ---- mid-run, once both agents that start on it have worked through it: SIGTERM
      await race(until(() => stats.dones >= PLANS * STEPS * 0.4 && agents[0]!.starts > 0 && agents[1]!.starts > 0, "40% of the steps done, and steps on both agents that start on the gateway to drain"));
      stats.completedAtDrain = completed.size;
      mark("SIGTERM");
      drained.child.kill("SIGTERM");
      expect(await race(drained.exited)).toEqual({ code: 0, signal: null });
      drainedExit = true;
      mark("exited");
      expect(drained.stderr()).not.toMatch(/drain took too long|error while draining/);
      await race(until(() => ends.length > 0, "the subscriber's socket on the drained gateway to close"));
      expect(ends[0]).toBe(1001);

      // ---- the others carry on: the agents that were on it claim there, every plan completes
      await race(until(() => [...expected].every((id) => completed.has(id)), `every plan to complete on the others (${completed.size}/${expected.size})`, 40_000, 20));
      mark("completed");
      await race(until(async () => lastSeq === (await rows<{ h: number }>("SELECT MAX(sequence) AS h FROM signals"))[0]!.h, "the subscriber to catch up"));
      expect(sub.url).toBe(a);
      expect(stats.completedAtDrain).toBeLessThan(PLANS);
      expect(agents.map((ag) => ag.startsAfterExit > 0)).toEqual([true, true, true]);
      await stopFollowing();

      finishing = true;
      for (const ag of agents) ag.child.kill("SIGTERM");
      await Promise.all(agents.map((ag) => ag.exited));
      for (const s of servers.slice(0, 2)) s.child.kill("SIGTERM");
      for (const s of servers.slice(0, 2)) expect(await s.exited).toEqual({ code: 0, signal: null });
    } finally {
      finishing = true;
      await stopFollowing().catch(() => undefined);
      for (const ag of agents) ag.child.kill("SIGKILL");
      for (const s of servers) if (s.child.exitCode === null) s.child.kill("SIGKILL");
    }

    try {
      expect(seqProblems).toEqual([]);
      expect(ends).toEqual([1001]); // only the drain ended a subscription
      await expectNothingLost(rows, { plans: expected, steps: PLANS * STEPS, executed, lastSeq });
    } finally {
      await reader.close();
      await db.drop();
    }
    console.log(`drain: ${JSON.stringify({ ...stats, starts: agents.map((ag) => [ag.starts, ag.startsAfterExit]), signals: lastSeq })}`);
  });
});
