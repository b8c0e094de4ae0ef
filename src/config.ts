/**
 * The one place that reads process.env. Every setting, its variable and its default.
 * The table of every setting is docs/configuration.md.
 */
import { dirname, join, resolve } from "node:path";
import { roleLimitProblems, type RoleLimitSpec } from "./domain/limits.js";
import { ConfigError } from "./config-error.js";
import type { OutboundAllowEntry } from "./outbound/policy.js";
import type { Secrets } from "./outbound/secrets.js";
import { loadSecretsFile, parseOutboundAllow } from "./outbound/settings.js";

export { ConfigError };

export type LogLevel = "debug" | "info" | "warn" | "error";

/** A PostgreSQL database to run on. */
export interface DatabaseSettings {
  /** BATON_DATABASE_URL: postgres://user:password@host:port/database */
  url: string;
  /** BATON_DATABASE_POOL, default 10: connections to it. */
  poolSize: number;
  /** BATON_DATABASE_SCHEMA, default public: the schema of Baton's tables (created if missing). */
  schema: string;
}

function parseAdminToken(raw: string | undefined): string | null {
  if (!raw) return null;
  if (raw.length < 32 || /\s/.test(raw)) throw new ConfigError("BATON_ADMIN_TOKEN must be at least 32 characters, without spaces (e.g. openssl rand -base64 32)");
  return raw;
}

function parseDatabase(env: NodeJS.ProcessEnv): DatabaseSettings | null {
  const url = env["BATON_DATABASE_URL"];
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError("BATON_DATABASE_URL must be a URL such as postgres://user:password@host:5432/database");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new ConfigError(`BATON_DATABASE_URL must start with postgres:// or postgresql://, got ${parsed.protocol}//`);
  }
  const schema = env["BATON_DATABASE_SCHEMA"] || "public";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(`BATON_DATABASE_SCHEMA must be a plain name (letters, digits, _; at most 63), got "${schema}"`);
  }
  return { url, poolSize: int(env, "BATON_DATABASE_POOL", 10, 1, 1_000), schema };
}

export interface Config {
  /** BATON_PORT, default 4000; 0 = any free port. */
  port: number;
  /** BATON_HOST, default 127.0.0.1. */
  host: string;
  /** BATON_DB, default ./data/baton.db; ":memory:" for a throwaway database. Unused on PostgreSQL. */
  dbFile: string;
  /** BATON_DATABASE_URL (with BATON_DATABASE_POOL and BATON_DATABASE_SCHEMA): PostgreSQL instead of the SQLite file; null for SQLite. */
  database: DatabaseSettings | null;
  /** BATON_DEV=1: stack traces in error responses, pretty logs. */
  dev: boolean;
  /** BATON_LOG_LEVEL, default info. */
  logLevel: LogLevel;
  /** BATON_AGENT_OFFLINE_MS, default 60000: a remote agent not heard from for this long goes OFFLINE. */
  agentOfflineMs: number;
  /** BATON_SHUTDOWN_TIMEOUT_MS, default 10000: longest a graceful drain may take. */
  shutdownTimeoutMs: number;
  /** BATON_RETENTION, default off: finished plans older than this (ms) are removed in the background; null keeps them all. */
  retentionMs: number | null;
  /** BATON_CHECKPOINT_KEEP, default 100: STEP checkpoints kept per plan (others are all kept). */
  checkpointKeep: number;
  /** BATON_RATE_LIMITS, default none: claim rates and caps on running leases per role (see parseRateLimits). */
  rateLimits: RoleLimitSpec[];
  /** BATON_TEMPLATES_DIR, default unset: a folder of JSON/YAML plan templates registered at start. */
  templatesDir: string | null;
  /** Limits on what one request may ask (see Limits). */
  limits: Limits;
  /** Replay caps and back-pressure of WebSocket subscriptions (see StreamLimits). */
  streams: StreamLimits;
  /** BATON_CORS_ORIGINS, default none (same origin only): origins allowed to call cross-origin, or "*" for any. */
  corsOrigins: CorsOrigins;
  /** BATON_AUTH, default on: requests need a Bearer token. Off only when BATON_HOST is a loopback address. */
  auth: boolean;
  /** BATON_ADMIN_TOKEN, default unset: an admin token chosen by the operator (at least 32 characters), accepted by every gateway on the database; no admin.token file is written then. */
  adminToken: string | null;
  /** BATON_ADMIN_TOKEN_FILE, default admin.token beside the database: where the first admin token is written (mode 0600); null for an in-memory database without the variable. */
  adminTokenFile: string | null;
  /** BATON_TOKEN_RATE_LIMIT, default 1000/10s: requests per token (or per address without one); null when off. */
  requestRate: RequestRate | null;
  /** BATON_ANONYMOUS_RATE_LIMIT, default 100/10s: requests without a token per address (only introspection is served to them); null when off. */
  anonymousRate: RequestRate | null;
  /** BATON_AUTH_RECHECK_MS, default 1000: how often open WebSockets' tokens are checked for revocation or expiry. */
  authRecheckMs: number;
  /** BATON_METRICS, default on: /metrics in Prometheus format (admin or metrics tokens); off: not served, nothing counted. */
  metrics: boolean;
  /** BATON_TRACING, default off: OpenTelemetry spans per GraphQL operation and per step attempt (src/metrics/tracing.ts). */
  tracing: boolean;
  /**
   * BATON_OUTBOUND_ALLOW, default none: destinations builtin.http, prefetch and webhooks may reach
   * although the outbound policy refuses them (loopback, private, link-local… addresses): see
   * parseOutboundAllow.
   */
  outboundAllow: OutboundAllowEntry[];
  /**
   * BATON_SECRETS_FILE, default unset: named secrets that `config.headers` of builtin.http and
   * builtin.prefetch steps use as `${secret:NAME}` (see loadSecretsFile); read once at start.
   */
  secrets: Secrets;
  /** Things to tell the operator at start (settings refused or risky). */
  notices: string[];
}

