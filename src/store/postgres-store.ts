/**
 * The PostgreSQL adapter of the store port (./store.ts), on a node-postgres pool. One set of
 * repositories serves every unit of work: their statements go to the connection of the unit the
 * caller runs in (found through AsyncLocalStorage), else to the pool. A transaction is a pool
 * client between BEGIN and COMMIT; a read, a client in a REPEATABLE READ READ ONLY transaction,
 * so that its statements see one snapshot. A transaction that fails on a deadlock or a
 * serialization failure is run again from the start (its function touched nothing but the
 * database; what it left to do after commit is rebuilt by the new run).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import { fromPostgres, isRetryable, storageFailure } from "./storage-errors.js";
import { HeldWrites, PostgresSql } from "./postgres-sql.js";
import { createRepositories } from "./repositories.js";
import type { NoticeFeed } from "./notices.js";
import { query } from "./sql.js";
import { readPort, type Repositories, type Session, type Store } from "./store.js";

/** Runs of a transaction that keeps failing on deadlocks or serialization failures. */
const MAX_TRIES = 5;

interface Unit {
  client: pg.PoolClient;
  /** A transaction's deferred writes (null in a read). */
  held: HeldWrites | null;
  /** Over: work it scheduled for later goes to the pool. */
  done: boolean;
  savepoints: number;
}

export class PostgresStore implements Store {
  readonly dialect = "postgres";
  readonly queries: Repositories;
  private readonly units = new AsyncLocalStorage<Unit>();
  private readonly repos: Repositories;
  private readonly session: Session;
  private closing: Promise<void> | null = null;
  private readonly listened = new WeakSet<pg.PoolClient>();

  constructor(
    /** The pool itself, for tools and tests that run their own SQL (on Baton's schema: its search_path). */
    readonly pool: pg.Pool,
    readonly notices: NoticeFeed | null = null,
    private readonly channel: string | null = null,
  ) {
    const sql = new PostgresSql(() => this.current() ?? { client: this.pool, held: null });
    this.repos = createRepositories(sql, true);
    const announce = query<[string, string]>("notices.announce", "SELECT pg_notify(?, ?)");
    this.session = {
      ...this.repos,
      savepoint: (fn) => this.savepoint(fn),
      announce: async (n) => {
        if (this.channel) await sql.get(announce, this.channel, JSON.stringify(n));
      },
    };
    this.queries = readPort(this.repos, (fn) => this.read(fn));
  }

  async transact<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await this.unit("BEGIN", () => fn(this.session), new HeldWrites());
      } catch (e) {
        if (tries < MAX_TRIES && isRetryable(e)) continue;
        throw storageFailure(e) ?? e;
      }
    }
  }

  async read<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    try {
      return await this.unit("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", () => fn(this.repos));
    } catch (e) {
      throw storageFailure(e) ?? e;
    }
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1").catch((e: unknown) => Promise.reject(fromPostgres(e)));
  }

  /** Ends the pool (once: a second call waits for the first). */
  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }

  private current(): Unit | undefined {
    const u = this.units.getStore();
    return u && !u.done ? u : undefined;
  }

  private async unit<T>(begin: string, fn: () => Promise<T>, held: HeldWrites | null = null): Promise<T> {
    if (this.current()) throw new Error("a unit of work of the store started another: it would wait for itself");
    const client = await this.begin(begin);
    const unit: Unit = { client, held, done: false, savepoints: 0 };
    let broken: Error | undefined;
    try {
      const result = await this.units.run(unit, fn);
      await held?.flush(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      try {
        await client.query("ROLLBACK");
      } catch (rollback) {
        broken = rollback as Error; // the connection is gone: the pool must not hand it out again
      }
      throw fromPostgres(e);
    } finally {
      unit.done = true;
      client.release(broken);
    }
  }

  /**
   * A pooled connection with a transaction begun on it. A connection the server dropped while it
   * sat in the pool (a restart, a failover, pg_terminate_backend) fails at BEGIN, before anything
   * was done: it is discarded and the unit begins on a new one.
   */
  private async begin(begin: string): Promise<pg.PoolClient> {
    for (let tries = 1; ; tries++) {
      const client = await this.pool.connect().catch((e: unknown) => Promise.reject(fromPostgres(e)));
      if (!this.listened.has(client)) {
        // A connection lost while checked out emits 'error' besides failing its query: the query's
        // failure is what counts (the pool's own listener covers idle connections only).
        client.on("error", () => undefined);
        this.listened.add(client);
      }
      try {
        await client.query(begin);
        return client;
      } catch (e) {
        client.release(e as Error);
        if (tries > (this.pool.options.max ?? 10) || !storageFailure(fromPostgres(e))) throw fromPostgres(e);
      }
    }
  }

  private async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const unit = this.current();
    if (!unit) throw new Error("a savepoint outside a transaction");
    const name = `sp${++unit.savepoints}`;
    // writes held from before belong outside the savepoint, those held within inside it
    await unit.held?.flush(unit.client);
    await unit.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await unit.held?.flush(unit.client);
      await unit.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (e) {
      unit.held?.drop();
      await unit.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await unit.client.query(`RELEASE SAVEPOINT ${name}`);
      throw e;
    } finally {
      unit.savepoints--;
    }
  }
}
