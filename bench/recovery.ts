/**
 * Scenario 10: recovery time after a SIGKILL with 1,000 plans in flight, on a real gateway
 * process (`baton serve`, dist/) and a temp file database.
 *
 * Setup: 1,000 plans of 5 steps (a chain). In half of them the first step is claimed by an agent
 * that never heartbeats (500 leases held at the kill); in the other half it waits for a runAt
 * after the kill (500 RETRY timers). The gateway is SIGKILLed right after the claims and stays down
 * until every lease has expired and every timer is due, then is restarted on the same port and
 * file. Measured from the spawn of the new process:
 * - listening: its "listening" line;
 * - ready: the first /readyz answered 200 (asked from the listening line on);
 * - first lease: a claimer long-polling from the listening line on holds a lease;
 * - leases reaped / timers fired: the database (read-only, polled) holds no RUNNING attempt
 *   that expired before the restart / no timer due before it; recovery = the later of the two.
 * A fresh start on an empty database is measured too, as the floor.
 */
import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { Agent, get } from "node:http";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { tempDbFile } from "./fixtures.js";
import { serveProcess, type GatewayProcess } from "./gateway.js";
import { postJson } from "./http.js";

export interface RecoveryFigures {
  plans: number;
  /** Leases held when the gateway was killed, and RETRY timers pending then (all due at the restart). */
  leasesAtKill: number;
  timersAtKill: number;
  /** How long the gateway was down (until every lease had expired and every timer was due). */
  downMs: number;
  /** Empty database, first start: spawn → listening (migrations included). */
  freshListenMs: number;
  /** Restart after the SIGKILL, each from the spawn. */
  listenMs: number;
  readyMs: number;
  firstLeaseMs: number;
  leasesReapedMs: number;
  timersFiredMs: number;
  recoveredMs: number;
}

/** `baton serve` on `port` and `db`, authentication off (loopback). */
const serve = (port: number, db: string): GatewayProcess => serveProcess({ BATON_AUTH: "off", BATON_PORT: String(port), BATON_DB: db });

/** A free port below the ephemeral range: no outgoing connection gets it as its local port while the gateway is down. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ok = await new Promise<boolean>((resolve) => {
      const probe = createServer().once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

const tick = (ms = 1): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` (≈ every ms) until it holds; resolves with the time it first held. */
async function when(fn: () => boolean | Promise<boolean>): Promise<number> {
  while (!(await fn())) await tick();
  return performance.now();
}

const readyz = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/readyz", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("error", () => resolve(false));
  });

export async function recoveryAfterKill(plans = 1_000): Promise<RecoveryFigures> {
  const db = tempDbFile();
  const current: { server: GatewayProcess | null } = { server: null };
  try {
    return await measure(plans, db, current);
  } finally {
    if (current.server?.child.exitCode === null) current.server.child.kill("SIGKILL"); // failed half-way
    rmSync(dirname(db), { recursive: true, force: true });
  }
}

