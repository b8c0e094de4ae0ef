/** API tokens (the api_tokens table): stored by hash, looked up by hash on every request. */
import { query, type Sql } from "./sql.js";

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

const Q = {
  insert: query(
    "tokens.insert",
    `INSERT INTO api_tokens (id, name, role, hash, prefix, created_at, created_by, expires_at, revoked_at, roles)
     VALUES (@id, @name, @role, @hash, @prefix, @createdAt, @createdBy, @expiresAt, @revokedAt, @roles)`,
  ),
  byHash: query<[string], RawToken>("tokens.byHash", "SELECT * FROM api_tokens WHERE hash = ?"),
  byId: query<[string], RawToken>("tokens.byId", "SELECT * FROM api_tokens WHERE id = ?"),
  all: query<[], RawToken>("tokens.all", "SELECT * FROM api_tokens ORDER BY created_at, id"),
  count: query<[], { n: number }>("tokens.count", "SELECT count(*) AS n FROM api_tokens"),
  // Gateways starting together on one PostgreSQL: the first admin token is made by one of them
  // (SQLite's BEGIN IMMEDIATE already serialises its writers).
  lockFirstAdmin: query<[], unknown>("tokens.lockFirstAdmin", (d) => (d.name === "postgres" ? "SELECT pg_advisory_xact_lock(hashtext('baton:first-admin-token'))" : "SELECT 1")),
  revoke: query("tokens.revoke", "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
};

export class TokenRepository {
  constructor(private readonly sql: Sql) {}

  async insert(t: TokenRecord): Promise<void> {
    await this.sql.run(Q.insert, { ...t, roles: t.roles === null ? null : JSON.stringify(t.roles) });
  }

  async byHash(hash: string): Promise<TokenRecord | null> {
    const r = await this.sql.get(Q.byHash, hash);
    return r ? recordOf(r) : null;
  }

  async get(id: string): Promise<TokenRecord | null> {
    const r = await this.sql.get(Q.byId, id);
    return r ? recordOf(r) : null;
  }

  /** Every token ever created, revoked ones included, oldest first. */
  async list(): Promise<TokenRecord[]> {
    return (await this.sql.all(Q.all)).map(recordOf);
  }

  /** Holds, until the transaction ends, the lock under which the first admin token is made. */
  async lockFirstAdmin(): Promise<void> {
    await this.sql.get(Q.lockFirstAdmin);
  }

  /** How many tokens were ever created (revoked ones count). */
  async count(): Promise<number> {
    return (await this.sql.get(Q.count))!.n;
  }

  /** Marks the token revoked; false when it was already. */
  async revoke(id: string, at: number): Promise<boolean> {
    return (await this.sql.run(Q.revoke, at, id)) === 1;
  }
}
