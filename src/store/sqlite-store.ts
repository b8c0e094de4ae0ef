/**
 * The SQLite adapter of the store port (./store.ts): one better-sqlite3 connection, its prepared
 * synchronous statements, and one unit of work at a time under an async mutex. A transaction is
 * `BEGIN IMMEDIATE` (the write lock taken at once, so two processes never deadlock upgrading a
 * read) … `COMMIT`; its function awaits only the repositories, which resolve at once, so no real
 * I/O is awaited while the lock is held and SQLite stays as fast as with synchronous
 * transactions. Reads take the same mutex, so they never see a transaction's uncommitted writes.
 */
import { Mutex } from "async-mutex";
import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import { openDatabase, type OpenDatabase } from "./database.js";
import { createRepositories } from "./repositories.js";
import { SqliteSql } from "./sqlite-sql.js";
import { storageFailure } from "./storage-errors.js";
import { readPort, type Repositories, type Session, type Store } from "./store.js";

/** The store's repositories are its own fields (one connection, one set): it is its own session. */
export interface SqliteStore extends Repositories {}

export class SqliteStore implements Store, Session {
  readonly dialect = "sqlite";
  readonly queries: Repositories;
  /** One process writes a SQLite file: no other gateway to hear from. */
  readonly notices = null;

  private readonly mutex = new Mutex();
  /**
   * The unit of work running now, and the one each async context belongs to: a unit of work that
   * starts another would wait for itself. (Work a transaction scheduled for later, a timer, carries
   * its context too, but runs once that unit is over: it may start one.)
   */
  private current: object | null = null;
  private readonly inside = new AsyncLocalStorage<object>();
  private readonly stmt: Record<"begin" | "commit" | "rollback", Database.Statement>;
  private savepoints = 0;
  private readonly savepointsPrepared: Record<"save" | "release" | "rollback", Database.Statement>[] = [];

  constructor(readonly database: OpenDatabase) {
    const { sqlite } = database;
    this.stmt = { begin: sqlite.prepare("BEGIN IMMEDIATE"), commit: sqlite.prepare("COMMIT"), rollback: sqlite.prepare("ROLLBACK") };
    Object.assign(this, createRepositories(new SqliteSql(sqlite), false));
    this.queries = readPort(this, (fn) => this.read(fn));
  }

  async transact<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const { sqlite } = this.database;
      try {
        this.stmt.begin.run();
        const result = await fn(this);
        this.stmt.commit.run();
        return result;
      } catch (e) {
        if (sqlite.inTransaction) this.stmt.rollback.run();
        this.forgetAll();
        throw storageFailure(e) || e;
      }
    });
  }

  async read<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.exclusive(() => fn(this));
  }

  /** No other gateway to tell. */
  async announce(): Promise<void> {}

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const { sqlite } = this.database;
    const sp = this.savepointStatements(++this.savepoints);
    sp.save.run();
    try {
      const result = await fn();
      sp.release.run();
      return result;
    } catch (e) {
      // SQLite rolls the whole transaction back on some failures (a full disk): nothing to undo then
      if (sqlite.inTransaction) {
        sp.rollback.run();
        sp.release.run();
      }
      throw e;
    } finally {
      this.savepoints--;
    }
  }

  /** The statements of the savepoint at this depth, prepared once (a group commit takes one per report). */
  private savepointStatements(depth: number): Record<"save" | "release" | "rollback", Database.Statement> {
    let sp = this.savepointsPrepared[depth];
    if (!sp) {
      const { sqlite } = this.database;
      sp = this.savepointsPrepared[depth] = {
        save: sqlite.prepare(`SAVEPOINT sp${depth}`),
        release: sqlite.prepare(`RELEASE sp${depth}`),
        rollback: sqlite.prepare(`ROLLBACK TO sp${depth}`),
      };
    }
    return sp;
  }

  async ping(): Promise<void> {
    // an open SQLite file answers; its failures show on the writes (STORAGE_* codes)
  }

  close(): Promise<void> {
    return this.database.close();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current !== null && this.inside.getStore() === this.current) {
      return Promise.reject(new Error("a unit of work of the store started another: it would wait for itself"));
    }
    return this.mutex.runExclusive(async () => {
      const unit = {};
      this.current = unit;
      try {
        return await this.inside.run(unit, fn);
      } finally {
        this.current = null;
      }
    });
  }

  /** The caches of the repositories hold what a rolled-back transaction wrote: dropped. */
  private forgetAll(): void {
    this.plans.forgetAll();
    this.checkpoints.forgetAll();
    this.limits.forgetAll();
  }
}

export const openStore = (file: string): SqliteStore => new SqliteStore(openDatabase(file));
