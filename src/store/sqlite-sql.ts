/**
 * The `Sql` port (./sql.ts) on one better-sqlite3 connection: each statement is prepared once
 * (those built at run time are kept by text, up to DYNAMIC_KEPT) and run synchronously; the
 * promise only carries the result.
 */
import type Database from "better-sqlite3";
import { DIALECTS, type Params, type Query, type Sql } from "./sql.js";

/** Run-time statements kept prepared (filters combine into a few hundred texts at most). */
const DYNAMIC_KEPT = 500;

export class SqliteSql implements Sql {
  readonly dialect = DIALECTS.sqlite;
  private readonly prepared = new Map<Query<never, unknown>, Database.Statement>();
  private readonly dynamic = new Map<string, Database.Statement>();

  constructor(private readonly sqlite: Database.Database) {}

  async all<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R[]> {
    return this.statement(q).all(...params) as R[];
  }

  async get<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R | undefined> {
    return this.statement(q).get(...params) as R | undefined;
  }

  async run<P extends Params>(q: Query<P, unknown>, ...params: P): Promise<number> {
    return this.statement(q).run(...params).changes;
  }

  async defer(q: Query<[Record<string, unknown>], unknown>, params: Record<string, unknown>): Promise<void> {
    this.statement(q).run(params);
  }

  private statement(q: Query<never, unknown> | Query<Params, unknown>): Database.Statement {
    const key = q as Query<never, unknown>;
    let s = this.prepared.get(key);
    if (s) return s;
    const { text } = q.compiled("sqlite");
    if (q.name !== null) {
      s = this.sqlite.prepare(text);
      this.prepared.set(key, s);
      return s;
    }
    s = this.dynamic.get(text);
    if (s) {
      this.dynamic.delete(text); // most recently used last
    } else {
      s = this.sqlite.prepare(text);
      if (this.dynamic.size >= DYNAMIC_KEPT) this.dynamic.delete(this.dynamic.keys().next().value!);
    }
    this.dynamic.set(text, s);
    return s;
  }
}
