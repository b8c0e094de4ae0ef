/** Registered agents (workers), remote and built-in. */
import type Database from "better-sqlite3";
import { asc, eq, sql } from "drizzle-orm";
import type { AgentModel } from "../domain/model.js";
import type { AgentStatus } from "../domain/statuses.js";
import type { Db } from "./database.js";
import { agents } from "./schema.js";

type AgentRow = typeof agents.$inferSelect;
const fromRow = (r: AgentRow): AgentModel => ({ ...r, status: r.status as AgentStatus, metadata: r.metadata ?? null });

export class AgentRepository {
  private readonly stmt;
  private readonly byId;

  constructor(
    private readonly db: Db,
    sqlite: Database.Database,
  ) {
    this.byId = db.select().from(agents).where(eq(agents.id, sql.placeholder("id"))).prepare();
    this.stmt = {
      touch: sqlite.prepare("UPDATE agents SET last_seen_at = ?, status = ? WHERE id = ?"),
      stale: sqlite.prepare<[number], { id: string }>(
        "SELECT id FROM agents WHERE status != 'OFFLINE' AND builtin = 0 AND last_seen_at < ?",
      ),
    };
  }

  insert(a: AgentModel): void {
    this.db.insert(agents).values(a).run();
  }

  get(id: string): AgentModel | null {
    const row = this.byId.get({ id });
    return row ? fromRow(row) : null;
  }

  list(): AgentModel[] {
    return this.db.select().from(agents).orderBy(asc(agents.createdAt), asc(agents.id)).all().map(fromRow);
  }

  touch(id: string, at: number, status: AgentStatus): void {
    this.stmt.touch.run(at, status, id);
  }

  /** Remote agents not seen since `before` that are not yet OFFLINE. */
  staleIds(before: number): string[] {
    return this.stmt.stale.all(before).map((r) => r.id);
  }
}
