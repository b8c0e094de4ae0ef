/**
 * Chaos on several gateways: three real gateway processes (`baton serve`) on one PostgreSQL
 * database (the test's schema), real agent processes (test/e2e/fixtures/chaos-agent.mjs, the
 * compiled SDK) given the three URLs, each list starting at another gateway, 50 plans × 20 steps
 * with delays, retries and late starts (test/helpers/chaos.ts, as the single-gateway test,
 * test/e2e/chaos.test.ts).
 *
 * - A gateway is SIGKILLed GATEWAY_KILLS times and restarted at once on its port. Which one and
 *   when come from a seeded generator (CHAOS_SEED replays another schedule): "after N more
 *   handlers finished", a gateway picked among those up, never the last one up (the kill waits
 *   for another to be back); two may be down at once. Every fourth kill takes the gateway the
 *   subscriber is on, and once a restarted gateway is killed again as soon as it listens.
 * - Agents are SIGKILLed mid-step as in the single-gateway test; they move to the next URL when
 *   their gateway goes away, with their leases (held by them, not by a gateway).
 * - A subscription follows the whole signal log; when its gateway dies it resubscribes on
 *   another one up, from the last sequence it saw: it must see 1, 2, 3, … with no gap and no
 *   duplicate.
 * - Timers: there is always a gateway up, so each must fire once, not before it was due.
 * At the end (every gateway stopped with SIGTERM) the database is read directly, with the checks
 * of the single-gateway test. Nothing sleeps for a fixed time: waits are on process output,
 * signals or database conditions. Needs `npm run build` (the gateways and the agents run dist/).
 */
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { between, ChaosAgents, ChaosLog, createWorkload, expectChaosSurvived, PLANS, random, reader, SEED, SETTLE_MS, startGateway, STEPS_PER_PLAN, TEST_TIMEOUT_MS, until, type Rows } from "../helpers/chaos.js";
import { gatewayDatabase } from "../helpers/database.js";
import { freePort, tempDb, type ServerProcess } from "../helpers/process.js";

const GATEWAYS = 3;
const GATEWAY_KILLS = 10; // at least: the second kill of a gateway that has just restarted may come on top
const AGENT_KILLS = 5; // at handler starts, besides the hang steps
const AGENTS = 3;
const CONCURRENCY = 6;

interface Gateway {
  name: string;
  url: string;
  env: Record<string, string>;
  /** The process while it is up (from its "listening" line to its kill). */
  server: ServerProcess | null;
}

