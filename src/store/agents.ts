/** Registered agents (workers), remote and built-in. */
import type { AgentModel } from "../domain/model.js";
import type { AgentStatus } from "../domain/statuses.js";
import { tableCodec } from "./codec.js";
import { agents } from "./schema.js";
import { query, type Sql } from "./sql.js";

const ROW = tableCodec(agents);
const fromRow = (raw: object): AgentModel => {
  const r = ROW.decode(raw);
  return { ...r, status: r.status as AgentStatus, metadata: r.metadata ?? null };
};

const Q = {
  insert: query<[Record<string, unknown>]>("agents.insert", ROW.insert()),
  byId: query<[string], object>("agents.byId", `SELECT ${ROW.select} FROM agents WHERE id = ?`),
  list: query<[], object>("agents.list", `SELECT ${ROW.select} FROM agents ORDER BY created_at, id`),
  touch: query<[number, string, string]>("agents.touch", "UPDATE agents SET last_seen_at = ?, status = ? WHERE id = ?"),
  stale: query<[number], { id: string }>("agents.stale", "SELECT id FROM agents WHERE status <> 'OFFLINE' AND builtin = 0 AND last_seen_at < ?"),
};

export class AgentRepository {
  constructor(private readonly sql: Sql) {}

  async insert(a: AgentModel): Promise<void> {
    // Nullable columns left out of the model are stored as NULL (as the query builder did).
    await this.sql.run(Q.insert, ROW.encode({ ...a, metadata: a.metadata ?? null, lastSeenAt: a.lastSeenAt ?? null, owner: a.owner ?? null }));
  }

  async get(id: string): Promise<AgentModel | null> {
    const row = await this.sql.get(Q.byId, id);
    return row ? fromRow(row) : null;
  }

  async list(): Promise<AgentModel[]> {
    return (await this.sql.all(Q.list)).map(fromRow);
  }

  async touch(id: string, at: number, status: AgentStatus): Promise<void> {
    await this.sql.run(Q.touch, at, status, id);
  }

  /** Remote agents not seen since `before` that are not yet OFFLINE. */
  async staleIds(before: number): Promise<string[]> {
    return (await this.sql.all(Q.stale, before)).map((r) => r.id);
  }
}
