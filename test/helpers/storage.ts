/**
 * Storage failures on demand, on a real file database (WAL, real migrations), and what a test
 * needs to check that a failed write left nothing behind. No timed sleeps.
 *
 * A full disk is SQLite's own limit on the file's size: with `max_page_count` just above
 * `page_count`, the next write that needs more than a few new pages fails with SQLITE_FULL, as
 * on a disk with no room, inside the transaction (after some of its statements ran). VACUUM
 * first empties the freelist, so no write finds room in freed pages; the payloads used against it
 * (BIG) need about 50 new pages.
 *
 * A read-only database: chmod cannot make it so for a running server — the connection keeps the
 * file it opened, and root (CI) ignores the mode anyway. `PRAGMA query_only` on the live
 * connection makes SQLite refuse the write transaction at BEGIN IMMEDIATE with SQLITE_READONLY,
 * the same check (a write transaction on a read-only b-tree) and the same error a connection to a
 * read-only file gets. A read-only file at start-up is tested for real (test/e2e/storage-start).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import type { Store } from "../../src/store/store.js";
import { sqliteOf, sqlRows } from "./database.js";

/** Room left when the disk is "full", in pages: small writes still fit, BIG ones never. */
const SLACK_PAGES = 8;
/** A string of 200 KB: its write needs ~50 new pages. */
export const BIG = "x".repeat(200_000);

export function diskFull(store: Store, slackPages = SLACK_PAGES): void {
  const sqlite = sqliteOf(store).database.sqlite;
  sqlite.exec("VACUUM");
  if (sqlite.pragma("freelist_count", { simple: true }) !== 0) throw new Error("VACUUM left free pages");
  const pages = sqlite.pragma("page_count", { simple: true }) as number;
  sqlite.pragma(`max_page_count = ${pages + slackPages}`);
}

export function diskFreed(store: Store): void {
  sqliteOf(store).database.sqlite.pragma("max_page_count = 1073741823");
}

export function readOnly(store: Store, on: boolean): void {
  sqliteOf(store).database.sqlite.pragma(`query_only = ${on ? 1 : 0}`);
}

/** A temporary folder for a database file; `cleanup` removes it. */
export function tempDbFile(): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "baton-storage-"));
  return { file: join(dir, "baton.db"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  level: number;
  msg: string;
  err?: { type?: string; message?: string; code?: string };
  [key: string]: unknown;
}

/** A logger whose lines (error level and above) are kept in `lines`. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const TABLES = ["plans", "steps", "attempts", "signals", "timers", "checkpoints", "interventions", "context_entries", "agents"];

/** Row counts of the tables a change writes, the signal log's head and the AUTOINCREMENT counters. */
export async function snapshot(store: Store): Promise<Record<string, unknown>> {
  const sqlite = sqliteOf(store).database.sqlite;
  const counts = Object.fromEntries(TABLES.map((t) => [t, (sqlite.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
  return { ...counts, signalHead: await store.queries.signals.head(), sequences: sqlite.prepare("SELECT name, seq FROM sqlite_sequence ORDER BY name").all() };
}

/** Whether the signal log is 1, 2, … n with no gap (on either database). */
export async function signalLogHasNoGap(store: Store): Promise<boolean> {
  const seqs = (await sqlRows<{ sequence: number }>(store, "SELECT sequence FROM signals ORDER BY sequence")).map((r) => r.sequence);
  return seqs.every((s, i) => s === i + 1);
}
