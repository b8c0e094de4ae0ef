/**
 * The database a test runs on. The suites run twice (vitest.config.ts): on SQLite, and with
 * BATON_TEST_DATABASE=postgres on the local PostgreSQL, where each test database is a schema of
 * its own (made on first open, dropped by `drop`). Both are real: the real migrations, the real
 * adapters.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeEach, inject } from "vitest";
import { openPostgresStore } from "../../src/store/postgres-database.js";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { dynamic } from "../../src/store/sql.js";
import { openStore, SqliteStore } from "../../src/store/sqlite-store.js";
import { REPOSITORIES, type Repositories, type Store } from "../../src/store/store.js";

/** This run's database: PostgreSQL when BATON_TEST_DATABASE=postgres, else SQLite. */
export const onPostgres = process.env["BATON_TEST_DATABASE"] === "postgres";

/** The test server (trust auth on this kind of machine). */
export const TEST_POSTGRES_URL = process.env["BATON_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  /** Opens (and migrates) it; again after a close: a restart. */
  open(): Promise<Store>;
  /** The gateway's settings for it (BATON_DB, or BATON_DATABASE_URL and _SCHEMA). */
  env: Record<string, string>;
  /** Removes it (the file's folder, or the schema). */
  drop(): Promise<void>;
}

/** A fresh database: a SQLite file (`:memory:` when `memory`), or a fresh PostgreSQL schema. */
export function testDatabase(opts: { memory?: boolean; file?: string } = {}): TestDatabase {
  if (onPostgres) {
    // A file names one database across restarts: its schema is derived from the path.
    const schema = `${runPrefix()}${opts.file ? createHash("sha1").update(opts.file).digest("hex").slice(0, 16) : `${process.pid}_${randomBytes(4).toString("hex")}`}`;
    return {
      open: async () => {
        const store = await openPostgresStore({ url: TEST_POSTGRES_URL, poolSize: 4, schema, idleTimeoutMs: 200 });
        opened.add(store);
        return store;
      },
      env: { BATON_DATABASE_URL: TEST_POSTGRES_URL, BATON_DATABASE_SCHEMA: schema },
      drop: () => dropSchema(schema),
    };
  }
  if (opts.memory && !opts.file) return { open: async () => openStore(":memory:"), env: { BATON_DB: ":memory:" }, drop: async () => undefined };
  const dir = opts.file ? null : mkdtempSync(join(tmpdir(), "baton-db-"));
  const file = opts.file ?? join(dir!, "baton.db");
  return {
    open: async () => openStore(file),
    env: { BATON_DB: file },
    drop: async () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A store on a fresh database (in memory for SQLite), dropped when the store closes; on `file`, kept (a restart reopens it). */
export async function testStore(opts: { file?: string } = {}): Promise<Store> {
  const db = testDatabase({ memory: true, file: opts.file });
  const store = await db.open();
  if (opts.file) return store;
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await db.drop();
  };
  return store;
}

/**
 * A gateway's database for a test, as settings named by a SQLite file: BATON_DB, and on the
 * PostgreSQL tier the schema derived from that file, so that a gateway restarted on the same file
 * reopens the same database. BATON_DB stays set on PostgreSQL as well: the admin token file is
 * written beside it. The schema is dropped after the test file (the file's folder is the test's).
 */
export function gatewayDatabase(file: string): Record<string, string> {
  const db = testDatabase({ file });
  if (onPostgres) dropAtEnd.add(db);
  return { BATON_DB: file, ...db.env };
}

/** The methods of a repository about this process's caches and listeners (LOCAL in src/store/store.ts): no unit of work. */
const LOCAL_METHODS = new Set(["forgetAll", "watch", "changed"]);

/**
 * The repositories with each call its own transaction, for tests of the repositories themselves:
 * SQLite's store could be called directly, PostgreSQL's repositories only inside a unit of work.
 */
export function autocommit(store: Store): Repositories {
  const port: Record<string, Record<string, unknown>> = {};
  for (const name of REPOSITORIES) {
    const reads = Object.entries(store.queries[name] as unknown as Record<string, unknown>);
    port[name] = Object.fromEntries(
      reads.map(([key, read]) => [
        key,
        LOCAL_METHODS.has(key) ? read : (...args: unknown[]) => store.transact((s) => (s[name] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[key]!(...args)),
      ]),
    );
  }
  return port as unknown as Repositories;
}

/**
 * A fresh test store for each test of the file (closed, and dropped, after it), handed to `use`
 * with its repositories one transaction per call (autocommit).
 */
export function eachTestStore(use: (store: Store, repos: Repositories) => void): void {
  let store: Store | null = null;
  beforeEach(async () => {
    store = await testStore();
    use(store, autocommit(store));
  });
  afterEach(() => store?.close());
}

/**
 * One fresh database per test, opened as many times as the test asks (`open`: another store on
 * it, as another gateway would have its own pool): every store closed and the database dropped
 * after the test, after `beforeClose` (stop what runs on the stores).
 */
export function eachSharedDatabase(beforeClose: () => Promise<void> = async () => undefined): { open(): Promise<Store>; readonly env: Record<string, string> } {
  let db: TestDatabase | null = null;
  const stores: Store[] = [];
  beforeEach(() => {
    db = testDatabase();
  });
  afterEach(async () => {
    await beforeClose();
    for (const s of stores.splice(0)) await s.close();
    await db?.drop();
  });
  return {
    async open() {
      const store = await db!.open();
      stores.push(store);
      return store;
    },
    get env() {
      return db!.env;
    },
  };
}

/** Every test schema starts so; what a run leaves behind is dropped at its end (test/setup/postgres.ts). */
export const SCHEMA_PREFIX = "baton_test_";

/** The start of this run's schema names: the prefix and the run's mark, so that its teardown drops only its own. */
const runPrefix = (): string => `${SCHEMA_PREFIX}r${inject("batonTestRun")}_`;

/** Stores opened in this test file: closed after it (a test need not close its own). */
const opened = new Set<Store>();
/** Gateways' databases of this test file, dropped after it (once its gateways stopped). */
const dropAtEnd = new Set<TestDatabase>();
if (onPostgres) {
  afterAll(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    opened.clear();
    for (const db of dropAtEnd) await db.drop();
    dropAtEnd.clear();
  });
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Rows of raw SQL (`?` parameters) on the store's own database: for checks the repositories do not offer. */
export async function sqlRows<R = Record<string, unknown>>(store: Store, text: string, ...params: unknown[]): Promise<R[]> {
  if (store instanceof SqliteStore) {
    const statement = store.database.sqlite.prepare(text);
    if (statement.reader) return statement.all(...params) as R[];
    statement.run(...params);
    return [];
  }
  if (store instanceof PostgresStore) return (await store.pool.query(dynamic(text).compiled("postgres").text, params)).rows as R[];
  throw new Error("sqlRows: an unknown store");
}

/** The SQLite store of a test that only makes sense on SQLite (its file, its pragmas). */
export function sqliteOf(store: Store): SqliteStore {
  if (!(store instanceof SqliteStore)) throw new Error("this test needs the SQLite store");
  return store;
}
