/**
 * The `Sql` port (./sql.ts) on PostgreSQL through node-postgres: a statement with a name is a
 * named prepared statement (parsed once per connection), one built at run time is sent unnamed.
 * Each statement goes where `on` says when it is sent: the connection of the unit of work the
 * caller runs in, or the pool.
 */
import type pg from "pg";
import { DIALECTS, type Params, type Query, type Sql } from "./sql.js";
import { fromPostgres } from "./storage-errors.js";

/** What statements are sent to: a client (a transaction's connection) or the pool. */
export type Queryable = Pick<pg.ClientBase, "query">;

export class PostgresSql implements Sql {
  readonly dialect = DIALECTS.postgres;

  constructor(private readonly on: () => Queryable) {}

  async all<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R[]> {
    return (await this.send(q, params)).rows as R[];
  }

  async get<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R | undefined> {
    return (await this.send(q, params)).rows[0] as R | undefined;
  }

  async run<P extends Params>(q: Query<P, unknown>, ...params: P): Promise<number> {
    return (await this.send(q, params)).rowCount ?? 0;
  }

  private async send<P extends Params>(q: Query<P, unknown>, params: P): Promise<pg.QueryResult> {
    const { text } = q.compiled("postgres");
    const values = q.values("postgres", params);
    try {
      return await this.on().query(q.name === null ? { text, values } : { name: q.name, text, values });
    } catch (e) {
      throw fromPostgres(e);
    }
  }
}
