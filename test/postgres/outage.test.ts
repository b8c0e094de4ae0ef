/**
 * The database goes away mid-run under two gateway processes (`baton serve`) on one schema,
 * reached through a TCP proxy (test/helpers/proxy.ts), with real agent processes
 * (test/e2e/fixtures/chaos-agent.mjs, given both URLs) and a subscriber following the signal
 * log. Plans of several steps run, with delayed steps, retries, late starts and a step of the
 * gateways' built-in echo agent. Mid-run, driven by progress:
 * - every backend of the two gateways (found by the proxy's client ports: the pools'
 *   connections and the LISTEN ones) is ended with pg_terminate_backend, as a restart of the
 *   server would; the gateways re-LISTEN and carry on;
 * - the proxy is cut (every connection closed, new ones refused): both gateways answer /readyz
 *   503 naming the database and refuse changes with STORAGE_UNAVAILABLE, at least until a
 *   plan's start timer fell due meanwhile; then it is restored and /readyz is 200 again.
 * Afterwards nothing is lost: every plan COMPLETED, every step SUCCEEDED once (one SUCCEEDED
 * attempt, run by an agent; attempts 1..n all recorded), no RUNNING attempt, no timer left, the
 * signal log 1..N as the subscriber saw it (no gap, no duplicate, across its resubscriptions),
 * and each gateway still takes a new plan to completion. The server itself, shared with other
 * test files, is never restarted. Waits are on conditions, never fixed sleeps. Needs the build.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createClient, CreatePlanDocument, isBatonClientError, isConnectionLoss } from "../../src/client/index.js";
import { ManualClock, systemClock, type Clock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import type { SignalModel } from "../../src/domain/model.js";
import { PostgresStore } from "../../src/store/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { allSignals, gate } from "../helpers/coordinator.js";
import { expectNothingLost, fiveStepPlan, SIGNALS, until } from "../helpers/chaos.js";
import { eachSharedDatabase, sqlRows, testDatabase, TEST_POSTGRES_URL } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";
import { startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";
import { postgresProxy } from "../helpers/proxy.js";

const AGENT_SCRIPT = fileURLToPath(new URL("../e2e/fixtures/chaos-agent.mjs", import.meta.url));
const ROLE = "outage.work";
const PLANS = 24;
const STEPS = 5;
const POLICY = { maxParallel: 3, heartbeatTimeoutMs: 1_500, retry: { maxAttempts: 100, initialIntervalMs: 300, backoffCoefficient: 1, maxIntervalMs: 300 } };




/** A gateway's /readyz: its status and JSON body (null when it cannot be reached). */
const readyz = async (s: ServerProcess): Promise<{ status: number; body: { status: string; reason?: string } } | null> => {
  try {
    const r = await fetch(s.url.replace(/\/graphql$/, "/readyz"));
    return { status: r.status, body: (await r.json()) as { status: string; reason?: string } };
  } catch {
    return null;
  }
};

