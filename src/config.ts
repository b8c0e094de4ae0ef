/**
 * The one place that reads process.env. Every setting, its variable and its default.
 * See OPERATIONS.md in the README for the table.
 */
import { resolve } from "node:path";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  /** BATON_PORT, default 4000; 0 = any free port. */
  port: number;
  /** BATON_HOST, default 127.0.0.1. */
  host: string;
  /** BATON_DB, default ./data/baton.db; ":memory:" for a throwaway database. */
  dbFile: string;
  /** BATON_DEV=1: stack traces in error responses, pretty logs. */
  dev: boolean;
  /** BATON_LOG_LEVEL, default info. */
  logLevel: LogLevel;
  /** BATON_AGENT_OFFLINE_MS, default 60000: a remote agent not heard from for this long goes OFFLINE. */
  agentOfflineMs: number;
  /** BATON_SHUTDOWN_TIMEOUT_MS, default 10000: longest a graceful drain may take. */
  shutdownTimeoutMs: number;
  /** BATON_CHECKPOINT_KEEP, default 100: STEP checkpoints kept per plan (others are all kept). */
  checkpointKeep: number;
}

export class ConfigError extends Error {}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const level = (env["BATON_LOG_LEVEL"] ?? "info") as LogLevel;
  if (!LEVELS.includes(level)) throw new ConfigError(`BATON_LOG_LEVEL must be one of ${LEVELS.join(", ")}, got "${level}"`);
  const db = env["BATON_DB"] || "./data/baton.db";
  return {
    port: int(env, "BATON_PORT", 4000, 0, 65535),
    host: env["BATON_HOST"] || "127.0.0.1",
    dbFile: db === ":memory:" ? db : resolve(db),
    dev: env["BATON_DEV"] === "1",
    logLevel: level,
    agentOfflineMs: int(env, "BATON_AGENT_OFFLINE_MS", 60_000, 1_000, 86_400_000),
    shutdownTimeoutMs: int(env, "BATON_SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    checkpointKeep: int(env, "BATON_CHECKPOINT_KEEP", 100, 1, 1_000_000),
  };
}
