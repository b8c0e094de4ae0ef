/**
 * The prefetch cache (prefetch_cache): values fetched by builtin.prefetch steps, by cache key.
 * The key stored is the one src/coordinator/prefetch.ts derives (storeKey): the step's cache key
 * bound to the request that fetched the value, so a cache key never yields another URL's value.
 */
import type Database from "better-sqlite3";
import type { Json } from "../domain/model.js";

export interface PrefetchCacheEntry {
  cacheKey: string;
  value: Json;
  bytes: number;
  status: number;
  fetchedAt: number;
  expiresAt: number;
}

interface Row {
  cache_key: string;
  value: string | null;
  bytes: number;
  status: number;
  fetched_at: number;
  expires_at: number;
}

export class PrefetchCacheRepository {
  private readonly stmt;

  constructor(sqlite: Database.Database) {
    this.stmt = {
      get: sqlite.prepare<[string, number], Row>("SELECT * FROM prefetch_cache WHERE cache_key = ? AND expires_at > ?"),
      put: sqlite.prepare(
        `INSERT INTO prefetch_cache (cache_key, value, bytes, status, fetched_at, expires_at)
         VALUES (@cacheKey, @value, @bytes, @status, @fetchedAt, @expiresAt)
         ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, bytes = excluded.bytes, status = excluded.status,
           fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
      ),
      prune: sqlite.prepare("DELETE FROM prefetch_cache WHERE expires_at <= ?"),
    };
  }

  /** The entry of a cache key while it is fresh at `now`, else null. */
  fresh(cacheKey: string, now: number): PrefetchCacheEntry | null {
    const r = this.stmt.get.get(cacheKey, now);
    if (!r) return null;
    const value = r.value === null ? null : (JSON.parse(r.value) as Json);
    return { cacheKey: r.cache_key, value, bytes: r.bytes, status: r.status, fetchedAt: r.fetched_at, expiresAt: r.expires_at };
  }

  /** Stores (or replaces) an entry, and drops the entries that expired by its fetch time. */
  put(e: PrefetchCacheEntry): void {
    this.stmt.prune.run(e.fetchedAt);
    this.stmt.put.run({ ...e, value: e.value === null ? null : JSON.stringify(e.value) });
  }
}