/** A request budget: `requests` per `windowMs`. */
export interface RequestRate {
  requests: number;
  windowMs: number;
}

/** Limits against hostile input; each refusal carries a stable `extensions.code` (docs/errors.md). */
export interface Limits {
  /** BATON_MAX_QUERY_DEPTH, default 15: deepest field nesting of an operation (QUERY_TOO_DEEP); `__schema` introspection is exempt. */
  maxDepth: number;
  /** BATON_MAX_QUERY_COMPLEXITY, default 50000: an operation's cost, 1 per field, a connection's selection counted once per item asked (QUERY_TOO_COMPLEX). */
  maxComplexity: number;
  /** BATON_MAX_JSON_BYTES, default 1 MiB: largest JSON scalar value accepted, as JSON text (BAD_USER_INPUT). */
  maxJsonBytes: number;
  /** BATON_MAX_BODY_BYTES, default 2 MiB: largest HTTP request body (413 PAYLOAD_TOO_LARGE) and WebSocket message. */
  maxBodyBytes: number;
  /** BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION, default 100: operations open at once on one WebSocket (TOO_MANY_SUBSCRIPTIONS). */
  maxSubscriptionsPerConnection: number;
  /** BATON_INTROSPECTION, default on; off refuses __schema and __type (INTROSPECTION_DISABLED). */
  introspection: boolean;
  /** BATON_MAX_QUERY_BYTES, default 256 KiB: largest GraphQL document, in bytes of UTF-8 (DOCUMENT_TOO_LARGE). */
  maxQueryBytes: number;
  /** BATON_MAX_QUERY_TOKENS, default 5000: most lexical tokens in a GraphQL document (DOCUMENT_TOO_LARGE). */
  maxQueryTokens: number;
  /** BATON_MAX_QUERY_ALIASES, default 100: most aliases in an operation, fragments counted where spread (TOO_MANY_ALIASES). */
  maxAliases: number;
}

/**
 * How subscriptions share the gateway: replays (subscriptions still reading the signal log) are
 * capped and queued in arrival order, and a WebSocket whose client does not read is paced, then closed.
 */
export interface StreamLimits {
  /** BATON_MAX_REPLAYS_PER_CONNECTION, default 4: replays read from the log at once per WebSocket; more wait their turn. */
  maxReplaysPerConnection: number;
  /** BATON_MAX_REPLAYS_PER_TOKEN, default 16: replays read from the log at once per token, over all its WebSockets; more wait their turn. */
  maxReplaysPerToken: number;
  /** BATON_WS_HIGH_WATER_BYTES, default 1 MiB: bytes a WebSocket may have unsent before its operations stop producing (they resume below half). */
  wsHighWaterBytes: number;
  /** BATON_WS_STALL_TIMEOUT_MS, default 15000: a WebSocket over the high-water mark this long without draining is closed (1013 Try Again Later). */
  wsStallTimeoutMs: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxReplaysPerConnection: 4,
  maxReplaysPerToken: 16,
  wsHighWaterBytes: 1024 * 1024,
  wsStallTimeoutMs: 15_000,
});

