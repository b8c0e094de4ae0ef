/**
 * Opening a PostgreSQL database (BATON_DATABASE_URL): a node-postgres pool whose connections use
 * Baton's schema (BATON_DATABASE_SCHEMA, created if missing) and return rows as SQLite's do
 * (bigint as a JS number, jsonb as its text: ./sql.ts), migrated at start under an advisory lock
 * so that gateways starting together never race (db/postgres/, generated from ./pg-schema.ts).
 */
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { join } from "node:path";
import pg from "pg";
import { packageRoot } from "./database.js";
import { channelOf, PostgresNotices } from "./postgres-notices.js";
import { PostgresStore } from "./postgres-store.js";
import { describeStorageError, fromPostgres } from "./storage-errors.js";

export const POSTGRES_MIGRATIONS_DIR = join(packageRoot(), "db", "postgres");

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pool (BATON_DATABASE_POOL). */
  poolSize: number;
  /** The schema holding Baton's tables (BATON_DATABASE_SCHEMA). */
  schema: string;
  /** How long to wait for a connection before the start fails. */
  connectTimeoutMs?: number;
  /** How long an idle connection is kept open (node-postgres' default 10 s). */
  idleTimeoutMs?: number;
  /** What the server shows as the connections' application_name (pg_stat_activity): "baton". */
  applicationName?: string;
}

/** The URL with its password masked, for messages and logs. */
export function maskedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(an unparsable BATON_DATABASE_URL)";
  }
}

/** A PostgreSQL database that cannot be used, in one line for the operator (the password masked). */
export class PostgresOpenError extends Error {
  readonly code: string;

  constructor(url: string, cause: unknown) {
    const e = cause as { code?: string; message?: string };
    const why = describeStorageError(cause) ?? `${(e.message ?? String(cause)).split("\n")[0]}${e.code ? ` (${e.code})` : ""}`;
    super(`cannot use the database ${maskedUrl(url)}: ${why}`, { cause });
    this.name = "PostgresOpenError";
    this.code = e.code ?? "UNKNOWN";
  }
}

const INT8 = 20;
const JSON_OID = 114;
const JSONB = 3802;
const text = (v: string): string => v;

/** Rows as SQLite gives them: bigint as a number (Baton's integers fit: times in ms, counts), JSON as its text. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8) return (v: string) => Number(v);
    if (oid === JSON_OID || oid === JSONB) return text;
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

const identifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A pool on the database, its schema created and migrated; fails with a PostgresOpenError. */
export async function openPostgresStore(o: PostgresOptions): Promise<PostgresStore> {
  let pool: pg.Pool | null = null;
  try {
    new URL(o.url); // a clear error for a malformed URL, before node-postgres reads it its own way
    pool = new pg.Pool({
      connectionString: o.url,
      max: o.poolSize,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: o.idleTimeoutMs ?? 10_000,
      allowExitOnIdle: true,
      options: `-c search_path=${identifier(o.schema)}`,
      types,
      application_name: o.applicationName ?? "baton",
    });
    // An idle client whose server went away emits 'error' on the pool: the next checkout makes a new one.
    pool.on("error", () => undefined);
    await migrateUnderLock(pool, o.schema);
    const channel = channelOf(o.schema);
    const notices = new PostgresNotices(() => ({ connectionString: o.url, connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000 }), channel);
    return new PostgresStore(pool, notices, channel);
  } catch (e) {
    await pool?.end().catch(() => undefined);
    throw new PostgresOpenError(o.url, fromPostgres(e));
  }
}

/** Creates the schema and applies the migrations, holding an advisory lock of the schema meanwhile. */
async function migrateUnderLock(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`baton:migrate:${schema}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${identifier(schema)}`);
      await migrate(drizzle({ client }), { migrationsFolder: POSTGRES_MIGRATIONS_DIR, migrationsSchema: schema });
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`baton:migrate:${schema}`]);
    }
  } finally {
    client.release();
  }
}
