/**
 * Storage failures: errors about the database rather than the request — a full disk, a read-only
 * file or folder, an I/O error, a lock held by another process for longer than busy_timeout; on
 * PostgreSQL a lost or refused connection, a server shutting down or failing over, a full disk,
 * a read-only standby, transactions that keep deadlocking. This is the one place that maps
 * SQLite's result codes (better-sqlite3's `err.code`, also when drizzle wraps it as the `cause`
 * of a DrizzleQueryError) and PostgreSQL's SQLSTATEs (and node-postgres' connection errors) to
 * Baton's codes.
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

/** An error of PostgreSQL (its SQLSTATE in `code`) or of the connection to it (node-postgres, the socket). */
interface PgLikeError extends Error {
  code?: string;
}

const PG_FULL: StorageKind = { ...FULL, operator: "the PostgreSQL server is out of disk space or another resource" };
const PG_READ_ONLY: StorageKind = { ...READ_ONLY, operator: "the PostgreSQL server accepts no writes (a standby, or default_transaction_read_only)" };
const PG_UNAVAILABLE: StorageKind = { ...UNAVAILABLE, operator: "the PostgreSQL server cannot be reached, or it closed the connection" };
const PG_BUSY: StorageKind = {
  ...UNAVAILABLE,
  client: "the database kept refusing the change as conflicting with others (deadlock or serialization failure): it was not saved, try again",
  operator: "transactions kept deadlocking or failing to serialise",
};

/** Socket errors on the way to the server. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);
/** What node-postgres says, without a code, when a connection is gone or cannot be made. */
const CONNECTION_LOST = /Connection terminated|not queryable|timeout exceeded when trying to connect|Client was closed|Cannot use a pool after calling end/;

/**
 * Errors the PostgreSQL adapter met (marked where it calls node-postgres): a socket error or a
 * code-less message is the database's only then — an HTTP client's ECONNREFUSED is not.
 */
const FROM_POSTGRES = new WeakSet<object>();

/** Marks an error as met talking to PostgreSQL; returns it. */
export function fromPostgres(e: unknown): unknown {
  if (e instanceof Error) FROM_POSTGRES.add(e);
  return e;
}

/** The kind of a PostgreSQL or connection error, or null for any other error (a constraint, bad SQL…). */
function pgKindOf(e: PgLikeError): StorageKind | null {
  if (!FROM_POSTGRES.has(e) && !("severity" in e)) return null; // node-postgres' DatabaseError has a severity
  const code = e.code ?? "";
  if (code === "53100" || code === "53200" || code === "53300" || code === "53000") return PG_FULL;
  if (code === "25006") return PG_READ_ONLY;
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || NETWORK_CODES.has(code)) return PG_UNAVAILABLE;
  if (code === "40001" || code === "40P01") return PG_BUSY;
  if (!code && CONNECTION_LOST.test(e.message)) return PG_UNAVAILABLE;
  return null;
}

/** The PostgreSQL or connection error in `e` or its cause chain (drizzle wraps them) that is a storage failure, or null. */
function pgFailureOf(e: unknown): { error: PgLikeError; kind: StorageKind } | null {
  for (let c = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if (c instanceof Database.SqliteError || isBatonError(c)) return null;
    const kind = pgKindOf(c);
    if (kind) return { error: c, kind };
  }
  return null;
}

/** Whether a PostgreSQL transaction that failed with `e` may simply be run again: a deadlock or a serialization failure. */
export const isRetryable = (e: unknown): boolean => pgFailureOf(e)?.kind === PG_BUSY;

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

/** The BatonError for a storage error of either database (the original as its cause), or null for any other error. */
export function storageFailure(e: unknown): BatonError | null {
  const sqlite = sqliteErrorOf(e);
  const kind = sqlite ? kindOf(sqlite.code) : (pgFailureOf(e)?.kind ?? null);
  if (!kind) return null;
  const failure = new BatonError(kind.code, kind.client);
  failure.cause = e;
  return failure;
}

/**
 * One line for the operator about a storage error of either database, also one already mapped
 * (found in the cause chain): what to look at and the database's code (SQLite's result code,
 * PostgreSQL's SQLSTATE), never the SQL drizzle puts in its message. Null for other errors.
 */
export function describeStorageError(e: unknown): string | null {
  const sqlite = sqliteErrorOf(e);
  if (!sqlite) {
    const pg = pgFailureOf(e);
    return pg ? `${pg.kind.operator}: ${pg.error.message.split("\n")[0]}${pg.error.code ? ` (${pg.error.code})` : ""}` : null;
  }
  const what = kindOf(sqlite.code)?.operator ?? sqlite.message.split("\n")[0];
  return `${what} (${sqlite.code})`;
}
