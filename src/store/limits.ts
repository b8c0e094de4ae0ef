/**
 * Role limits (the role_limits table), held in memory: read once, then written through, so
 * that a claim looks its roles up without a query. A rolled-back transaction drops the copy
 * (Store.transaction), and the next read loads it again.
 */
import type Database from "better-sqlite3";
import type { RoleLimit } from "../domain/limits.js";

interface RawLimit {
  role: string;
  claims: number | null;
  interval_ms: number | null;
  max_concurrent: number | null;
  tokens: number | null;
  refilled_at: number | null;
  updated_at: number;
  updated_by: string;
}

const limitOf = (r: RawLimit): RoleLimit => ({
  role: r.role,
  claims: r.claims,
  intervalMs: r.interval_ms,
  maxConcurrent: r.max_concurrent,
  tokens: r.tokens,
  refilledAt: r.refilled_at,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

export class LimitRepository {
  private cache: Map<string, RoleLimit> | null = null;
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      all: sqlite.prepare<[], RawLimit>("SELECT * FROM role_limits ORDER BY role"),
      put: sqlite.prepare(
        `INSERT INTO role_limits (role, claims, interval_ms, max_concurrent, tokens, refilled_at, updated_at, updated_by)
         VALUES (@role, @claims, @intervalMs, @maxConcurrent, @tokens, @refilledAt, @updatedAt, @updatedBy)
         ON CONFLICT (role) DO UPDATE SET claims = excluded.claims, interval_ms = excluded.interval_ms,
           max_concurrent = excluded.max_concurrent, tokens = excluded.tokens, refilled_at = excluded.refilled_at,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      ),
      bucket: sqlite.prepare("UPDATE role_limits SET tokens = @tokens, refilled_at = @refilledAt WHERE role = @role"),
      remove: sqlite.prepare("DELETE FROM role_limits WHERE role = ?"),
    };
  }

  /** Every role's limits, by role. */
  all(): RoleLimit[] {
    return [...this.limits().values()].sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
  }

  /** The role's limits, or null when it has none. */
  get(role: string): RoleLimit | null {
    return this.limits().get(role) ?? null;
  }

  /** Sets a role's limits and bucket. */
  put(l: RoleLimit): void {
    this.stmt.put.run(l);
    this.limits().set(l.role, l);
  }

  /** Writes only the bucket (tokens, refilledAt) of a role that has limits. */
  saveBucket(l: RoleLimit): void {
    this.stmt.bucket.run({ role: l.role, tokens: l.tokens, refilledAt: l.refilledAt });
    this.limits().set(l.role, l);
  }

  /** Removes a role's limits; false when it had none. */
  remove(role: string): boolean {
    const removed = this.stmt.remove.run(role).changes > 0;
    this.limits().delete(role);
    return removed;
  }

  /** Drops the in-memory copy (after a rolled-back transaction). */
  forgetAll(): void {
    this.cache = null;
  }

  private limits(): Map<string, RoleLimit> {
    this.cache ??= new Map(this.stmt.all.all().map((r) => [r.role, limitOf(r)] as const));
    return this.cache;
  }
}
