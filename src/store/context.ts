/**
 * Shared context, append-only: a write adds a row (the key's next version, the plan context's
 * next version). Reads take the newest row per key, optionally as of a context version; a key
 * removed by a restore has a `deleted` row and is absent. Hot statements are prepared.
 */
import type Database from "better-sqlite3";
import type { Json } from "../domain/model.js";

export interface ContextEntryModel {
  key: string;
  value: Json | null;
  targets: string[];
  /** The entry's version (per key). */
  version: number;
  /** The plan context's version after this write. */
  contextVersion: number;
  updatedBy: string;
  updatedAt: number;
}

export interface ContextWrite {
  planId: string;
  key: string;
  value: Json | null;
  targets: readonly string[];
  by: string;
  at: number;
  /** True to record the key's removal (restores only). */
  deleted?: boolean;
}

interface Row {
  key: string;
  value: string | null;
  targets: string;
  version: number;
  context_version: number;
  deleted: number;
  updated_by: string;
  updated_at: number;
}

const entryOf = (r: Row): ContextEntryModel => ({
  key: r.key,
  value: r.value === null ? null : (JSON.parse(r.value) as Json),
  targets: JSON.parse(r.targets) as string[],
  version: r.version,
  contextVersion: r.context_version,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

const COLUMNS = "key, value, targets, version, context_version, deleted, updated_by, updated_at";

/** Whether an entry is visible to a reader serving these roles under this agent id (null = an operator: sees all). */
export const visibleTo = (e: ContextEntryModel, reader: { id: string; roles: readonly string[] } | null): boolean =>
  reader === null || e.targets.length === 0 || e.targets.includes(reader.id) || e.targets.some((t) => reader.roles.includes(t));

/** The entries as one JSON object, key → value. */
export const contextData = (entries: readonly ContextEntryModel[]): { [key: string]: Json } =>
  Object.fromEntries(entries.map((e) => [e.key, e.value] as const));

export class ContextRepository {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      version: sqlite.prepare<[string], { v: number | null }>("SELECT max(context_version) AS v FROM context_entries WHERE plan_id = ?"),
      keyVersion: sqlite.prepare<[string, string], { v: number | null }>("SELECT max(version) AS v FROM context_entries WHERE plan_id = ? AND key = ?"),
      insert: sqlite.prepare(
        `INSERT INTO context_entries (plan_id, ${COLUMNS}) VALUES (@planId, @key, @value, @targets, @version, @contextVersion, @deleted, @by, @at)`,
      ),
      // Current entries: the newest row per key, straight from the (plan_id, key, seq) index.
      current: sqlite.prepare<[string], Row>(
        `SELECT ${COLUMNS} FROM context_entries WHERE seq IN
           (SELECT max(seq) FROM context_entries WHERE plan_id = ? GROUP BY key)
         ORDER BY key`,
      ),
      at: sqlite.prepare<[string, number], Row>(
        `SELECT ${COLUMNS} FROM context_entries WHERE seq IN
           (SELECT max(seq) FROM context_entries WHERE plan_id = ? AND context_version <= ? GROUP BY key)
         ORDER BY key`,
      ),
      entry: sqlite.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? AND key = ? ORDER BY seq DESC LIMIT 1`),
      history: sqlite.prepare<[string], Row>(`SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? ORDER BY seq`),
      keyHistory: sqlite.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? AND key = ? ORDER BY seq`),
      writeAndBefore: sqlite.prepare<[string, string, number], Row>(
        `SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? AND key = ? AND context_version <= ? ORDER BY seq DESC LIMIT 2`,
      ),
    };
  }

  /** The plan context's version: 0 before any write. */
  version(planId: string): number {
    return this.stmt.version.get(planId)?.v ?? 0;
  }

  /** Writes one entry; returns it. Call inside a transaction (reads the versions it extends). */
  write(w: ContextWrite): ContextEntryModel {
    const version = (this.stmt.keyVersion.get(w.planId, w.key)?.v ?? 0) + 1;
    const contextVersion = this.version(w.planId) + 1;
    const value = w.value === null || w.value === undefined ? null : JSON.stringify(w.value);
    this.stmt.insert.run({ planId: w.planId, key: w.key, value, targets: JSON.stringify(w.targets), version, contextVersion, deleted: w.deleted ? 1 : 0, by: w.by, at: w.at });
    return { key: w.key, value: w.value ?? null, targets: [...w.targets], version, contextVersion, updatedBy: w.by, updatedAt: w.at };
  }

  /** The current entries (or as of a plan context version), by key. */
  entries(planId: string, asOf?: number): ContextEntryModel[] {
    return (asOf === undefined ? this.stmt.current.all(planId) : this.stmt.at.all(planId, asOf))
      .filter((r) => r.deleted === 0)
      .map(entryOf);
  }

  /** The current entry of a key, or null (never written, or removed). */
  entry(planId: string, key: string): ContextEntryModel | null {
    const r = this.stmt.entry.get(planId, key);
    return r && r.deleted === 0 ? entryOf(r) : null;
  }

  /**
   * The write of `key` that made context version `contextVersion`, and the key's write before it
   * (what an UPDATE_CONTEXT diff's `after` and `before` were): null where there is none.
   */
  writeAndBefore(planId: string, key: string, contextVersion: number): { write: ContextEntryModel | null; before: ContextEntryModel | null } {
    const [w, b] = this.stmt.writeAndBefore.all(planId, key, contextVersion);
    if (!w || w.context_version !== contextVersion) return { write: null, before: null };
    return { write: entryOf(w), before: b ? entryOf(b) : null };
  }

  /** Every write, oldest first; of one key when given. Removals show as entries with a null value. */
  history(planId: string, key?: string | null): ContextEntryModel[] {
    return (key == null ? this.stmt.history.all(planId) : this.stmt.keyHistory.all(planId, key)).map(entryOf);
  }
}
