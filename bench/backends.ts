/**
 * The two databases the benchmark runs its scenarios on, side by side: a SQLite file, and a fresh
 * schema on the PostgreSQL at BATON_BENCH_DATABASE_URL (default: the local test server), dropped
 * afterwards. Each with its raw floor: single-row UPDATE transactions per second.
 */
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgresStore } from "../src/store/postgres-database.js";
import { openStore } from "../src/store/sqlite-store.js";
import type { Store } from "../src/store/store.js";
import { tempDbFile } from "./fixtures.js";

export type Backend = "sqlite" | "postgres";

export const POSTGRES_URL = process.env["BATON_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether a PostgreSQL server answers (else its half of the benchmark is skipped, with a notice). */
export async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface BenchDatabase {
  open(): Promise<Store>;
  /** The gateway's settings for it. */
  env: Record<string, string>;
  /** Single-row UPDATE transactions per second on the same settings (SQLite: one connection; PostgreSQL: over a pool of 10). */
  rawFloor(): Promise<number>;
  drop(): Promise<void>;
}

/** A fresh database of the backend (a SQLite file in a new folder under `dir`). */
export function benchDatabase(backend: Backend, dir?: string): BenchDatabase {
  if (backend === "sqlite") {
    const file = tempDbFile(dir);
    return { open: async () => openStore(file), env: { BATON_DB: file }, rawFloor: async () => rawUpdateFloor(file), drop: async () => undefined };
  }
  const schema = `baton_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  return {
    open: () => openPostgresStore({ url: POSTGRES_URL, poolSize: 10, schema }),
    env: { BATON_DATABASE_URL: POSTGRES_URL, BATON_DATABASE_SCHEMA: schema },
    rawFloor: () => postgresFloor(schema),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** better-sqlite3 single-row UPDATE transactions per second, WAL + synchronous=NORMAL. */
function rawUpdateFloor(file: string, n = 20_000): number {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, v INTEGER)");
  db.prepare("INSERT OR REPLACE INTO floor (id, v) VALUES (1, 0)").run();
  const update = db.prepare("UPDATE floor SET v = v + 1 WHERE id = 1");
  const tx = db.transaction(() => update.run());
  const t0 = performance.now();
  for (let i = 0; i < n; i++) tx();
  const s = (performance.now() - t0) / 1000;
  db.close();
  return n / s;
}

/** Independent single-row UPDATE transactions/s over a pool of 10 (synchronous_commit as the server has it), for 3 s. */
async function postgresFloor(schema: string, connections = 10, ms = 3_000): Promise<number> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: connections, options: `-c search_path="${schema}"` });
  await pool.query("CREATE TABLE IF NOT EXISTS floor (id int PRIMARY KEY, v bigint NOT NULL)");
  await pool.query("INSERT INTO floor SELECT g, 0 FROM generate_series(1, $1) g ON CONFLICT DO NOTHING", [connections]);
  let n = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const client = await pool.connect();
      try {
        while (performance.now() < end) {
          await client.query("BEGIN");
          await client.query({ name: "floor", text: "UPDATE floor SET v = v + 1 WHERE id = $1", values: [i + 1] });
          await client.query("COMMIT");
          n++;
        }
      } finally {
        client.release();
      }
    }),
  );
  await pool.end();
  return n / (ms / 1000);
}
