/**
 * Online backup of a Baton database (`baton backup <file>`), safe while a server runs on it.
 *
 * SQLite's online backup API (better-sqlite3's `db.backup`) copies the database page by page
 * from a read-only connection of our own. The copy is taken in a single backup step, that is in
 * one WAL read transaction: a consistent snapshot of the last commit before the step began. The
 * server keeps committing meanwhile (WAL readers never block writers); its checkpoints just
 * cannot pass our snapshot until the copy is done. (Several small steps would let the server's
 * commits restart the copy from page 1 each time, possibly forever under a steady write load.)
 *
 * The copy is written to a temporary file beside the destination, checked (`quick_check`), and
 * only then moved into place, so the destination is either absent, the old file (`--force`), or
 * a whole copy: never half a database. Migrations travel with the copy (they are tables), so a
 * server started on the copy runs from where the original was.
 */
import Database from "better-sqlite3";
import { existsSync, linkSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { makePrivate } from "./database.js";

/** A backup refused or failed for a reason worth one line to the operator. */
export class BackupError extends Error {}

export interface BackupOptions {
  /** Overwrite an existing destination file. */
  force?: boolean;
}

export interface BackupResult {
  source: string;
  destination: string;
  pages: number;
  bytes: number;
}

/** The files SQLite keeps beside a database; stale ones would be replayed into a new copy. */
const SIDECARS = ["-wal", "-shm", "-journal"];

/** Removes a temporary copy and whatever SQLite left beside it; best effort. */
const removeWithSidecars = (file: string): void => {
  for (const f of [file, ...SIDECARS.map((s) => file + s)]) {
    try {
      rmSync(f, { force: true });
    } catch {
      /* nothing to remove, or nothing we could have written there */
    }
  }
};

/** The real path of `file` if it exists, else its absolute path (to compare source and destination). */
const canonical = (file: string): string => {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
};

/** One line for a file-system error on `file`. */
function fsProblem(e: unknown, file: string): BackupError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOTDIR: "a parent is not a folder",
    EISDIR: "is a folder",
    ENOSPC: "no space left on device",
    EEXIST: "already exists (use --force to overwrite)",
  };
  const reason = (err?.code && why[err.code]) ?? (err instanceof Error ? err.message : String(e));
  return new BackupError(`cannot write backup ${file}: ${reason}`);
}

export async function backupDatabase(sourceFile: string, destinationFile: string, options: BackupOptions = {}): Promise<BackupResult> {
  if (sourceFile === ":memory:") {
    throw new BackupError("cannot back up BATON_DB=:memory: (an in-memory database lives only inside its server process)");
  }
  if (destinationFile.trim() === "" || destinationFile === ":memory:") throw new BackupError(`invalid backup file "${destinationFile}"`);
  const source = resolve(sourceFile);
  const destination = resolve(destinationFile);

  if (!existsSync(source)) throw new BackupError(`database ${source} does not exist (BATON_DB)`);
  if (!statSync(source).isFile()) throw new BackupError(`database ${source} is not a file (BATON_DB)`);
  if (canonical(source) === canonical(destination)) throw new BackupError(`the backup file ${destination} is the database itself`);
  if (existsSync(destination)) {
    if (statSync(destination).isDirectory()) throw new BackupError(`cannot write backup ${destination}: is a folder`);
    if (!options.force) throw new BackupError(`backup file ${destination} already exists (use --force to overwrite)`);
  }

  // query_only: this connection never writes the live database. (Not a read-only connection:
  // that one would leave an empty -wal and -shm behind a database no server has open, where the
  // last connection to close normally removes them.)
  let sqlite: Database.Database;
  try {
    sqlite = new Database(source, { fileMustExist: true });
  } catch (e) {
    throw new BackupError(`cannot open database ${source}: ${(e as Error).message}`);
  }
  const temp = join(dirname(destination), `.${basename(destination)}.backup-${process.pid}.tmp`);
  try {
    try {
      sqlite.pragma("query_only = ON");
      sqlite.pragma("busy_timeout = 5000");
      const migrated = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`).get();
      if (!migrated) throw new BackupError(`${source} is not a Baton database (no migrations applied)`);
    } catch (e) {
      if (e instanceof BackupError) throw e;
      throw new BackupError(`cannot read database ${source}: ${(e as Error).message}`);
    }

    try {
      mkdirSync(dirname(destination), { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTDIR") throw new BackupError(`cannot write backup ${destination}: a parent on its path is not a folder`);
      throw fsProblem(e, destination);
    }
    removeWithSidecars(temp);
    let pages: number;
    try {
      makePrivate(temp); // the copy holds what the database holds: readable by its owner only
    } catch (e) {
      throw fsProblem(e, destination);
    }
    try {
      // The first progress report comes before any page is copied: from then on, copy every
      // remaining page in one step (one snapshot, no restart; see the header).
      ({ totalPages: pages } = await sqlite.backup(temp, { progress: () => 0x7fffffff }));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (typeof err?.code === "string" && err.code.startsWith("SQLITE_CANTOPEN")) {
        throw new BackupError(`cannot write backup ${destination}: unable to create a file in ${dirname(destination)}`);
      }
      if (typeof err?.code === "string" && !err.code.startsWith("SQLITE")) throw fsProblem(e, destination);
      throw new BackupError(`backup of ${source} failed: ${err instanceof Error ? err.message : String(e)}`);
    }
    verify(temp);
    place(temp, destination, options.force === true);
    return { source, destination, pages, bytes: statSync(destination).size };
  } finally {
    sqlite.close();
    removeWithSidecars(temp);
  }
}

/** The copy is a sound SQLite database holding Baton's migrations. */
function verify(file: string): void {
  const copy = new Database(file, { fileMustExist: true });
  try {
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new BackupError(`the copy failed its integrity check: ${String(check)}`);
    const migrations = copy.prepare(`SELECT count(*) AS n FROM __drizzle_migrations`).get() as { n: number };
    if (migrations.n === 0) throw new BackupError("the copy holds no migrations");
  } finally {
    copy.close(); // the last connection: SQLite folds its WAL back in and removes it
  }
}

/** Moves the finished copy into place: atomically, and without --force never over a file. */
function place(temp: string, destination: string, force: boolean): void {
  try {
    // Stale sidecars of an earlier database at the destination would be replayed into the copy.
    for (const s of SIDECARS) rmSync(destination + s, { force: true });
    if (force) {
      renameSync(temp, destination);
      return;
    }
    try {
      linkSync(temp, destination); // fails with EEXIST if a file appeared meanwhile
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") throw new BackupError(`backup file ${destination} already exists (use --force to overwrite)`);
      // A file system without hard links: check, then rename.
      if (existsSync(destination)) throw new BackupError(`backup file ${destination} already exists (use --force to overwrite)`);
      renameSync(temp, destination);
    }
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw fsProblem(e, destination);
  }
}
