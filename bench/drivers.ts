/**
 * `node dist/bench/drivers.js`: node-postgres (`pg`) against postgres.js (`postgres`) on the hot
 * paths a PostgreSQL store would have (issue "PostgreSQL backend"). Not part of `npm run bench`:
 * it needs a PostgreSQL server.
 *
 * Both drivers run side by side in one process, against one server, with synchronous_commit=on,
 * over a pool of 10 connections each (both pools open, only one of them working at a time).
 * Each figure is the median of 3 short runs; the runs alternate between the drivers
 * (pg, postgres.js, pg, …) so that a drift of the machine hits both. Each driver uses its own best
 * practice: pg — named prepared statements `{ name, text, values }` and a pooled client with
 * BEGIN/COMMIT; postgres.js — its automatic prepare (tagged templates) and `sql.begin`. Both send
 * the same SQL text, so the difference is the driver.
 *
 * Settings (environment): PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGDATABASE (test:
 * where the scratch database is created from, then dropped), DRIVERS_SECONDS (2: length of a run),
 * DRIVERS_ONLY=drop (only the dropped-connection check).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import postgres from "postgres";
import { packageRoot } from "../src/store/database.js";
import { fmt, summary } from "./stats.js";

const HOST = process.env["PGHOST"] ?? "127.0.0.1";
const PORT = Number(process.env["PGPORT"] ?? 5432);
const USER = process.env["PGUSER"] ?? "postgres";
const ADMIN_DB = process.env["PGDATABASE"] ?? "test";
const SECONDS = Number(process.env["DRIVERS_SECONDS"] ?? 2);
const DB = `baton_drivers_${process.pid}`;
const POOL = 10;
const RUNS = 3;

const KV_ROWS = 10_000;
const PLANS = 100;
const STEPS_PER_PLAN = 100;

type Sql = postgres.Sql<Record<string, never>>;

/** One driver behind the same small interface: each method is one transaction or one read. */
interface Driver {
  readonly name: string;
  /** BEGIN; UPDATE kv … WHERE id = $1; COMMIT */
  update(id: number): Promise<void>;
  /** BEGIN; SELECT … FOR UPDATE SKIP LOCKED LIMIT 10; UPDATE; INSERT 10 attempts; COMMIT. Returns the rows claimed. */
  claim(): Promise<number>;
  /** BEGIN; UPDATE log_head … RETURNING seq; INSERT n signals; COMMIT */
  append(payloads: string[]): Promise<void>;
  /** The plan row and its 100 steps. Returns the number of steps read. */
  loadPlan(id: number): Promise<number>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The SQL, the same text for both drivers ($n placeholders for pg; postgres.js builds the same).

const SQL_UPDATE = "UPDATE kv SET n = n + 1, updated_at = now() WHERE id = $1";
const SQL_CLAIM_SELECT =
  "SELECT id FROM steps WHERE state = 'READY' ORDER BY priority DESC, id LIMIT 10 FOR UPDATE SKIP LOCKED";
const SQL_CLAIM_UPDATE = "UPDATE steps SET state = 'LEASED', attempts = attempts + 1 WHERE id = ANY($1::bigint[])";
const SQL_CLAIM_INSERT =
  "INSERT INTO attempts (step_id, expires_at) SELECT s, now() + interval '30 seconds' FROM unnest($1::bigint[]) AS s";
const SQL_HEAD = "UPDATE log_head SET seq = seq + $1 WHERE id = 1 RETURNING seq";
const SQL_SIGNALS =
  "INSERT INTO signals (seq, plan_id, kind, payload) SELECT $1::bigint - $2::int + t.ord, $3, 'STEP_COMPLETED', t.p::jsonb FROM unnest($4::text[]) WITH ORDINALITY AS t(p, ord)";
const SQL_PLAN = "SELECT id, name, state, version, context, created_at FROM plans WHERE id = $1";
const SQL_PLAN_STEPS =
  "SELECT plan_id, idx, name, role, state, spec, output, updated_at FROM plan_steps WHERE plan_id = $1 ORDER BY idx";

// ---------------------------------------------------------------------------------------------
// node-postgres

function pgPool(max = POOL, appName = "drivers-bench-pg"): pg.Pool {
  return new pg.Pool({
    host: HOST,
    port: PORT,
    user: USER,
    database: DB,
    max,
    application_name: appName,
    options: "-c synchronous_commit=on",
  });
}

async function pgTx<T>(pool: pg.Pool, body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const r = await body(c);
    await c.query("COMMIT");
    c.release();
    return r;
  } catch (e) {
    // A client whose connection is gone is destroyed (release(err)), never handed out again.
    try {
      await c.query("ROLLBACK");
      c.release();
    } catch (e2) {
      c.release(e2 as Error);
    }
    throw e;
  }
}