describe("the database goes away under two gateways mid-run", () => {
  it("reports unready, recovers, and loses nothing: every step once, a gapless log, no lease or timer left", { timeout: 90_000 }, async () => {
    const db = testDatabase();
    const schema = db.env["BATON_DATABASE_SCHEMA"]!;
    const reader = await db.open(); // migrates the schema; the test's own reads go to the server directly
    const rows = <T>(sql: string, ...args: unknown[]): Promise<T[]> => sqlRows<T>(reader, sql, ...args);
    const link = await postgresProxy();
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    const servers: ServerProcess[] = [];
    const agents: { child: ChildProcess; exited: Promise<unknown> }[] = [];
    const executed = new Set<string>(); // leases whose handler returned
    const expected = new Set<string>();
    const completed = new Set<string>();
    const seqProblems: string[] = [];
    const stats = { dones: 0, doneWhileCut: 0, terminated: 0, ms: {} as Record<string, number> };
    const t0 = Date.now();
    const mark = (what: string): void => void (stats.ms[what] = Date.now() - t0);
    let lastSeq = 0;
    /** How each of the subscriber's subscriptions ended: "ended", or the error's code. */
    const ends: string[] = [];
    /** Called on each handler start with its step and attempt. */
    let onStart: ((stepKey: string, attempt: string) => void) | null = null;
    let cutAt: number | null = null;
    let restored = false;
    let finishing = false;
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => undefined); // raced below
    const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failed]);
    const ours = async () =>
      (await admin.query<{ pid: number; app: string }>("SELECT pid, application_name AS app FROM pg_stat_activity WHERE client_port = ANY($1::int[])", [link.upstreamPorts()])).rows;
    let follow: Promise<void> = Promise.resolve();
    let stopFollowing = (): Promise<void> => Promise.resolve();
    try {
      const env = { BATON_DB: tempDb(), BATON_DATABASE_URL: link.url, BATON_DATABASE_SCHEMA: schema, BATON_DATABASE_POOL: "4", BATON_LOG_LEVEL: "error" };
      servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
      const urls = servers.map((s) => s.url);
      const [a, b] = urls.map((url) => createClient({ url }));

      // The subscriber: both URLs. A subscription that ends is made again at once after the last
      // sequence seen; one that failed (the connection lost, the database away), once a gateway is
      // ready again (on the next URL when the connection was lost).
      const sub = createClient({ url: urls });
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
            if (!finishing) ends.push("ended");
          } catch (e) {
            if (finishing) break;
            if (!isConnectionLoss(e) && !isBatonClientError(e, "STORAGE_UNAVAILABLE")) throw e;
            ends.push((e as { code: string }).code);
            await until(async () => (await Promise.all(servers.map(readyz))).some((r) => r?.status === 200), "a gateway ready to resubscribe to", 30_000, 50);
          }
        }
      })().catch(fail);

      mark("gateways");
      for (let i = 0; i < 2; i++) {
        // one agent starts on each gateway; each moves to the other when it loses its own
        const child = spawn(process.execPath, [AGENT_SCRIPT, (i ? [...urls].reverse() : urls).join(","), ROLE, `outage-${i}`, "4", "1000"], { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
        const exited = new Promise((resolve) => child.once("close", resolve));
        void exited.then((code) => finishing || fail(new Error(`agent ${i} exited on its own (${String(code)}): ${stderr}`)));
        createInterface({ input: child.stdout! }).on("line", (line) => {
          const [what, leaseId, , stepKey, attempt] = line.split(" ");
          if (what === "done") {
            executed.add(leaseId!);
            stats.dones++;
            if (cutAt !== null && !restored) stats.doneWhileCut++;
          } else if (what === "start") {
            if (!stats.ms["first start"]) mark("first start");
            onStart?.(stepKey!, attempt!);
          }
        });
        agents.push({ child, exited });
      }
      // made on both gateways while the agents start
      const made = await Promise.all(Array.from({ length: PLANS }, (_, i) => [a!, b!][i % 2]!.request(CreatePlanDocument, { input: fiveStepPlan(i, "outage", POLICY, ROLE, "builtin.echo") })));
      for (const m of made) expected.add(m.createPlan.id);
      mark("plans");
      const total = PLANS * (STEPS - 1); // run by the agents

      // ---- (a) every backend of the two gateways is terminated, as a server restart would
      await race(until(() => stats.dones >= total * 0.25, "a quarter of the steps done"));
      mark("terminate");
      const before = await ours();
      expect(before.filter((c) => c.app === `baton-listen baton:${schema}`)).toHaveLength(2);
      const { rows: ended } = await admin.query<{ ok: boolean }>("SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS pid", [before.map((c) => c.pid)]);
      stats.terminated = ended.filter((r) => r.ok).length;
      expect(stats.terminated).toBeGreaterThanOrEqual(4); // two LISTEN connections and at least a pool connection each
      const gone = new Set(before.map((c) => c.pid));
      // Both gateways LISTEN again, on new connections.
      await race(until(async () => (await ours()).filter((c) => c.app === `baton-listen baton:${schema}` && !gone.has(c.pid)).length === 2, "both gateways to LISTEN again", 20_000, 50));

      mark("listening again");
      // ---- (b) the database is cut off: both gateways unready, changes refused; then it is back
      await race(until(() => stats.dones >= total * 0.55, "more than half of the steps done"));
      // A plan whose start timer falls due while the database is away: it must start once it is back.
      const canary = (await b!.request(CreatePlanDocument, { input: { name: "canary", delayMs: 1_000, policy: POLICY, steps: [{ key: "c", role: ROLE, input: { workMs: 1 } }] } })).createPlan;
      expected.add(canary.id);
      const [{ dueAt }] = await rows<{ dueAt: number }>(`SELECT due_at AS "dueAt" FROM timers WHERE plan_id = ? AND kind = 'PLAN_START'`, canary.id);
      // Cut as a handler starts (one that will return: not a first attempt of s2): its report comes
      // while the database is away.
      onStart = (stepKey, attempt) => {
        if (stepKey === "s2" && attempt === "1") return;
        onStart = null;
        link.cut();
        cutAt = Date.now();
      };
      await race(until(() => cutAt !== null, "a handler to start"));
      mark("cut");
      const downs = await race(until(async () => {
        const rs = await Promise.all(servers.map(readyz));
        return rs.every((r) => r?.status === 503) && rs;
      }, "both gateways to answer /readyz 503", 20_000, 50));
      for (const r of downs) expect(r!.body).toEqual({ status: "unavailable", reason: expect.stringMatching(/^database unreachable: the PostgreSQL server cannot be reached/) });
      const refused = await a!.request(CreatePlanDocument, { input: { name: "refused", steps: [{ key: "x", role: ROLE }] } }).then(() => null, (e: unknown) => e);
      expect(isBatonClientError(refused, "STORAGE_UNAVAILABLE")).toBe(true);
      // The subscriber's connection drops now: it subscribes again at once, and is told the database is away.
      await sub.close();
      await race(until(() => ends.includes("STORAGE_UNAVAILABLE"), "a subscription refused while the database is away"));
      await race(until(() => Date.now() > dueAt!, "the canary's start timer to fall due while the database is away"));
      await race(until(() => stats.doneWhileCut > 0, "a handler to finish while the database is away"));
      await link.restore();
      restored = true;
      mark("restored");
      await race(until(async () => (await Promise.all(servers.map(readyz))).every((r) => r?.status === 200), "both gateways ready again", 20_000, 50));

      mark("ready again");
      // ---- everything completes; each gateway still takes a new plan to completion
      await race(until(() => [...expected].every((id) => completed.has(id)), `every plan to complete (${completed.size}/${expected.size})`, 40_000, 20));
      mark("completed");
      for (const c of [a!, b!]) expected.add((await c.request(CreatePlanDocument, { input: { name: "after", policy: POLICY, steps: [{ key: "z", role: ROLE, input: { workMs: 1 } }] } })).createPlan.id);
      await race(until(() => [...expected].every((id) => completed.has(id)), "the plans made after the outage to complete", 20_000, 20));
      await race(until(async () => lastSeq === (await rows<{ h: number }>("SELECT MAX(sequence) AS h FROM signals"))[0]!.h, "the subscriber to catch up"));
      mark("caught up");
      await stopFollowing();

      // Graceful ends: the agents, then the gateways, which drain and exit 0.
      finishing = true;
      for (const ag of agents) ag.child.kill("SIGTERM");
      await Promise.all(agents.map((ag) => ag.exited));
      for (const s of servers) s.child.kill("SIGTERM");
      for (const s of servers) expect(await s.exited).toEqual({ code: 0, signal: null });
      await a!.close();
      await b!.close();
    } finally {
      finishing = true;
      await stopFollowing().catch(() => undefined);
      for (const ag of agents) ag.child.kill("SIGKILL");
      for (const s of servers) if (s.child.exitCode === null) s.child.kill("SIGKILL");
      await admin.end();
      await link.close();
    }

    try {
      expect(seqProblems).toEqual([]);
      await expectNothingLost(rows, { plans: expected, steps: PLANS * STEPS + 1 + 2, executed, lastSeq });
    } finally {
      await reader.close();
      await db.drop();
    }
    console.log(`outage: ${JSON.stringify({ ...stats, ends, signals: lastSeq })}`);
  });
});

