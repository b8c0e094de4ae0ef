/**
 * Shared context, append-only: a write adds a row (the key's next version, the plan context's
 * next version). Reads take the newest row per key, optionally as of a context version; a key
 * removed by a restore has a `deleted` row and is absent.
 */
import type { Json } from "../domain/model.js";
import { targetsAdmit } from "../domain/visibility.js";
import { deferrable, query, type Sql } from "./sql.js";

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

const params = (w: ContextWrite): Record<string, unknown> => ({
  planId: w.planId,
  key: w.key,
  value: w.value === null || w.value === undefined ? null : JSON.stringify(w.value),
  targets: JSON.stringify(w.targets),
  deleted: w.deleted ? 1 : 0,
  by: w.by,
  at: w.at,
});

const COLUMNS = "key, value, targets, version, context_version, deleted, updated_by, updated_at";

/** Whether an entry is visible to a reader serving these roles under this agent id (null = an operator: sees all). */
export const visibleTo = (e: ContextEntryModel, reader: { id: string; roles: readonly string[] } | null): boolean =>
  reader === null || targetsAdmit(e.targets, reader);

/** The entries as one JSON object, key → value. */
export const contextData = (entries: readonly ContextEntryModel[]): { [key: string]: Json } =>
  Object.fromEntries(entries.map((e) => [e.key, e.value] as const));

// The key's next version and the context's next version, computed by the insert itself (one
// statement). Writers of a plan's context hold the plan's row lock (PostgreSQL) or the one write
// lock (SQLite), so no two compute the same version; the unique index on
// (plan_id, context_version) would refuse it if they did.
const INSERT = `INSERT INTO context_entries (plan_id, ${COLUMNS}) VALUES (@planId, @key, @value, @targets,
   (SELECT coalesce(max(version), 0) + 1 FROM context_entries WHERE plan_id = @planId AND key = @key),
   (SELECT coalesce(max(context_version), 0) + 1 FROM context_entries WHERE plan_id = @planId),
   @deleted, @by, @at)`;

const Q = {
  version: query<[string], { v: number | null }>("context.version", "SELECT max(context_version) AS v FROM context_entries WHERE plan_id = ?"),
  versions: query<[string], { plan_id: string; v: number }>(
    "context.versions",
    (d) => `SELECT plan_id, max(context_version) AS v FROM context_entries WHERE plan_id IN (SELECT value FROM ${d.jsonElements("?")}) GROUP BY plan_id`,
  ),
  insert: query<[Record<string, unknown>], { version: number; context_version: number }>("context.insert", `${INSERT} RETURNING version, context_version`),
  // The same write when nobody needs its versions back (Sql.defer); its batch numbers the writes
  // of one plan (and key) in a batch one after another.
  insertLater: deferrable(
    "context.insertLater",
    INSERT,
    `INSERT INTO context_entries (plan_id, ${COLUMNS})
     SELECT r."planId", r.key, r.value::jsonb, r.targets::jsonb,
       coalesce((SELECT max(version) FROM context_entries c WHERE c.plan_id = r."planId" AND c.key = r.key), 0)
         + row_number() OVER (PARTITION BY r."planId", r.key ORDER BY r.i),
       coalesce((SELECT max(context_version) FROM context_entries c WHERE c.plan_id = r."planId"), 0)
         + row_number() OVER (PARTITION BY r."planId" ORDER BY r.i),
       r.deleted, r."by", r."at"
     FROM jsonb_to_recordset(?::jsonb) AS r(i bigint, "planId" text, key text, value text, targets text, deleted smallint, "by" text, "at" bigint)`,
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

  /** The context versions of many plans in one statement (0 for a plan with no write). */
  async versions(planIds: readonly string[]): Promise<Map<string, number>> {
    if (planIds.length === 0) return new Map();
    const found = new Map((await this.sql.all(Q.versions, JSON.stringify(planIds))).map((r) => [r.plan_id, r.v] as const));
    return new Map(planIds.map((id) => [id, found.get(id) ?? 0] as const));
  }

  /** Writes one entry; returns it. Call inside a transaction (reads the versions it extends). */
  async write(w: ContextWrite): Promise<ContextEntryModel> {
    const row = await this.sql.get(Q.insert, params(w));
    const { version, context_version: contextVersion } = row!;
    return { key: w.key, value: w.value ?? null, targets: [...w.targets], version, contextVersion, updatedBy: w.by, updatedAt: w.at };
  }

  /** Writes one entry, perhaps later in the transaction (Sql.defer): for a caller that needs nothing back. */
  async writeLater(w: ContextWrite): Promise<void> {
    await this.sql.defer(Q.insertLater, params(w));
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