describe("chaos: three gateways on one PostgreSQL database SIGKILLed in turn, and agents mid-step, while 50 plans × 20 steps run", () => {
  it("completes every plan, every step exactly once, with a gapless signal log followed across gateways, no dangling lease and every timer fired once", { timeout: TEST_TIMEOUT_MS }, async () => {
    const [forPlans, forGateways, forAgents] = [random(SEED), random(SEED + 1), random(SEED + 2)];
    const db = tempDb();
    const database = { BATON_AUTH: "off", ...gatewayDatabase(db), BATON_LOG_LEVEL: "error", BATON_DATABASE_POOL: "5" };
    const ports = new Set<number>();
    while (ports.size < GATEWAYS) ports.add(await freePort());
    const gateways: Gateway[] = [...ports].map((port, i) => ({
      name: `g${i + 1}`,
      url: `http://127.0.0.1:${port}/graphql`,
      env: { ...database, BATON_PORT: String(port) },
      server: null,
    }));
    const urls = gateways.map((g) => g.url);
    const client = createClient({ url: urls.join(",") });
    const log = new ChaosLog(PLANS);
    const stats = { gatewayKills: 0, recoveryKills: 0, followerKills: 0, mostDown: 0, restartMs: [] as number[] };
    let recoveryKill = between(forGateways, 2, GATEWAY_KILLS - 2); // from which kill on a restarted gateway is killed again as it listens (once)
    const restarts = new Set<Promise<void>>();
    let rows!: Rows; // once the first gateway made the database
    let following: Gateway | null = null; // the subscriber's gateway
    let nextKill = 0; // in handler completions ("done" lines)
    let finishing = false;

    const up = (): Gateway[] => gateways.filter((g) => g.server !== null);
    const agents = new ChaosAgents({
      // Agent n starts on gateway n mod 3 and moves on to the next when it loses it.
      url: (n) => [...urls.slice(n % GATEWAYS), ...urls.slice(0, n % GATEWAYS)].join(","),
      concurrency: CONCURRENCY,
      kills: AGENT_KILLS,
      random: forAgents,
      fail: log.fail,
      onDone: () => {
        if (agents.stats.dones < nextKill || stats.gatewayKills >= GATEWAY_KILLS || finishing) return;
        const live = up();
        if (live.length < 2) return; // never the last one up: again at the next completion
        const n = stats.gatewayKills + 1;
        const target = n % 4 === 0 && following?.server ? following : live[Math.floor(forGateways() * live.length)]!;
        nextKill = agents.stats.dones + between(forGateways, 40, 90);
        kill(target);
      },
    });

    /** SIGKILL, then at once a new process on the same port (once, that one is SIGKILLed again as soon as it listens). */
    const kill = (g: Gateway): void => {
      const server = g.server!;
      g.server = null; // down from now on: no other kill counts on it
      stats.gatewayKills++;
      if (g === following) stats.followerKills++;
      stats.mostDown = Math.max(stats.mostDown, GATEWAYS - up().length);
      server.child.kill("SIGKILL");
      const restart = (async () => {
        await server.exited;
        const at = Date.now();
        const next = await startGateway(g.env);
        stats.restartMs.push(Date.now() - at);
        if (stats.gatewayKills >= recoveryKill && up().length > 0) {
          recoveryKill = Infinity;
          stats.gatewayKills++;
          stats.recoveryKills++;
          next.child.kill("SIGKILL"); // while it applies what fell due and takes up its part of the work
          await next.exited;
          g.server = await startGateway(g.env);
        } else g.server = next;
      })();
      restarts.add(restart);
      void restart.catch(log.fail).finally(() => restarts.delete(restart));
    };

    /** The subscriber: on one gateway up after another (the next one after the last), from the last sequence seen. */
    const follow = async (): Promise<void> => {
      let at = 0;
      while (!finishing) {
        const g = await until(() => finishing || [...gateways.slice(at), ...gateways.slice(0, at)].find((x) => x.server !== null), "a gateway up to follow the log on");
        if (g === true) return;
        at = (gateways.indexOf(g) + 1) % GATEWAYS;
        following = g;
        await log.follow(g.url);
        following = null;
      }
    };

    let follower: Promise<void> = Promise.resolve();
    try {
      await Promise.all(gateways.map(async (g) => (g.server = await startGateway(g.env)))); // one migrates the schema, the others wait for it
      rows = await reader(db);
      follower = follow().catch(log.fail);
      for (const id of await createWorkload(client, forPlans)) log.expected.add(id);
      nextKill = between(forGateways, 20, 60);
      for (let i = 0; i < AGENTS; i++) agents.start();

      await log.settle(rows, SETTLE_MS, () => ({ ...stats, ...agents.stats }));
      await Promise.race([until(() => restarts.size === 0, "the restarts to end"), log.failed]);
      await log.caughtUp(rows);

      // Graceful ends: agents drain (idle now), every gateway drains and exits 0.
      await agents.stop();
      finishing = true;
      const exits = up().map((g) => {
        g.server!.child.kill("SIGTERM");
        return g.server!.exited;
      });
      expect(await Promise.all(exits)).toEqual(gateways.map(() => ({ code: 0, signal: null })));
      await follower;
    } finally {
      finishing = true;
      agents.killAll();
      await Promise.allSettled(restarts); // a gateway starting now is up when they end
      for (const g of gateways) if (g.server?.child.exitCode === null) g.server.child.kill("SIGKILL");
      await client.close();
    }

    // ---- the chaos happened as planned
    expect(stats.gatewayKills).toBeGreaterThanOrEqual(GATEWAY_KILLS);
    expect(stats.recoveryKills).toBe(1);
    expect(stats.followerKills).toBeGreaterThan(0);
    expect(log.follows).toBe(stats.followerKills + 1); // it moved when its gateway died, and only then
    expect(agents.stats.agentKills).toBe(AGENT_KILLS);
    expect(agents.stats.hangKills).toBeGreaterThan(0);
    expect(log.problems).toEqual([]);

    try {
      const timers = await expectChaosSurvived(rows, { plans: log.expected, steps: PLANS * STEPS_PER_PLAN, lastSeq: log.lastSeq, agents });
      console.log(`chaos on ${GATEWAYS} gateways, seed ${SEED}: ${JSON.stringify({ ...stats, follows: log.follows, ...agents.stats, timers, signals: log.lastSeq })}`);
    } finally {
      rmSync(dirname(db), { recursive: true, force: true });
    }
  });
});
