import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCheckpointer } from "./checkpointer.js";
import * as schema from "./schema.js";
import { describeStorageError, sqliteErrorOf, type SqliteError } from "./storage-errors.js";

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenDatabase {
  sqlite: Database.Database;
  db: Db;
  close(): Promise<void>;
}

/** WAL pages before a commit checkpoints by itself: normally the checkpointer is far ahead. */
const SAFETY_CHECKPOINT_PAGES = 20_000;

/**
 * The folder holding package.json, found by walking up from this module, so that db/
 * is found both from src/ (tests) and from dist/src/ (compiled).
 */
export function packageRoot(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const MIGRATIONS_DIR = join(packageRoot(), "db", "sqlite");

/**
 * A database that cannot be opened, migrated or written, in one line for the operator: the file,
 * what to look at and SQLite's code (`code`, as on the SQLite error, which is the `cause`).
 */
export class DatabaseOpenError extends Error {
  readonly code: string;

  constructor(file: string, cause: SqliteError) {
    super(`cannot use the database ${file}: ${describeStorageError(cause)}`, { cause });
    this.name = "DatabaseOpenError";
    this.code = cause.code;
  }
}

/**
 * Opens (creating its folder if needed) and migrates a SQLite database: WAL journal,
 * synchronous=NORMAL (durable across process crashes; an OS crash may lose the last commits),
 * foreign keys on, checkpoints in a worker thread. `:memory:` gives a private in-memory database.
 * A database that cannot be written (a read-only file or folder), or whose migrations find no
 * room on the disk, fails here with a DatabaseOpenError, rather than at the first change.
 */
export function openDatabase(file: string): OpenDatabase {
  try {
    return open(file);
  } catch (e) {
    const sqlite = sqliteErrorOf(e);
    throw sqlite ? new DatabaseOpenError(file, sqlite) : e;
  }
}

/**
 * Fails (SQLITE_READONLY) when the database cannot be written. SQLite opens a file it may not
 * write read-only without a word, takes the write lock on it all the same, and migrating a
 * database that is up to date writes nothing: only writing a page tells. The page (the header's
 * user_version, set to what it is) is rolled back, never written to the file.
 */
function probeWrite(sqlite: Database.Database): void {
  const version = sqlite.pragma("user_version", { simple: true }) as number;
  sqlite.exec("BEGIN IMMEDIATE");
  try {
    sqlite.pragma(`user_version = ${version}`);
  } finally {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
  }
}

/**
 * The database holds webhook secrets and token hashes: it is created readable by its owner only
 * (SQLite gives its -wal and -shm files the mode of the database), and an existing one, with its
 * sidecars, is tightened to that (when this process may).
 */
export function makePrivate(file: string): void {
  closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // absent, or another owner's: left as it is
    }
  }
}

function open(file: string): OpenDatabase {
  if (file !== ":memory:") {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      makePrivate(file);
    } catch {
      // a folder or file that cannot be written: SQLite's own error below says what to check
    }
  }
  const sqlite = new Database(file);
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    probeWrite(sqlite);
    const db = drizzle(sqlite, { schema });
    migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    if (file === ":memory:") return { sqlite, db, close: async () => void sqlite.close() };
    sqlite.pragma(`wal_autocheckpoint = ${SAFETY_CHECKPOINT_PAGES}`);
    sqlite.pragma("journal_size_limit = 67108864");
    const checkpointer = startCheckpointer(file);
    return {
      sqlite,
      db,
      async close() {
        await checkpointer.stop();
        sqlite.close();
      },
    };
  } catch (e) {
    sqlite.close();
    throw e;
  }
}
