/**
 * Request budgets every gateway on one PostgreSQL database shares (issue: the per-token budget
 * must hold for all gateways together): rate-limiter-flexible's PostgreSQL store, on the store's
 * pool and its `request_budget` table (made by the migrations, ./pg-schema.ts). While the database
 * does not answer, each gateway counts in memory (the insurance limiter) rather than refuse or
 * wave everything through.
 */
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { PostgresStore } from "./postgres-store.js";

/** A budget of `points` requests per `durationS` seconds, its keys under `prefix`. */
export type BudgetFactory = (points: number, durationS: number, prefix: string) => RateLimiterAbstract;

export const postgresBudgets =
  (store: PostgresStore): BudgetFactory =>
  (points, duration, keyPrefix) =>
    new RateLimiterPostgres({
      storeClient: store.pool,
      storeType: "pool",
      tableName: "request_budget",
      tableCreated: true,
      clearExpiredByTimeout: true,
      keyPrefix,
      points,
      duration,
      insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
    });
