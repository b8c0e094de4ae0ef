/** API tokens (the api_tokens table): stored by hash, looked up by hash on every request. */
import type Database from "better-sqlite3";

/** A stored token: everything but the token itself. */
export interface TokenRecord {
  id: string;
  name: string;
  role: string;
  hash: string;
  prefix: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Agent tokens only: the roles its agents may register; null: any role but the reserved builtin.* ones. */
  roles: string[] | null;
}

interface RawToken {
  id: string;
  name: string;
  role: string;
  hash: string;
  prefix: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  roles: string | null;
}

const recordOf = (r: RawToken): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  hash: r.hash,
  prefix: r.prefix,
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  roles: r.roles === null ? null : (JSON.parse(r.roles) as string[]),
});

export class TokenRepository {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      insert: sqlite.prepare(
        `INSERT INTO api_tokens (id, name, role, hash, prefix, created_at, created_by, expires_at, revoked_at, roles)
         VALUES (@id, @name, @role, @hash, @prefix, @createdAt, @createdBy, @expiresAt, @revokedAt, @roles)`,
      ),
      byHash: sqlite.prepare<[string], RawToken>("SELECT * FROM api_tokens WHERE hash = ?"),
      byId: sqlite.prepare<[string], RawToken>("SELECT * FROM api_tokens WHERE id = ?"),
      all: sqlite.prepare<[], RawToken>("SELECT * FROM api_tokens ORDER BY created_at, id"),
      count: sqlite.prepare<[], { n: number }>("SELECT count(*) AS n FROM api_tokens"),
      revoke: sqlite.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
    };
  }

  insert(t: TokenRecord): void {
    this.stmt.insert.run({ ...t, roles: t.roles === null ? null : JSON.stringify(t.roles) });
  }

  byHash(hash: string): TokenRecord | null {
    const r = this.stmt.byHash.get(hash);
    return r ? recordOf(r) : null;
  }

  get(id: string): TokenRecord | null {
    const r = this.stmt.byId.get(id);
    return r ? recordOf(r) : null;
  }

  /** Every token ever created, revoked ones included, oldest first. */
  list(): TokenRecord[] {
    return this.stmt.all.all().map(recordOf);
  }

  /** How many tokens were ever created (revoked ones count). */
  count(): number {
    return this.stmt.count.get()!.n;
  }

  /** Marks the token revoked; false when it was already. */
  revoke(id: string, at: number): boolean {
    return this.stmt.revoke.run(at, id).changes === 1;
  }
}
