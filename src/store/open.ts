/** The store a gateway runs on: PostgreSQL when a database URL is set, else the SQLite file. */
import { openPostgresStore, type PostgresOptions } from "./postgres-database.js";
import { openStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

export interface StoreSettings {
  /** The SQLite file (unused with `database`). */
  dbFile: string;
  /** PostgreSQL, or null for SQLite. */
  database: PostgresOptions | null;
}

/** Opens and migrates the configured database; fails with a DatabaseOpenError or PostgresOpenError. */
export async function openConfiguredStore(s: StoreSettings): Promise<Store> {
  return s.database ? openPostgresStore(s.database) : openStore(s.dbFile);
}