/** Cross-origin callers allowed: "*" for any origin, else exact origins (none: same origin only). */
export type CorsOrigins = "*" | readonly string[];

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxDepth: 15,
  maxComplexity: 50_000,
  maxJsonBytes: 1024 * 1024,
  maxBodyBytes: 2 * 1024 * 1024,
  maxSubscriptionsPerConnection: 100,
  introspection: true,
  maxQueryBytes: 256 * 1024,
  maxQueryTokens: 5_000,
  maxAliases: 100,
});


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
  const dbFile = db === ":memory:" ? db : resolve(db);
  const host = env["BATON_HOST"] || "127.0.0.1";
  const notices: string[] = [];
  let auth = onOff(env, "BATON_AUTH", true);
  if (!auth && !isLoopback(host)) {
    auth = true;
    notices.push(`BATON_AUTH=off is ignored: the server listens on ${host}, not on loopback; authentication stays on`);
  } else if (!auth) {
    notices.push("authentication is OFF (BATON_AUTH=off): anyone who can reach this port acts as an admin");
  }
  const tokenFile = env["BATON_ADMIN_TOKEN_FILE"];
  const outboundAllow = parseOutboundAllow(env["BATON_OUTBOUND_ALLOW"]);
  const secrets = loadSecretsFile(env["BATON_SECRETS_FILE"], notices);
  return {
    port: int(env, "BATON_PORT", 4000, 0, 65535),
    host,
    dbFile,
    database: parseDatabase(env),
    dev: env["BATON_DEV"] === "1",
    logLevel: level,
    agentOfflineMs: int(env, "BATON_AGENT_OFFLINE_MS", 60_000, 1_000, 86_400_000),
    shutdownTimeoutMs: int(env, "BATON_SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000),
    checkpointKeep: int(env, "BATON_CHECKPOINT_KEEP", 100, 1, 1_000_000),
    retentionMs: parseRetention(env["BATON_RETENTION"]),
    rateLimits: parseRateLimits(env["BATON_RATE_LIMITS"]),
    templatesDir: env["BATON_TEMPLATES_DIR"] ? resolve(env["BATON_TEMPLATES_DIR"]) : null,
    limits: {
      maxDepth: int(env, "BATON_MAX_QUERY_DEPTH", DEFAULT_LIMITS.maxDepth, 1, 1_000),
      maxComplexity: int(env, "BATON_MAX_QUERY_COMPLEXITY", DEFAULT_LIMITS.maxComplexity, 1, 1_000_000_000),
      maxJsonBytes: int(env, "BATON_MAX_JSON_BYTES", DEFAULT_LIMITS.maxJsonBytes, 1, 1024 ** 3),
      maxBodyBytes: int(env, "BATON_MAX_BODY_BYTES", DEFAULT_LIMITS.maxBodyBytes, 1_024, 1024 ** 3),
      maxSubscriptionsPerConnection: int(env, "BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION", DEFAULT_LIMITS.maxSubscriptionsPerConnection, 1, 100_000),
      introspection: onOff(env, "BATON_INTROSPECTION", DEFAULT_LIMITS.introspection),
      maxQueryBytes: int(env, "BATON_MAX_QUERY_BYTES", DEFAULT_LIMITS.maxQueryBytes, 1_024, 64 * 1024 * 1024),
      maxQueryTokens: int(env, "BATON_MAX_QUERY_TOKENS", DEFAULT_LIMITS.maxQueryTokens, 100, 1_000_000),
      maxAliases: int(env, "BATON_MAX_QUERY_ALIASES", DEFAULT_LIMITS.maxAliases, 0, 100_000),
    },
    streams: {
      maxReplaysPerConnection: int(env, "BATON_MAX_REPLAYS_PER_CONNECTION", DEFAULT_STREAM_LIMITS.maxReplaysPerConnection, 1, 100_000),
      maxReplaysPerToken: int(env, "BATON_MAX_REPLAYS_PER_TOKEN", DEFAULT_STREAM_LIMITS.maxReplaysPerToken, 1, 1_000_000),
      wsHighWaterBytes: int(env, "BATON_WS_HIGH_WATER_BYTES", DEFAULT_STREAM_LIMITS.wsHighWaterBytes, 16 * 1024, 1024 ** 3),
      wsStallTimeoutMs: int(env, "BATON_WS_STALL_TIMEOUT_MS", DEFAULT_STREAM_LIMITS.wsStallTimeoutMs, 100, 3_600_000),
    },
    corsOrigins: parseCorsOrigins(env["BATON_CORS_ORIGINS"]),
    auth,
    adminToken: parseAdminToken(env["BATON_ADMIN_TOKEN"]),
    adminTokenFile: tokenFile ? resolve(tokenFile) : dbFile === ":memory:" ? null : join(dirname(dbFile), "admin.token"),
    requestRate: parseRequestRate(env["BATON_TOKEN_RATE_LIMIT"]),
    anonymousRate: parseRequestRate(env["BATON_ANONYMOUS_RATE_LIMIT"], "BATON_ANONYMOUS_RATE_LIMIT", "100/10s"),
    authRecheckMs: int(env, "BATON_AUTH_RECHECK_MS", 1_000, 10, 3_600_000),
    metrics: onOff(env, "BATON_METRICS", true),
    tracing: onOff(env, "BATON_TRACING", false),
    outboundAllow,
    secrets,
    notices,
  };
}

