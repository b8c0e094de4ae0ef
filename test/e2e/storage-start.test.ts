/**
 * `baton serve` on a database it cannot write: one clear line on stderr (the file, what to look
 * at, SQLite's code — no stack, no SQL), exit code 1, and nothing listening. Runs the compiled CLI.
 *
 * The database is made read-only for real, with file modes. Root ignores them, so when the tests
 * run as root (CI containers) the gateway is started as `nobody` instead: the same open, the same
 * SQLite error as for any user the modes keep out.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { CLI } from "../helpers/process.js";
import { tempDbFile } from "../helpers/storage.js";

const NOBODY = 65_534;
const asRoot = process.getuid?.() === 0;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A migrated database file in a folder of its own, left writable by everyone for now. */
async function database(): Promise<{ dir: string; file: string }> {
  const { file, cleanup } = tempDbFile();
  const dir = join(file, "..");
  cleanups.push(cleanup, () => chmodSync(dir, 0o777)); // so that cleanup may remove it
  await openDatabase(file).close();
  chmodSync(dir, 0o777);
  chmodSync(file, 0o666);
  return { dir, file };
}

/** Runs `baton serve` (as nobody when we are root) until it exits: its exit code and stderr. */
function serve(file: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "serve"], {
    env: { ...process.env, BATON_AUTH: "off", BATON_PORT: "0", BATON_DB: file, BATON_LOG_LEVEL: "warn" },
    encoding: "utf8",
    timeout: 20_000,
    ...(asRoot ? { uid: NOBODY, gid: NOBODY, cwd: "/" } : {}),
  });
  return { status: r.status, stderr: r.stderr };
}

const READ_ONLY = "the database is read-only: Baton must be able to write the file and its folder (for the -wal and -shm files)";

describe("starting on a database that cannot be written", () => {
  it("a read-only file: one line, exit code 1", async () => {
    const { file } = await database();
    chmodSync(file, 0o444);
    const r = serve(file);
    expect(r.stderr).toBe(`baton: database error: cannot use the database ${file}: ${READ_ONLY} (SQLITE_READONLY)\n`);
    expect(r.status).toBe(1);
  });

  it("a read-only folder (the -wal and -shm files cannot be made): one line, exit code 1", async () => {
    const { dir, file } = await database();
    chmodSync(dir, 0o555);
    const r = serve(file);
    expect(r.stderr).toBe(`baton: database error: cannot use the database ${file}: ${READ_ONLY} (SQLITE_READONLY_DIRECTORY)\n`);
    expect(r.status).toBe(1);
  });

  it("no database yet, in a folder that cannot be written: one line, exit code 1", async () => {
    const { dir } = await database();
    const empty = join(dir, "empty");
    mkdirSync(empty);
    chmodSync(empty, 0o555);
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const file = join(empty, "baton.db");
    const r = serve(file);
    expect(r.stderr).toBe(
      `baton: database error: cannot use the database ${file}: the database file cannot be opened: check that it (or its folder) exists and can be read and written (SQLITE_CANTOPEN)\n`,
    );
    expect(r.status).toBe(1);
  });
});
