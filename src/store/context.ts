/**
 * Shared context, append-only: a write adds a row (the key's next version, the plan context's
 * next version). Reads take the newest row per key, optionally as of a context version; a key
 * removed by a restore has a `deleted` row and is absent.
 */
import type { Json } from "../domain/model.js";
import { query, type Sql } from "./sql.js";

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

const Q = {
  version: query<[string], { v: number | null }>("context.version", "SELECT max(context_version) AS v FROM context_entries WHERE plan_id = ?"),
  keyVersion: query<[string, string], { v: number | null }>("context.keyVersion", "SELECT max(version) AS v FROM context_entries WHERE plan_id = ? AND key = ?"),
  insert: query<[Record<string, unknown>]>(
    "context.insert",
    `INSERT INTO context_entries (plan_id, ${COLUMNS}) VALUES (@planId, @key, @value, @targets, @version, @contextVersion, @deleted, @by, @at)`,
  ),
  // Current entries: the newest row per key, straight from the (plan_id, key, seq) index.
  current: query<[string], Row>(
    "context.current",
    `SELECT ${COLUMNS} FROM context_entries WHERE seq IN
       (SELECT max(seq) FROM context_entries WHERE plan_id = ? GROUP BY key)
     ORDER BY key`,
  ),
  at: query<[string, number], Row>(
    "context.at",
    `SELECT ${COLUMNS} FROM context_entries WHERE seq IN
       (SELECT max(seq) FROM context_entries WHERE plan_id = ? AND context_version <= ? GROUP BY key)
     ORDER BY key`,
  ),
  entry: query<[string, string], Row>("context.entry", `SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? AND key = ? ORDER BY seq DESC LIMIT 1`),
  history: query<[string], Row>("context.history", `SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? ORDER BY seq`),
  keyHistory: query<[string, string], Row>("context.keyHistory", `SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? AND key = ? ORDER BY seq`),
  writeAndBefore: query<[string, string, number], Row>(
    "context.writeAndBefore",
    `SELECT ${COLUMNS} FROM context_entries WHERE plan_id = ? AND key = ? AND context_version <= ? ORDER BY seq DESC LIMIT 2`,
  ),
};

export class ContextRepository {
  constructor(private readonly sql: Sql) {}

  /** The plan context's version: 0 before any write. */
  async version(planId: string): Promise<number> {
    return (await this.sql.get(Q.version, planId))?.v ?? 0;
  }

  /** Writes one entry; returns it. Call inside a transaction (reads the versions it extends). */
  async write(w: ContextWrite): Promise<ContextEntryModel> {
    const version = ((await this.sql.get(Q.keyVersion, w.planId, w.key))?.v ?? 0) + 1;
    const contextVersion = (await this.version(w.planId)) + 1;
    const value = w.value === null || w.value === undefined ? null : JSON.stringify(w.value);
    await this.sql.run(Q.insert, { planId: w.planId, key: w.key, value, targets: JSON.stringify(w.targets), version, contextVersion, deleted: w.deleted ? 1 : 0, by: w.by, at: w.at });
    return { key: w.key, value: w.value ?? null, targets: [...w.targets], version, contextVersion, updatedBy: w.by, updatedAt: w.at };
  }

  /** The current entries (or as of a plan context version), by key. */
  async entries(planId: string, asOf?: number): Promise<ContextEntryModel[]> {
    return (asOf === undefined ? await this.sql.all(Q.current, planId) : await this.sql.all(Q.at, planId, asOf))
      .filter((r) => r.deleted === 0)
      .map(entryOf);
  }

  /** The current entry of a key, or null (never written, or removed). */
  async entry(planId: string, key: string): Promise<ContextEntryModel | null> {
    const r = await this.sql.get(Q.entry, planId, key);
    return r && r.deleted === 0 ? entryOf(r) : null;
  }

  /**
   * The write of `key` that made context version `contextVersion`, and the key's write before it
   * (what an UPDATE_CONTEXT diff's `after` and `before` were): null where there is none.
   */
  async writeAndBefore(planId: string, key: string, contextVersion: number): Promise<{ write: ContextEntryModel | null; before: ContextEntryModel | null }> {
    const [w, b] = await this.sql.all(Q.writeAndBefore, planId, key, contextVersion);
    if (!w || w.context_version !== contextVersion) return { write: null, before: null };
    return { write: entryOf(w), before: b ? entryOf(b) : null };
  }

  /** Every write, oldest first; of one key when given. Removals show as entries with a null value. */
  async history(planId: string, key?: string | null): Promise<ContextEntryModel[]> {
    return (key == null ? await this.sql.all(Q.history, planId) : await this.sql.all(Q.keyHistory, planId, key)).map(entryOf);
  }
}
