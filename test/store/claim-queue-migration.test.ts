/**
 * The claim-queue migration (db/sqlite/0021_claim_queue.sql, db/postgres/0002_claim_queue.sql)
 * on a database made by the migrations before it: READY steps get their plan's place in the claim
 * queue (CRISIS, last served), and the claim order after the upgrade is the order before it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle as sqliteDrizzle } from "drizzle-orm/better-sqlite3";
import { migrate as sqliteMigrate } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as pgDrizzle } from "drizzle-orm/node-postgres";
import { migrate as pgMigrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/store/database.js";
import { openPostgresStore, POSTGRES_MIGRATIONS_DIR } from "../../src/store/postgres-database.js";
import { openStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { onPostgres, TEST_POSTGRES_URL } from "../helpers/database.js";

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of a migrations folder holding only the migrations before `tag`. */
function migrationsBefore(folder: string, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-migrations-"));
  dirs.push(dir);
  cpSync(folder, dir, { recursive: true });
  const journalFile = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/** Three running plans with READY steps of role r: a CRISIS one, one served at 500, one never served. */
const ROWS = [
  `INSERT INTO plans (id, name, state, version, priority, labels, policy, created_at, max_parallel, running_count, last_claimed_at)
   VALUES ('plan_served', 'served', 'RUNNING', 1, 2, '[]', '{"maxParallel":10}', 1, 10, 0, 500),
          ('plan_never', 'never', 'RUNNING', 1, 2, '[]', '{"maxParallel":10}', 2, 10, 0, NULL),
          ('plan_crisis', 'crisis', 'RUNNING', 1, 2, '[]', '{"complexity":"CRISIS","maxParallel":10}', 3, 10, 0, 900)`,
  `INSERT INTO steps (plan_id, key, position, role, state, priority, depends_on, attempts, retry, timeout_ms, ready_at)
   VALUES ('plan_served', 'a', 0, 'r', 'READY', 2, '[]', 0, '{}', 1000, 10),
          ('plan_never', 'a', 0, 'r', 'READY', 2, '[]', 0, '{}', 1000, 20),
          ('plan_crisis', 'a', 0, 'r', 'READY', 2, '[]', 0, '{}', 1000, 30),
          ('plan_crisis', 'b', 1, 'r', 'PENDING', 2, '[]', 0, '{}', 1000, NULL)`,
];

async function upgraded(): Promise<Store> {
  if (onPostgres) {
    const schema = `baton_migration_${process.pid}_${Date.now()}`;
    const pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, options: `-c search_path=${schema}` });
    cleanups.push(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    });
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pgMigrate(pgDrizzle({ client: pool }), { migrationsFolder: migrationsBefore(POSTGRES_MIGRATIONS_DIR, "0002_claim_queue"), migrationsSchema: schema });
    for (const sql of ROWS) await pool.query(sql);
    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, poolSize: 2, schema });
    cleanups.unshift(() => store.close());
    return store;
  }
  const dir = mkdtempSync(join(tmpdir(), "baton-db-"));
  dirs.push(dir);
  const file = join(dir, "old.db");
  const old = new Database(file);
  sqliteMigrate(sqliteDrizzle(old), { migrationsFolder: migrationsBefore(MIGRATIONS_DIR, "0021_claim_queue") });
  for (const sql of ROWS) old.exec(sql);
  old.close();
  const store = openStore(file);
  cleanups.unshift(() => store.close());
  return store;
}

it("gives existing READY steps their plan's place in the claim queue: CRISIS first, then the plan served least recently", async () => {
  const store = await upgraded();
  const queue = await store.read((r) => r.plans.claimable(["r"], 10));
  expect(queue.map((c) => [c.planId, c.crisis, c.served])).toEqual([
    ["plan_crisis", 1, 900],
    ["plan_never", 0, 0],
    ["plan_served", 0, 500],
  ]);
});
