/**
 * Storage failures: SQLite errors about the database file rather than the request — a full
 * disk, a read-only file or folder, an I/O error, a lock held by another process for longer than
 * busy_timeout. This is the one place that maps SQLite's result codes (better-sqlite3's
 * `err.code`, also when drizzle wraps it as the `cause` of a DrizzleQueryError) to Baton's codes.
 *
 * A storage failure aborts the whole transaction (SQLite itself rolls it back on SQLITE_FULL and
 * SQLITE_IOERR, Store.transaction on the others), so nothing of the change was saved:
 * Store.transaction turns it into a BatonError with a stable code and a message with no SQL, path
 * or stack; the original error stays its `cause`, for the server's log (src/graphql/errors.ts,
 * src/cli/baton.ts).
 */
import Database from "better-sqlite3";
import { BatonError, isBatonError, type ErrorCode } from "../domain/errors.js";

export type SqliteError = InstanceType<typeof Database.SqliteError>;

interface StorageKind {
  code: ErrorCode;
  /** For API clients: what happened to their change. */
  client: string;
  /** For the operator (start-up failures, logs): what to look at. */
  operator: string;
}

const FULL: StorageKind = {
  code: "STORAGE_FULL",
  client: "the database disk is full: the change was not saved",
  operator: "the disk holding the database is full",
};
const READ_ONLY: StorageKind = {
  code: "STORAGE_READ_ONLY",
  client: "the database is read-only: the change was not saved",
  operator: "the database is read-only: Baton must be able to write the file and its folder (for the -wal and -shm files)",
};
const UNAVAILABLE: StorageKind = {
  code: "STORAGE_UNAVAILABLE",
  client: "the database could not be read or written: the change was not saved",
  operator: "the database could not be read or written",
};
const CANT_OPEN: StorageKind = {
  ...UNAVAILABLE,
  operator: "the database file cannot be opened: check that it (or its folder) exists and can be read and written",
};
const DAMAGED: StorageKind = {
  ...UNAVAILABLE,
  operator: "the database file is not a SQLite database, or it is damaged",
};
const LOCKED: StorageKind = {
  ...UNAVAILABLE,
  client: "the database is locked by another process: the change was not saved, try again",
  operator: "the database is locked by another process",
};

/** The kind of a SQLite result code (primary or extended, e.g. SQLITE_READONLY_DIRECTORY), or null. */
function kindOf(sqliteCode: string): StorageKind | null {
  const primary = /^SQLITE_[A-Z]+/.exec(sqliteCode)?.[0];
  switch (primary) {
    case "SQLITE_FULL":
      return FULL;
    case "SQLITE_READONLY":
      return READ_ONLY;
    case "SQLITE_CANTOPEN":
      return CANT_OPEN;
    case "SQLITE_BUSY":
      return LOCKED;
    case "SQLITE_CORRUPT":
    case "SQLITE_NOTADB":
      return DAMAGED;
    case "SQLITE_IOERR":
    case "SQLITE_PROTOCOL":
      return UNAVAILABLE;
    default:
      return null;
  }
}

/** The SQLite error in `e` or its cause chain (drizzle wraps them), or null. */
export function sqliteErrorOf(e: unknown): SqliteError | null {
  for (let c = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if (c instanceof Database.SqliteError) return c;
  }
  return null;
}

const STORAGE_CODES = new Set<string>([FULL.code, READ_ONLY.code, UNAVAILABLE.code]);

/** Whether `e` is a storage failure: a BatonError with a STORAGE_* code, or a SQLite error that maps to one. */
export function isStorageFailure(e: unknown): boolean {
  return isBatonError(e) ? STORAGE_CODES.has(e.code) : storageFailure(e) !== null;
}

/** The BatonError for a SQLite storage error (the original as its cause), or null for any other error. */
export function storageFailure(e: unknown): BatonError | null {
  const sqlite = sqliteErrorOf(e);
  const kind = sqlite && kindOf(sqlite.code);
  if (!kind) return null;
  const failure = new BatonError(kind.code, kind.client);
  failure.cause = e;
  return failure;
}

/**
 * One line for the operator about a SQLite error, also one already mapped (found in the cause
 * chain): what to look at and SQLite's code, never the SQL drizzle puts in its message. Null
 * for other errors.
 */
export function describeSqliteError(e: unknown): string | null {
  const sqlite = sqliteErrorOf(e);
  if (!sqlite) return null;
  const what = kindOf(sqlite.code)?.operator ?? sqlite.message.split("\n")[0];
  return `${what} (${sqlite.code})`;
}
