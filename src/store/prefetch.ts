/**
 * The prefetch cache (prefetch_cache): values fetched by builtin.prefetch steps, by cache key.
 * The key stored is the one src/coordinator/prefetch.ts derives (storeKey): the step's cache key
 * bound to the request that fetched the value, so a cache key never yields another URL's value.
 */
import type { Json } from "../domain/model.js";
import { query, type Sql } from "./sql.js";

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

const Q = {
  get: query<[string, number], Row>(
    "prefetch.get",
    "SELECT cache_key, value, bytes, status, fetched_at, expires_at FROM prefetch_cache WHERE cache_key = ? AND expires_at > ?",
  ),
  put: query<[Record<string, unknown>]>(
    "prefetch.put",
    `INSERT INTO prefetch_cache (cache_key, value, bytes, status, fetched_at, expires_at)
     VALUES (@cacheKey, @value, @bytes, @status, @fetchedAt, @expiresAt)
     ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, bytes = excluded.bytes, status = excluded.status,
       fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
  ),
  prune: query<[number]>("prefetch.prune", "DELETE FROM prefetch_cache WHERE expires_at <= ?"),
};

export class PrefetchCacheRepository {
  constructor(private readonly sql: Sql) {}

  /** The entry of a cache key while it is fresh at `now`, else null. */
  async fresh(cacheKey: string, now: number): Promise<PrefetchCacheEntry | null> {
    const r = await this.sql.get(Q.get, cacheKey, now);
    if (!r) return null;
    const value = r.value === null ? null : (JSON.parse(r.value) as Json);
    return { cacheKey: r.cache_key, value, bytes: r.bytes, status: r.status, fetchedAt: r.fetched_at, expiresAt: r.expires_at };
  }

  /** Stores (or replaces) an entry, and drops the entries that expired by its fetch time. */
  async put(e: PrefetchCacheEntry): Promise<void> {
    await this.sql.run(Q.prune, e.fetchedAt);
    const { cacheKey, bytes, status, fetchedAt, expiresAt } = e;
    await this.sql.run(Q.put, { cacheKey, value: e.value === null ? null : JSON.stringify(e.value), bytes, status, fetchedAt, expiresAt });
  }
}
