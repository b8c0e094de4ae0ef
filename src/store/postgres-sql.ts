/**
 * The `Sql` port (./sql.ts) on PostgreSQL through node-postgres: a statement with a name is a
 * named prepared statement (parsed once per connection), one built at run time is sent unnamed.
 * Each statement goes where `on` says when it is sent: the connection of the unit of work the
 * caller runs in, or the pool. Deferred writes (`defer`) are held per transaction (HeldWrites).
 */
import { getTableName, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import type pg from "pg";
import * as schema from "./pg-schema.js";
import { DIALECTS, type Params, type Query, type Sql } from "./sql.js";
import { fromPostgres } from "./storage-errors.js";

/** What statements are sent to: a client (a transaction's connection) or the pool. */
export type Queryable = Pick<pg.ClientBase, "query">;

/** Where a statement goes: a connection, and the writes its transaction holds (null outside one). */
export interface Target {
  client: Queryable;
  held: HeldWrites | null;
}

const TABLES = Object.values(schema)
  .filter((t) => is(t, PgTable))
  .map((t) => getTableName(t as PgTable));
const tablePattern = new RegExp(`\\b(${TABLES.join("|")})\\b`, "g");
const tablesByText = new Map<string, readonly string[]>();

/** The tables a statement's text names (a superset is harmless: it only flushes earlier). */
function tablesOf(text: string): readonly string[] {
  let t = tablesByText.get(text);
  if (!t) {
    t = [...new Set(text.match(tablePattern) ?? [])];
    if (tablesByText.size < 10_000) tablesByText.set(text, t); // run-time texts are few; never unbounded
  }
  return t;
}

interface Held {
  q: Query<[Record<string, unknown>], unknown>;
  params: Record<string, unknown>;
}

/**
 * The deferred writes of one transaction, by table. Before a statement on a table runs, that
 * table's writes run, in the order they were made; consecutive writes of one statement go as its
 * batch statement (one round trip). Writes to different tables are independent of each other.
 */
export class HeldWrites {
  private readonly byTable = new Map<string, Held[]>();

  hold(q: Query<[Record<string, unknown>], unknown>, params: Record<string, unknown>): void {
    const tables = tablesOf(q.compiled("postgres").text);
    if (tables.length !== 1 || !q.batch) throw new Error(`statement ${q.name ?? "(dynamic)"} cannot be deferred: it must write one table and have a batch form`);
    const list = this.byTable.get(tables[0]!);
    if (list) list.push({ q, params });
    else this.byTable.set(tables[0]!, [{ q, params }]);
  }

  /** Runs the writes held for `tables` (all when omitted). */
  async flush(client: Queryable, tables?: readonly string[]): Promise<void> {
    if (this.byTable.size === 0) return;
    for (const table of tables ?? [...this.byTable.keys()]) {
      const list = this.byTable.get(table);
      if (!list) continue;
      this.byTable.delete(table);
      for (let i = 0; i < list.length; ) {
        let j = i + 1;
        while (j < list.length && list[j]!.q === list[i]!.q) j++;
        const { q } = list[i]!;
        if (j - i === 1) await send(client, q, [list[i]!.params]);
        else await send(client, q.batch!, [JSON.stringify(list.slice(i, j).map((h, k) => ({ ...h.params, i: k + 1 })))]);
        i = j;
      }
    }
  }

  /** Forgets the writes held (their savepoint rolled back). */
  drop(): void {
    this.byTable.clear();
  }
}

async function send<P extends Params>(client: Queryable, q: Query<P, unknown>, params: P): Promise<pg.QueryResult> {
  const { text } = q.compiled("postgres");
  const values = q.values("postgres", params);
  try {
    return await client.query(q.name === null ? { text, values } : { name: q.name, text, values });
  } catch (e) {
    throw fromPostgres(e);
  }
}

export class PostgresSql implements Sql {
  readonly dialect = DIALECTS.postgres;

  constructor(private readonly on: () => Target) {}

  async all<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R[]> {
    return (await this.send(q, params)).rows as R[];
  }

  async get<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R | undefined> {
    return (await this.send(q, params)).rows[0] as R | undefined;
  }

  async run<P extends Params>(q: Query<P, unknown>, ...params: P): Promise<number> {
    return (await this.send(q, params)).rowCount ?? 0;
  }

  async defer(q: Query<[Record<string, unknown>], unknown>, params: Record<string, unknown>): Promise<void> {
    const { client, held } = this.on();
    if (held) held.hold(q, params);
    else await send(client, q, [params]);
  }

  private async send<P extends Params>(q: Query<P, unknown>, params: P): Promise<pg.QueryResult> {
    const { client, held } = this.on();
    if (held) {
      const { text } = q.compiled("postgres");
      const tables = tablesOf(text);
      // Everything held goes first before a DELETE (it may cascade to rows a held write names) and
      // before an append to the signal log, which locks the log head until commit: held writes
      // sent after it would keep every other appending transaction waiting through their round trips.
      await held.flush(client, /^\s*DELETE\b/i.test(text) || tables.includes("signal_log_head") ? undefined : tables);
    }
    return await send(client, q, params);
  }
}
