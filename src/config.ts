/**
 * The one place that reads process.env. Every setting, its variable and its default.
 * See OPERATIONS.md in the README for the table.
 */
import { resolve } from "node:path";
import { roleLimitProblems, type RoleLimitSpec } from "./domain/limits.js";

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
  /** BATON_RATE_LIMITS, default none: claim rates and caps on running leases per role (see parseRateLimits). */
  rateLimits: RoleLimitSpec[];
  /** BATON_TEMPLATES_DIR, default unset: a folder of JSON/YAML plan templates registered at start. */
  templatesDir: string | null;
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
    rateLimits: parseRateLimits(env["BATON_RATE_LIMITS"]),
    templatesDir: env["BATON_TEMPLATES_DIR"] ? resolve(env["BATON_TEMPLATES_DIR"]) : null,
  };
}

const INTERVAL_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * BATON_RATE_LIMITS: comma-separated `role=RATE[:MAX]`. RATE is `N/INTERVAL` — N claims per
 * INTERVAL, a whole number (default 1) and ms, s, m or h — or `-` for no rate limit; MAX is the
 * most leases of the role running at once. E.g. `coder=10/1s:3,reviewer=100/m,tester=-:2`.
 */
export function parseRateLimits(raw: string | undefined): RoleLimitSpec[] {
  if (raw === undefined || raw.trim() === "") return [];
  const specs: RoleLimitSpec[] = [];
  for (const entry of raw.split(",").map((e) => e.trim())) {
    const bad = (why: string): ConfigError =>
      new ConfigError(`BATON_RATE_LIMITS entry "${entry}": ${why} (expected role=N/INTERVAL[:MAX] or role=-:MAX, e.g. coder=10/1s:3,tester=-:2)`);
    const parts = /^([^=]+)=([^:]*)(?::(.*))?$/.exec(entry);
    if (!parts) throw bad("not role=RATE[:MAX]");
    const [, role = "", rate = "", max] = parts.map((p) => p?.trim());
    let claims: number | null = null;
    let intervalMs: number | null = null;
    if (rate !== "-") {
      const r = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(rate);
      if (!r) throw bad(`rate "${rate}" is neither N/INTERVAL (INTERVAL: an optional whole number, then ms, s, m or h) nor -`);
      claims = Number(r[1]);
      intervalMs = Number(r[2] || "1") * INTERVAL_UNITS_MS[r[3]!]!;
    } else if (max === undefined) {
      throw bad("sets no limit: give a rate, a :MAX, or both");
    }
    if (max !== undefined && !/^\d+$/.test(max)) throw bad(`MAX "${max}" is not a whole number`);
    const spec: RoleLimitSpec = { role, claims, intervalMs, maxConcurrent: max === undefined ? null : Number(max) };
    const problems = roleLimitProblems(spec);
    if (problems.length > 0) throw bad(problems.map((p) => `${p.path} ${p.message}`).join("; "));
    if (specs.some((s) => s.role === role)) throw bad(`role "${role}" is named twice`);
    specs.push(spec);
  }
  return specs;
}
