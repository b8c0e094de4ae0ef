/**
 * Role limits (the role_limits table), held in memory: read once, then written through, so
 * that a claim looks its roles up without a query. A rolled-back transaction drops the copy
 * (Store.transaction), and the next read loads it again. When the database is shared by
 * several processes (`shared`), another may change the limits: every read goes to the database.
 */
import type { RoleLimit } from "../domain/limits.js";
import { query, type Sql } from "./sql.js";

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

const COLUMNS = "role, claims, interval_ms, max_concurrent, tokens, refilled_at, updated_at, updated_by";

const Q = {
  all: query<[], RawLimit>("limits.all", `SELECT ${COLUMNS} FROM role_limits ORDER BY role`),
  get: query<[string], RawLimit>("limits.get", `SELECT ${COLUMNS} FROM role_limits WHERE role = ?`),
  // A claim of a limited role locks its row (PostgreSQL): claims of the role on every gateway take
  // tokens and count running leases one after another, so the limits hold for them all together.
  getForClaim: query<[string], RawLimit>("limits.getForClaim", (d) => `SELECT ${COLUMNS} FROM role_limits WHERE role = ?${d.name === "postgres" ? " FOR UPDATE" : ""}`),
  put: query<[Record<string, unknown>]>(
    "limits.put",
    `INSERT INTO role_limits (${COLUMNS})
     VALUES (@role, @claims, @intervalMs, @maxConcurrent, @tokens, @refilledAt, @updatedAt, @updatedBy)
     ON CONFLICT (role) DO UPDATE SET claims = excluded.claims, interval_ms = excluded.interval_ms,
       max_concurrent = excluded.max_concurrent, tokens = excluded.tokens, refilled_at = excluded.refilled_at,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ),
  bucket: query<[Record<string, unknown>]>("limits.bucket", "UPDATE role_limits SET tokens = @tokens, refilled_at = @refilledAt WHERE role = @role"),
  remove: query<[string]>("limits.remove", "DELETE FROM role_limits WHERE role = ?"),
};

/** By role, in JavaScript's string order (the same whatever the database's collation). */
const byRole = (a: RoleLimit, b: RoleLimit): number => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0);

export class LimitRepository {
  private cache: Map<string, RoleLimit> | null = null;

  constructor(
    private readonly sql: Sql,
    /** Other processes write the same database: read it every time, never the in-memory copy. */
    private readonly shared = false,
  ) {}

  /** Every role's limits, by role. */
  async all(): Promise<RoleLimit[]> {
    const limits = this.shared ? (await this.sql.all(Q.all)).map(limitOf) : [...(await this.limits()).values()];
    return limits.sort(byRole);
  }

  /** The role's limits, or null when it has none; `forClaim`: its row locked until the transaction ends (see getForClaim). */
  async get(role: string, forClaim = false): Promise<RoleLimit | null> {
    if (this.shared) {
      const r = await this.sql.get(forClaim ? Q.getForClaim : Q.get, role);
      return r ? limitOf(r) : null;
    }
    return (await this.limits()).get(role) ?? null;
  }

  /** Sets a role's limits and bucket. */
  async put(l: RoleLimit): Promise<void> {
    const { role, claims, intervalMs, maxConcurrent, tokens, refilledAt, updatedAt, updatedBy } = l;
    await this.sql.run(Q.put, { role, claims, intervalMs, maxConcurrent, tokens, refilledAt, updatedAt, updatedBy });
    if (!this.shared) (await this.limits()).set(l.role, l);
  }

  /** Writes only the bucket (tokens, refilledAt) of a role that has limits. */
  async saveBucket(l: RoleLimit): Promise<void> {
    await this.sql.run(Q.bucket, { role: l.role, tokens: l.tokens, refilledAt: l.refilledAt });
    if (!this.shared) (await this.limits()).set(l.role, l);
  }

  /** Removes a role's limits; false when it had none. */
  async remove(role: string): Promise<boolean> {
    const removed = (await this.sql.run(Q.remove, role)) > 0;
    if (!this.shared) (await this.limits()).delete(role);
    return removed;
  }

  /** Drops the in-memory copy (after a rolled-back transaction). */
  forgetAll(): void {
    this.cache = null;
  }

  private async limits(): Promise<Map<string, RoleLimit>> {
    if (this.cache) return this.cache;
    const rows = await this.sql.all(Q.all);
    this.cache ??= new Map(rows.map((r) => [r.role, limitOf(r)] as const));
    return this.cache;
  }
}