async function measure(plans: number, db: string, current: { server: GatewayProcess | null }): Promise<RecoveryFigures> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const http = new Agent({ keepAlive: true });
  const gql = <T>(query: string, variables: Record<string, unknown>) => postJson<T>(url, JSON.stringify({ query, variables }), http);

  let server = (current.server = serve(port, db));
  const freshListenMs = (await server.listening).ms;
  // Leases live 3 s without a heartbeat: they outlast the setup, then expire while the gateway is down.
  const policy = { heartbeatTimeoutMs: 3_000, maxParallel: 1 };
  const createPlans = async (from: number, to: number, first: (i: number) => Record<string, unknown>): Promise<void> => {
    for (let b = from; b < to; b += 50) {
      const batch = Array.from({ length: Math.min(50, to - b) }, (_, k) => b + k);
      const vars = Object.fromEntries(
        batch.map((i) => [`p${i}`, { name: `recovery ${i}`, policy, steps: [{ key: "s0", ...first(i) }, ...[1, 2, 3, 4].map((k) => ({ key: `s${k}`, role: "rec.next", dependsOn: [`s${k - 1}`] }))] }]),
      );
      await gql(`mutation(${batch.map((i) => `$p${i}: CreatePlanInput!`).join(", ")}) { ${batch.map((i) => `p${i}: createPlan(input: $p${i}) { id }`).join(" ")} }`, vars);
    }
  };
  // Half the plans start with a step to be leased; the other half with one WAITING for the same
  // runAt, set (from the pace of the first half) to fall after the kill: the timers are due while down.
  const c0 = performance.now();
  await createPlans(0, plans / 2, () => ({ role: "rec.held" }));
  const runAt = new Date(Date.now() + 2 * (performance.now() - c0) + 1_000).toISOString();
  await createPlans(plans / 2, plans, () => ({ role: "rec.timer", runAt }));
  const register = `mutation($input: RegisterAgentInput!) { registerAgent(input: $input) { id } }`;
  const claim = `mutation($input: ClaimStepsInput!) { claimSteps(input: $input) { id } }`;
  const holder = (await gql<{ registerAgent: { id: string } }>(register, { input: { name: "holder", roles: ["rec.held"], concurrency: 1_000 } })).registerAgent.id;
  const waiter = (await gql<{ registerAgent: { id: string } }>(register, { input: { name: "waiter", roles: ["rec.held", "rec.timer"], concurrency: 1 } })).registerAgent.id;
  for (let got = -1; got !== 0; ) got = (await gql<{ claimSteps: unknown[] }>(claim, { input: { agentId: holder, max: 100 } })).claimSteps.length;

  server.child.kill("SIGKILL");
  await server.exited;
  const killedAt = Date.now();
  http.destroy();
  const ro = new Database(db, { readonly: true, fileMustExist: true });
  const count = (sql: string, ...args: unknown[]): number => (ro.prepare(sql).get(...args) as { n: number }).n;
  const leasesAtKill = count("SELECT COUNT(*) AS n FROM attempts WHERE outcome = 'RUNNING'");
  const timersAtKill = count("SELECT COUNT(*) AS n FROM timers WHERE kind = 'RETRY'");
  const lastDue = count("SELECT MAX(m) AS n FROM (SELECT MAX(expires_at) AS m FROM attempts WHERE outcome = 'RUNNING' UNION ALL SELECT MAX(due_at) FROM timers WHERE kind = 'RETRY')");
  await when(() => Date.now() > lastDue); // down until all of it is overdue

  // The restart. Nothing polls before its "listening" line (polling a process that is still
  // loading only slows it down); from then on a claimer long-polls, /readyz is asked (each request
  // waits for its answer) and the database is polled.
  const restartAt = Date.now();
  const t0 = performance.now();
  server = current.server = serve(port, db);
  const listenMs = (await server.listening).ms;
  const ready = when(() => readyz(port));
  const firstLease = when(async () => {
    const body = JSON.stringify({ query: claim, variables: { input: { agentId: waiter, max: 1, waitMs: 10_000 } } });
    return (await postJson<{ claimSteps: unknown[] }>(url, body, new Agent())).claimSteps.length > 0;
  });
  const reaped = when(() => count("SELECT COUNT(*) AS n FROM attempts WHERE outcome = 'RUNNING' AND expires_at < ?", restartAt) === 0);
  const fired = when(() => count("SELECT COUNT(*) AS n FROM timers WHERE due_at < ? AND remaining_ms IS NULL", restartAt) === 0);
  const [readyAt, leaseAt, reapedAt, firedAt] = await Promise.all([ready, firstLease, reaped, fired]);
  ro.close();
  server.child.kill("SIGTERM");
  await server.exited;
  return {
    plans,
    leasesAtKill,
    timersAtKill,
    downMs: restartAt - killedAt,
    freshListenMs,
    listenMs,
    readyMs: readyAt - t0,
    firstLeaseMs: leaseAt - t0,
    leasesReapedMs: reapedAt - t0,
    timersFiredMs: firedAt - t0,
    recoveredMs: Math.max(reapedAt, firedAt) - t0,
  };
}