function pgDriver(): Driver {
  const pool = pgPool();
  pool.on("error", () => {}); // idle clients' errors: the pool drops them (without a listener the process dies)
  return {
    name: "pg",
    async update(id) {
      await pgTx(pool, (c) => c.query({ name: "kv_update", text: SQL_UPDATE, values: [id] }));
    },
    async claim() {
      return pgTx(pool, async (c) => {
        const r = await c.query<{ id: string }>({ name: "claim_select", text: SQL_CLAIM_SELECT });
        if (r.rows.length === 0) return 0;
        const ids = r.rows.map((x) => x.id);
        await c.query({ name: "claim_update", text: SQL_CLAIM_UPDATE, values: [ids] });
        await c.query({ name: "claim_insert", text: SQL_CLAIM_INSERT, values: [ids] });
        return ids.length;
      });
    },
    async append(payloads) {
      await pgTx(pool, async (c) => {
        const h = await c.query<{ seq: string }>({ name: "head", text: SQL_HEAD, values: [payloads.length] });
        await c.query({ name: "signals", text: SQL_SIGNALS, values: [h.rows[0]!.seq, payloads.length, 1, payloads] });
      });
    },
    async loadPlan(id) {
      const p = await pool.query({ name: "plan", text: SQL_PLAN, values: [id] });
      const s = await pool.query({ name: "plan_steps", text: SQL_PLAN_STEPS, values: [id] });
      if (p.rows.length !== 1) throw new Error(`plan ${id} not found`);
      return s.rows.length;
    },
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// postgres.js

function pgjsPool(max = POOL, appName = "drivers-bench-pgjs"): Sql {
  return postgres({
    host: HOST,
    port: PORT,
    user: USER,
    database: DB,
    max,
    prepare: true, // the default, said out loud
    onnotice: () => {},
    connection: { application_name: appName, synchronous_commit: "on" },
  });
}

function pgjsDriver(): Driver {
  const sql = pgjsPool();
  return {
    name: "postgres.js",
    async update(id) {
      await sql.begin((tx) => tx`UPDATE kv SET n = n + 1, updated_at = now() WHERE id = ${id}`);
    },
    async claim() {
      return sql.begin(async (tx) => {
        const r = await tx<{ id: string }[]>`SELECT id FROM steps WHERE state = 'READY' ORDER BY priority DESC, id LIMIT 10 FOR UPDATE SKIP LOCKED`;
        if (r.length === 0) return 0;
        const ids = r.map((x) => x.id);
        await tx`UPDATE steps SET state = 'LEASED', attempts = attempts + 1 WHERE id = ANY(${ids}::bigint[])`;
        await tx`INSERT INTO attempts (step_id, expires_at) SELECT s, now() + interval '30 seconds' FROM unnest(${ids}::bigint[]) AS s`;
        return ids.length;
      });
    },
    async append(payloads) {
      await sql.begin(async (tx) => {
        const [h] = await tx<{ seq: string }[]>`UPDATE log_head SET seq = seq + ${payloads.length} WHERE id = 1 RETURNING seq`;
        await tx`INSERT INTO signals (seq, plan_id, kind, payload) SELECT ${h!.seq}::bigint - ${payloads.length}::int + t.ord, ${1}, 'STEP_COMPLETED', t.p::jsonb FROM unnest(${payloads}::text[]) WITH ORDINALITY AS t(p, ord)`;
      });
    },
    async loadPlan(id) {
      const p = await sql`SELECT id, name, state, version, context, created_at FROM plans WHERE id = ${id}`;
      const s = await sql`SELECT plan_id, idx, name, role, state, spec, output, updated_at FROM plan_steps WHERE plan_id = ${id} ORDER BY idx`;
      if (p.length !== 1) throw new Error(`plan ${id} not found`);
      return s.length;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

const DRIVERS: Array<() => Driver> = [pgDriver, pgjsDriver];

// ---------------------------------------------------------------------------------------------
// Setup

async function admin<T>(database: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: HOST, port: PORT, user: USER, database });
  await c.connect();
  try {
    return await body(c);
  } finally {
    await c.end();
  }
}

const SCHEMA = `
CREATE TABLE kv (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO kv (id) SELECT g FROM generate_series(1, ${KV_ROWS}) g;

CREATE TABLE steps (
  id bigserial PRIMARY KEY, plan_id int NOT NULL, role text NOT NULL, state text NOT NULL,
  priority int NOT NULL, attempts int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX steps_ready ON steps (priority DESC, id) WHERE state = 'READY';
CREATE TABLE attempts (
  id bigserial PRIMARY KEY, step_id bigint NOT NULL, expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE log_head (id int PRIMARY KEY, seq bigint NOT NULL);
INSERT INTO log_head VALUES (1, 0);
CREATE TABLE signals (
  seq bigint PRIMARY KEY, plan_id int NOT NULL, kind text NOT NULL, payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE plans (
  id int PRIMARY KEY, name text NOT NULL, state text NOT NULL, version int NOT NULL,
  context jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE plan_steps (
  plan_id int NOT NULL REFERENCES plans, idx int NOT NULL, name text NOT NULL, role text NOT NULL,
  state text NOT NULL, spec jsonb NOT NULL, output jsonb, updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, idx));
INSERT INTO plans (id, name, state, version, context)
  SELECT g, 'plan-' || g, 'RUNNING', 1, jsonb_build_object('customer', 'acme', 'region', 'eu-west-1', 'budget', 1000)
  FROM generate_series(1, ${PLANS}) g;
INSERT INTO plan_steps (plan_id, idx, name, role, state, spec, output)
  SELECT p, i, 'step-' || i, 'role-' || (i % 5), CASE WHEN i < 50 THEN 'COMPLETED' ELSE 'READY' END,
    jsonb_build_object('kind', 'agent', 'role', 'role-' || (i % 5), 'dependsOn', jsonb_build_array('step-' || (i - 1)),
      'retry', jsonb_build_object('maxAttempts', 3, 'backoffMs', 1000), 'timeoutMs', 60000,
      'inputMapping', jsonb_build_object('doc', '$.context.doc', 'lang', '$.context.lang')),
    CASE WHEN i < 50 THEN jsonb_build_object('summary', repeat('x', 120), 'tokens', i * 10) END
  FROM generate_series(1, ${PLANS}) p, generate_series(0, ${STEPS_PER_PLAN - 1}) i;
`;

/** Fresh READY steps for a claim run: enough that a run never empties the queue. */
async function resetSteps(c: pg.Client, rows: number): Promise<void> {
  await c.query("TRUNCATE steps, attempts RESTART IDENTITY");
  await c.query(
    `INSERT INTO steps (plan_id, role, state, priority)
     SELECT (g % 1000) + 1, 'role-' || (g % 5), 'READY', (g % 3) FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await c.query("VACUUM ANALYZE steps, attempts");
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface RunResult {
  ops: number; // transactions or reads
  units: number; // rows claimed, signals written, …
  seconds: number;
  latencies: number[];
}

/** `workers` loops calling `op` for `seconds`; counts completed operations. */
async function closedLoop(workers: number, seconds: number, op: (w: number) => Promise<number>, keepLatencies = false): Promise<RunResult> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let ops = 0;
  let units = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const u = await op(w);
        if (keepLatencies) latencies.push(performance.now() - t0);
        ops++;
        units += u;
      }
    }),
  );
  return { ops, units, seconds: (performance.now() - start) / 1000, latencies };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Figure {
  label: string;
  values: Record<string, number>; // driver name → value
  digits?: number;
  higherIsBetter: boolean;
}

/**
 * Runs one scenario: a warm-up per driver (prepares the statements on every connection), then
 * RUNS measured runs per driver, alternating. `figures` turns the runs of one driver into named
 * values (medians over the runs).
 */
async function scenario(
  drivers: Driver[],
  before: (() => Promise<void>) | undefined,
  run: (d: Driver, seconds: number) => Promise<RunResult>,
  figures: (runs: RunResult[]) => Array<[label: string, value: number, higherIsBetter: boolean, digits?: number]>,
): Promise<Figure[]> {
  const runs = new Map<string, RunResult[]>(drivers.map((d) => [d.name, []]));
  for (const d of drivers) {
    await before?.();
    await run(d, 0.3);
  }
  for (let i = 0; i < RUNS; i++)
    for (const d of i % 2 === 0 ? drivers : [...drivers].reverse()) {
      await before?.();
      runs.get(d.name)!.push(await run(d, SECONDS));
    }
  const out: Figure[] = [];
  for (const d of drivers)
    for (const [label, value, higherIsBetter, digits] of figures(runs.get(d.name)!)) {
      let f = out.find((x) => x.label === label);
      if (!f) out.push((f = { label, values: {}, higherIsBetter, ...(digits !== undefined ? { digits } : {}) }));
      f.values[d.name] = value;
    }
  return out;
}

const perSecond = (runs: RunResult[], what: "ops" | "units"): number => median(runs.map((r) => r[what] / r.seconds));

function printTable(figures: Figure[], names: string[]): void {
  const [a, b] = names as [string, string];
  process.stdout.write(`\n  ${"figure".padEnd(58)} ${a.padStart(12)} ${b.padStart(12)} ${`${b} ÷ ${a}`.padStart(20)}\n`);
  process.stdout.write(`  ${"-".repeat(58)} ${"-".repeat(12)} ${"-".repeat(12)} ${"-".repeat(20)}\n`);
  for (const f of figures) {
    const va = f.values[a]!;
    const vb = f.values[b]!;
    const better = f.higherIsBetter ? (vb > va ? b : a) : vb < va ? b : a;
    process.stdout.write(
      `  ${f.label.padEnd(58)} ${fmt(va, f.digits ?? 0).padStart(12)} ${fmt(vb, f.digits ?? 0).padStart(12)} ${fmt(vb / va, 3).padStart(8)}  ${better} better\n`,
    );
  }
}

function payload(i: number): string {
  // ~200 bytes of JSON, like a STEP_COMPLETED signal
  return JSON.stringify({
    planId: "0190c6d2-7f3a-7c1e-9b1a-3f2e4d5c6b7a",
    stepId: `step-${i % 100}`,
    attemptId: `0190c6d2-8000-7000-8000-${String(i).padStart(12, "0")}`,
    visit: 1,
    state: "COMPLETED",
    output: { ok: true, tokens: i % 1000 },
  });
}

// ---------------------------------------------------------------------------------------------
// Dropped connections

interface Shape {
  ok: number;
  failed: number;
  errors: string[];
}

function shape(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const x = e as Error & { code?: string; severity?: string; errno?: string };
  const msg = x.message.length > 60 ? `${x.message.slice(0, 57)}…` : x.message;
  return `${x.constructor.name}{code=${x.code ?? "-"}${x.severity ? ` severity=${x.severity}` : ""}} "${msg}"`;
}

async function settle(n: number, op: () => Promise<unknown>, timeoutMs = 5000): Promise<Shape> {
  const r = await Promise.allSettled(
    Array.from({ length: n }, () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer after ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([op(), timeout]).finally(() => clearTimeout(timer));
    }),
  );
  const errors = [...new Set(r.flatMap((x) => (x.status === "rejected" ? [shape(x.reason)] : [])))];
  return { ok: r.filter((x) => x.status === "fulfilled").length, failed: r.filter((x) => x.status === "rejected").length, errors };
}

async function terminate(appName: string, pid?: number): Promise<number> {
  return admin(DB, async (c) => {
    const r = await c.query(
      "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND ($3::int IS NULL OR pid = $3)) t",
      [DB, appName, pid ?? null],
    );
    return r.rows[0].n as number;
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function report(label: string, s: Shape | string): void {
  const text = typeof s === "string" ? s : `${s.ok} ok / ${s.failed} failed${s.errors.length ? `: ${s.errors.join("; ")}` : ""}`;
  process.stdout.write(`    ${label.padEnd(52)} ${text}\n`);
}

/** A short check of what each driver does when its backends are terminated. Printed, not scored. */
async function droppedConnections(): Promise<void> {
  process.stdout.write("\n5. Dropped connections (pg_terminate_backend on the pool's backends)\n");

  // --- pg
  {
    const app = "drivers-drop-pg";
    const pool = pgPool(POOL, app);
    const poolErrors: string[] = [];
    pool.on("error", (e) => poolErrors.push(shape(e)));
    const q = () => pool.query({ name: "one", text: "SELECT 1 AS one" });
    process.stdout.write("  pg (pg.Pool, max 10)\n");
    await settle(10, () => pool.query("SELECT pg_sleep(0.05)"));
    report("warm pool: connections", `${pool.totalCount} (idle ${pool.idleCount})`);
    report("idle pool, all backends terminated, query at once", `${await terminate(app)} terminated → ${fmtShape(await settle(20, q))}`);
    await sleep(200);
    report("  … 200 ms later", await settle(20, q));
    report("  pool 'error' events (idle clients)", `${poolErrors.length}${poolErrors.length ? `: ${[...new Set(poolErrors)].join("; ")}` : ""}`);
    await settle(10, () => pool.query("SELECT pg_sleep(0.05)"));
    poolErrors.length = 0;
    await terminate(app);
    await sleep(200);
    report("idle pool, terminated, query 200 ms later", await settle(20, q));
    report("  pool 'error' events (idle clients)", `${poolErrors.length}${poolErrors.length ? `: ${[...new Set(poolErrors)].join("; ")}` : ""}`);
    // in-flight query
    const inflight = settle(1, () => pool.query("SELECT pg_sleep(2)"));
    await sleep(200);
    await terminate(app, await activePid(app));
    report("in-flight query, its backend terminated", await inflight);
    // mid-transaction: BEGIN done, backend terminated, next statement
    {
      const c = await pool.connect();
      let clientErrors = 0;
      c.on("error", () => clientErrors++);
      await c.query("BEGIN");
      const pid = (await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      await terminate(app, pid);
      await sleep(100);
      const r = await settle(1, () => c.query({ name: "kv_update", text: SQL_UPDATE, values: [1] }));
      report("mid-transaction, next statement", `${fmtShape(r)} (client 'error' events: ${clientErrors})`);
      c.release(new Error("connection lost")); // destroy it
    }
    // in-flight statement inside a transaction, then the ROLLBACK a transaction helper would send
    {
      const uncaught = catchUncaught();
      const c = await pool.connect();
      c.on("error", () => {});
      await c.query("BEGIN");
      const pid = (await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      const inTx = settle(1, () => c.query("SELECT pg_sleep(2)"));
      await sleep(200);
      await terminate(app, pid);
      report("in-flight statement in a transaction", await inTx);
      report("  then ROLLBACK on that client", await settle(1, () => c.query("ROLLBACK")));
      c.release(new Error("connection lost"));
      await sleep(300);
      report("  uncaught exceptions", uncaught.stop());
    }
    report("after all that: 20 queries", await settle(20, q));
    report("pool now: connections", `${pool.totalCount} (idle ${pool.idleCount})`);
    await pool.end();
  }

  // --- postgres.js
  {
    const app = "drivers-drop-pgjs";
    const sql = pgjsPool(POOL, app);
    const q = () => sql`SELECT 1 AS one`;
    process.stdout.write("  postgres.js (max 10)\n");
    await settle(10, () => sql`SELECT pg_sleep(0.05)`);
    report("warm pool: backends", `${await backends(app)}`);
    report("idle pool, all backends terminated, query at once", `${await terminate(app)} terminated → ${fmtShape(await settle(20, q))}`);
    await sleep(200);
    report("  … 200 ms later", await settle(20, q));
    await settle(10, () => sql`SELECT pg_sleep(0.05)`);
    await terminate(app);
    await sleep(200);
    report("idle pool, terminated, query 200 ms later", await settle(20, q));
    const inflight = settle(1, () => sql`SELECT pg_sleep(2)`);
    await sleep(200);
    await terminate(app, await activePid(app));
    report("in-flight query, its backend terminated", await inflight);
    {
      let pid = 0;
      const r = await settle(1, () =>
        sql.begin(async (tx) => {
          pid = (await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
          await terminate(app, pid);
          await sleep(100);
          await tx`UPDATE kv SET n = n + 1, updated_at = now() WHERE id = ${1}`;
        }),
      );
      report("mid-transaction (sql.begin), next statement", r);
    }
    // in-flight statement inside sql.begin: postgres.js then sends its own ROLLBACK
    {
      const uncaught = catchUncaught();
      let pid = 0;
      const inTx = settle(1, () =>
        sql.begin(async (tx) => {
          pid = (await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
          await tx`SELECT pg_sleep(2)`;
        }),
      );
      while (pid === 0) await sleep(10);
      await sleep(200);
      await terminate(app, pid);
      report("in-flight statement in sql.begin", await inTx);
      await sleep(300);
      report("  uncaught exceptions", uncaught.stop());
    }
    report("after all that: 20 queries", await settle(20, q));
    report("pool now: backends", `${await backends(app)}`);
    await sql.end({ timeout: 5 });
  }
}

/** Collects uncaught exceptions (instead of dying) until stop(); returns what was caught. */
function catchUncaught(): { stop(): string } {
  const seen: string[] = [];
  const on = (e: unknown): void => void seen.push(shape(e));
  process.on("uncaughtException", on);
  process.on("unhandledRejection", on);
  return {
    stop() {
      process.off("uncaughtException", on);
      process.off("unhandledRejection", on);
      return seen.length ? `${seen.length}: ${[...new Set(seen)].join("; ")}` : "none";
    },
  };
}

function fmtShape(s: Shape): string {
  return `${s.ok} ok / ${s.failed} failed${s.errors.length ? `: ${s.errors.join("; ")}` : ""}`;
}

async function backends(appName: string): Promise<number> {
  return admin(DB, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2", [DB, appName])).rows[0].n as number);
}

async function activePid(appName: string): Promise<number> {
  return admin(DB, async (c) => {
    const r = await c.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND state = 'active' LIMIT 1", [DB, appName]);
    if (r.rows.length === 0) throw new Error(`no active backend for ${appName}`);
    return r.rows[0].pid as number;
  });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await admin(ADMIN_DB, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB}`);
    await c.query(`CREATE DATABASE ${DB}`);
  });
  try {
    await admin(DB, async (c) => {
      await c.query(SCHEMA);
      await c.query("VACUUM ANALYZE");
    });
    if (process.env["DRIVERS_ONLY"] === "drop") return await droppedConnections();
    const drivers = DRIVERS.map((f) => f());
    const names = drivers.map((d) => d.name);
    const info = await admin(DB, async (c) => {
      const v = (await c.query("SELECT current_setting('server_version') AS v")).rows[0].v as string;
      return v;
    });
    process.stdout.write(
      `Driver benchmark: pg ${pkgVersion("pg")} vs postgres.js ${pkgVersion("postgres")}, PostgreSQL ${info} at ${HOST}:${PORT}\n` +
        `pool ${POOL} each, synchronous_commit=on, median of ${RUNS} runs × ${SECONDS} s (alternating drivers), Node ${process.version}\n`,
    );
    await checkSettings();

    const all: Figure[] = [];
    const section = (title: string, figs: Figure[]): void => {
      process.stdout.write(`\n${title}`);
      printTable(figs, names);
      all.push(...figs);
    };

    let rnd = 1;
    const nextId = (): number => (rnd = (rnd * 1103515245 + 12345) % 2147483648) % KV_ROWS + 1;

    // 1. single-row UPDATE transactions
    section(
      "1. Single-row UPDATE transactions (BEGIN; UPDATE kv by primary key; COMMIT)\n",
      [
        ...(await scenario(drivers, undefined, (d, s) => closedLoop(1, s, async () => (await d.update(nextId()), 1)), (r) => [["tx/s, 1 connection", perSecond(r, "ops"), true]])),
        ...(await scenario(drivers, undefined, (d, s) => closedLoop(POOL, s, async () => (await d.update(nextId()), 1)), (r) => [["tx/s, 10 concurrent", perSecond(r, "ops"), true]])),
      ],
    );

    // 2. claims
    const claimRows = 400_000;
    section(
      "2. Claim (SELECT … FOR UPDATE SKIP LOCKED LIMIT 10 on a partial index; UPDATE 10; INSERT 10 attempts)\n",
      await scenario(
        drivers,
        () => admin(DB, (c) => resetSteps(c, claimRows)),
        (d, s) => closedLoop(POOL, s, () => d.claim()),
        (r) => [
          ["claims/s, 10 concurrent claimers", perSecond(r, "ops"), true],
          ["steps claimed/s", perSecond(r, "units"), true],
        ],
      ),
    );
    const leftover = await admin(DB, async (c) => {
      const r = await c.query("SELECT (SELECT count(*) FROM attempts)::int AS a, (SELECT count(*) FROM steps WHERE state = 'LEASED')::int AS l, (SELECT count(DISTINCT step_id) FROM attempts)::int AS d");
      return r.rows[0] as { a: number; l: number; d: number };
    });
    process.stdout.write(`  last run: ${fmt(leftover.a)} attempts for ${fmt(leftover.l)} LEASED steps, ${fmt(leftover.d)} distinct (no step claimed twice: ${leftover.a === leftover.l && leftover.a === leftover.d})\n`);

    // 3. signal appends
    const payloads = Array.from({ length: 50 }, (_, i) => payload(i));
    const signalFigures: Figure[] = [];
    for (const n of [1, 50]) {
      const batch = payloads.slice(0, n);
      signalFigures.push(
        ...(await scenario(
          drivers,
          undefined,
          (d, s) => closedLoop(POOL, s, async () => (await d.append(batch), n)),
          (r) => [
            [`n=${n}: transactions/s, 10 writers`, perSecond(r, "ops"), true],
            [`n=${n}: signals/s`, perSecond(r, "units"), true],
          ],
        )),
      );
    }
    section(`3. Signal append (UPDATE log_head … RETURNING seq; INSERT n signals, jsonb ~${payloads[0]!.length} B; COMMIT)\n`, signalFigures);
    const holes = await admin(DB, async (c) => {
      const r = await c.query(
        "SELECT count(*)::bigint AS n, min(seq) AS lo, max(seq) AS hi, (SELECT seq FROM log_head WHERE id = 1) AS head, (SELECT count(*) FROM (SELECT seq - lag(seq) OVER (ORDER BY seq) AS d FROM signals) g WHERE d <> 1)::int AS gaps FROM signals",
      );
      return r.rows[0] as { n: string; lo: string; hi: string; head: string; gaps: number };
    });
    const noHole = holes.lo === "1" && holes.hi === holes.head && holes.n === holes.head && holes.gaps === 0;
    process.stdout.write(`  sequence check: ${holes.n} signals, seq ${holes.lo}…${holes.hi}, log_head ${holes.head}, gaps ${holes.gaps} → ${noHole ? "no hole" : "HOLE!"}\n`);

    // 4. plan reads
    section(
      `4. Plan read (1 plan row + ${STEPS_PER_PLAN} step rows with jsonb, by id; 20 concurrent readers over the pool of 10)\n`,
      await scenario(
        drivers,
        undefined,
        (d, s) =>
          closedLoop(
            20,
            s,
            async (w) => {
              const steps = await d.loadPlan(((w * 7 + Math.floor(Math.random() * PLANS)) % PLANS) + 1);
              if (steps !== STEPS_PER_PLAN) throw new Error(`read ${steps} steps`);
              return 1;
            },
            true,
          ),
        (r) => [
          ["reads/s", perSecond(r, "ops"), true],
          ["p50 ms", median(r.map((x) => summary(x.latencies).p50)), false, 2],
          ["p99 ms", median(r.map((x) => summary(x.latencies).p99)), false, 2],
        ],
      ),
    );

    await Promise.all(drivers.map((d) => d.close()));

    process.stdout.write("\nSummary");
    printTable(all, names);

    await droppedConnections();
  } finally {
    await admin(ADMIN_DB, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
    process.stdout.write(`\ndropped database ${DB}\n`);
  }
}

async function checkSettings(): Promise<void> {
  const pool = pgPool(1, "drivers-check-pg");
  const sql = pgjsPool(1, "drivers-check-pgjs");
  try {
    const a = (await pool.query("SHOW synchronous_commit")).rows[0].synchronous_commit as string;
    const b = (await sql<{ synchronous_commit: string }[]>`SHOW synchronous_commit`)[0]!.synchronous_commit;
    if (a !== "on" || b !== "on") throw new Error(`synchronous_commit is ${a} (pg) / ${b} (postgres.js), expected on`);
  } finally {
    await pool.end();
    await sql.end({ timeout: 5 });
  }
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`drivers bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