/**
 * The log feed of a gateway (src/coordinator/feed.ts) as the database comes back, with
 * coordinators in this process (each with its own pool, as gateways have): what was committed
 * while it heard no notices reaches its hub even when its LISTEN connection comes back in the
 * middle of a read of the log, and a read that failed is tried again as soon as a notice says the
 * database answers, not after its backoff.
 */
describe("a gateway's log feed as the database comes back", () => {
  const coordinators: Coordinator[] = [];
  const db = eachSharedDatabase(async () => {
    for (const c of coordinators.splice(0)) await c.stop();
  });
  const gateway = async (store: Store, clock: Clock = systemClock): Promise<Coordinator> => {
    const c = new Coordinator(store, { clock, agentOfflineMs: 60_000, checkpointKeep: 10, logger: pino({ level: "silent" }) });
    await c.start();
    coordinators.push(c);
    return c;
  };
  const heard = (c: Coordinator): SignalModel[] => {
    const got: SignalModel[] = [];
    c.hub.listen((batch) => got.push(...batch));
    return got;
  };
  /** The store's reads of the log go through `around` (to hold or fail them). */
  const aroundReads = (store: Store, around: (read: () => Promise<SignalModel[]>) => Promise<SignalModel[]>): void => {
    const signals = store.queries.signals;
    const read = signals.read.bind(signals);
    signals.read = (...args) => around(() => read(...args));
  };
  const plan = (c: Coordinator, name: string) => c.createPlan({ name, steps: [{ key: "s", role: "r" }] }, "test");

  it("reads the head again when its LISTEN connection comes back while it reads the log", async () => {
    const [sa, sb] = [await db.open(), await db.open()];
    const [a, b] = [await gateway(sa), await gateway(sb)];
    const onB = heard(b);
    const held = gate();
    let reads = 0;
    aroundReads(sb, async (read) => {
      reads++;
      await held.promise;
      return read();
    });
    await plan(a, "heard"); // its notice sends B's feed to the log, where it is held
    await waitFor(() => reads > 0);
    const listeners = (): Promise<{ pid: number }[]> =>
      sqlRows<{ pid: number }>(sa, "SELECT pid FROM pg_stat_activity WHERE application_name = ?", `baton-listen baton:${db.env["BATON_DATABASE_SCHEMA"]}`);
    const before = await listeners();
    await sqlRows(sa, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (${before.map((r) => r.pid).join(", ")})`);
    // committed while B heard nothing: a gateway whose commits send no notice
    await plan(await gateway(new PostgresStore((sa as PostgresStore).pool)), "missed");
    await waitFor(async () => (await listeners()).filter((r) => !before.some((o) => o.pid === r.pid)).length === 2); // both LISTEN again
    held.open();
    const log = (await allSignals(sa)).map((s) => s.sequence);
    await waitFor(() => onB.length >= log.length);
    expect(onB.map((s) => s.sequence)).toEqual(log);
  });

  it("tries a failed read of the log again when a notice comes, not after its backoff", async () => {
    const [sa, sb] = [await db.open(), await db.open()];
    const a = await gateway(sa);
    const b = await gateway(sb, new ManualClock()); // its backoff never ends by itself
    const onB = heard(b);
    let failures = 0;
    aroundReads(sb, async (read) => {
      if (failures++ === 0) throw new Error("the database does not answer");
      return read();
    });
    await plan(a, "first"); // B's read of it fails: B's feed waits
    await waitFor(() => failures > 0);
    await plan(a, "second"); // the notice of this one ends the wait
    const log = (await allSignals(sa)).map((s) => s.sequence);
    await waitFor(() => onB.length >= log.length);
    expect(onB.map((s) => s.sequence)).toEqual(log);
  });
});