/** Whether a listen address is the loopback interface only (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** BATON_TOKEN_RATE_LIMIT: `N/INTERVAL` (N requests per INTERVAL: an optional whole number, then s, m or h), or `off`. */
export function parseRequestRate(raw: string | undefined, name = "BATON_TOKEN_RATE_LIMIT", fallback = "1000/10s"): RequestRate | null {
  const value = raw?.trim() || fallback;
  if (value.toLowerCase() === "off") return null;
  const m = /^(\d+)\/(\d*)(s|m|h)$/.exec(value);
  const requests = m ? Number(m[1]) : 0;
  const windowMs = m ? Number(m[2] || "1") * INTERVAL_UNITS_MS[m[3]!]! : 0;
  if (!m || requests < 1 || windowMs < 1_000) {
    throw new ConfigError(`${name} must be N/INTERVAL (e.g. 1000/10s, 100/1m; N ≥ 1, INTERVAL ≥ 1s) or off, got "${raw}"`);
  }
  return { requests, windowMs };
}

/** BATON_RETENTION: a whole number then s, m, h or d (e.g. `30d`, at least 1s), or unset / `off` to keep every plan. */
export function parseRetention(raw: string | undefined): number | null {
  const value = raw?.trim() ?? "";
  if (value === "" || value.toLowerCase() === "off") return null;
  const m = /^(\d+)(s|m|h|d)$/.exec(value);
  const ms = m ? Number(m[1]) * INTERVAL_UNITS_MS[m[2]!]! : 0;
  if (!m || ms < 1_000) throw new ConfigError(`BATON_RETENTION must be a time such as 30d, 12h, 90m or 3600s (at least 1s), or off, got "${raw}"`);
  return ms;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on") return true;
  if (raw === "off") return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

/**
 * BATON_CORS_ORIGINS: unset or blank for same origin only, `*` for any origin, else a
 * comma-separated list of exact origins (scheme://host[:port], no path), e.g.
 * `https://app.example.com,http://localhost:5173`.
 */
export function parseCorsOrigins(raw: string | undefined): CorsOrigins {
  if (raw === undefined || raw.trim() === "") return [];
  if (raw.trim() === "*") return "*";
  const origins: string[] = [];
  for (const entry of raw.split(",").map((e) => e.trim())) {
    let origin: string | null = null;
    try {
      const url = new URL(entry);
      const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password && !entry.endsWith("?") && !entry.endsWith("#");
      if ((url.protocol === "http:" || url.protocol === "https:") && bare) origin = url.origin; // normalized as browsers send it
    } catch {
      origin = null;
    }
    if (origin === null) {
      throw new ConfigError(`BATON_CORS_ORIGINS entry "${entry}" is not an origin (expected * or a comma-separated list of scheme://host[:port], e.g. https://app.example.com,http://localhost:5173)`);
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

const INTERVAL_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

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
