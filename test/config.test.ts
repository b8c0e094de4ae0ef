import { describe, expect, it } from "vitest";
import { ConfigError, isLoopback, loadConfig, parseCorsOrigins, parseRateLimits, parseRequestRate } from "../src/config.js";

describe("BATON_RATE_LIMITS", () => {
  it("is empty when unset or blank", () => {
    expect(loadConfig({}).rateLimits).toEqual([]);
    expect(parseRateLimits(" ")).toEqual([]);
  });

  it("reads role=N/INTERVAL[:MAX] entries, with - for no rate and the interval's number defaulting to 1", () => {
    expect(loadConfig({ BATON_RATE_LIMITS: "coder=10/1s,reviewer=100/1m" }).rateLimits).toEqual([
      { role: "coder", claims: 10, intervalMs: 1_000, maxConcurrent: null },
      { role: "reviewer", claims: 100, intervalMs: 60_000, maxConcurrent: null },
    ]);
    expect(parseRateLimits(" coder = 10/1s:3 , reviewer=100/m, tester=-:2,builtin.http=5/250ms,batch=1/2h:0 ")).toEqual([
      { role: "coder", claims: 10, intervalMs: 1_000, maxConcurrent: 3 },
      { role: "reviewer", claims: 100, intervalMs: 60_000, maxConcurrent: null },
      { role: "tester", claims: null, intervalMs: null, maxConcurrent: 2 },
      { role: "builtin.http", claims: 5, intervalMs: 250, maxConcurrent: null },
      { role: "batch", claims: 1, intervalMs: 7_200_000, maxConcurrent: 0 },
    ]);
  });

  it.each([
    ["coder", /not role=RATE\[:MAX\]/],
    ["=1/s", /not role=RATE\[:MAX\]/],
    ["coder=10/1s,", /entry "": not role=RATE/],
    ["coder=10", /rate "10" is neither N\/INTERVAL/],
    ["coder=10/1x", /rate "10\/1x"/],
    ["coder=10/1.5s", /rate "10\/1.5s"/],
    ["coder=-", /sets no limit/],
    ["coder=0/1s", /claims must be a whole number from 1/],
    ["coder=1/0s", /intervalMs must be a whole number from 1/],
    ["coder=1/1000h", /intervalMs must be a whole number from 1 to 2147483647/],
    ["coder=1/s:x", /MAX "x" is not a whole number/],
    ["coder=1/s:-1", /MAX "-1" is not a whole number/],
    ["coder=1/s,coder=2/s", /role "coder" is named twice/],
  ])("refuses %j with a clear ConfigError", (raw, message) => {
    expect(() => loadConfig({ BATON_RATE_LIMITS: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ BATON_RATE_LIMITS: raw })).toThrow(message);
    expect(() => loadConfig({ BATON_RATE_LIMITS: raw })).toThrow(/^BATON_RATE_LIMITS entry /);
  });
});

describe("limits and CORS", () => {
  it("default to the documented values", () => {
    expect(loadConfig({}).limits).toEqual({
      maxDepth: 15,
      maxComplexity: 50_000,
      maxJsonBytes: 1_048_576,
      maxBodyBytes: 2_097_152,
      maxSubscriptionsPerConnection: 100,
      introspection: true,
      maxQueryBytes: 262_144,
      maxQueryTokens: 5_000,
      maxAliases: 100,
    });
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it("read every BATON_MAX_* variable and BATON_INTROSPECTION", () => {
    const { limits } = loadConfig({
      BATON_MAX_QUERY_DEPTH: "8",
      BATON_MAX_QUERY_COMPLEXITY: "1000",
      BATON_MAX_JSON_BYTES: "4096",
      BATON_MAX_BODY_BYTES: "65536",
      BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION: "5",
      BATON_INTROSPECTION: "OFF",
      BATON_MAX_QUERY_BYTES: "10000",
      BATON_MAX_QUERY_TOKENS: "700",
      BATON_MAX_QUERY_ALIASES: "3",
    });
    expect(limits).toEqual({
      maxDepth: 8,
      maxComplexity: 1000,
      maxJsonBytes: 4096,
      maxBodyBytes: 65536,
      maxSubscriptionsPerConnection: 5,
      introspection: false,
      maxQueryBytes: 10_000,
      maxQueryTokens: 700,
      maxAliases: 3,
    });
    expect(loadConfig({ BATON_INTROSPECTION: "on" }).limits.introspection).toBe(true);
  });

  it.each([
    ["BATON_MAX_QUERY_DEPTH", "0"],
    ["BATON_MAX_QUERY_COMPLEXITY", "-1"],
    ["BATON_MAX_JSON_BYTES", "1mb"],
    ["BATON_MAX_BODY_BYTES", "10"],
    ["BATON_MAX_QUERY_BYTES", "12"],
    ["BATON_MAX_QUERY_TOKENS", "many"],
    ["BATON_MAX_QUERY_ALIASES", "-2"],
    ["BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION", "1.5"],
    ["BATON_INTROSPECTION", "no"],
  ])("refuses %s=%j", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`));
  });

  it("reads BATON_CORS_ORIGINS as *, or origins normalized as browsers send them", () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins(" * ")).toBe("*");
    expect(parseCorsOrigins("https://App.Example.com, http://localhost:5173,https://x.example:443/,https://app.example.com")).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
      "https://x.example",
    ]);
    for (const bad of ["app.example.com", "https://app.example.com/path", "ftp://x.example", "https://a.example,", "*,https://a.example", "https://u@a.example"]) {
      expect(() => parseCorsOrigins(bad), bad).toThrow(/^BATON_CORS_ORIGINS entry ".*" is not an origin/);
    }
  });
});

describe("authentication settings", () => {
  it("keeps authentication on by default, and writes the admin token beside the database", () => {
    const c = loadConfig({ BATON_DB: "/srv/baton/baton.db" });
    expect([c.auth, c.adminTokenFile, c.notices]).toEqual([true, "/srv/baton/admin.token", []]);
    expect(loadConfig({ BATON_DB: ":memory:" }).adminTokenFile).toBeNull();
    expect(loadConfig({ BATON_DB: ":memory:", BATON_ADMIN_TOKEN_FILE: "/tmp/t" }).adminTokenFile).toBe("/tmp/t");
  });

  it("honours BATON_AUTH=off on loopback only, with a warning either way", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"]) {
      expect(isLoopback(host), host).toBe(true);
      const c = loadConfig({ BATON_AUTH: "off", BATON_HOST: host });
      expect(c.auth).toBe(false);
      expect(c.notices[0]).toMatch(/^authentication is OFF/);
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com", "128.0.0.1"]) {
      expect(isLoopback(host), host).toBe(false);
      const c = loadConfig({ BATON_AUTH: "off", BATON_HOST: host });
      expect(c.auth).toBe(true);
      expect(c.notices).toEqual([`BATON_AUTH=off is ignored: the server listens on ${host}, not on loopback; authentication stays on`]);
    }
    expect(() => loadConfig({ BATON_AUTH: "maybe" })).toThrow(ConfigError);
  });

  it("reads BATON_TOKEN_RATE_LIMIT as N/INTERVAL or off", () => {
    expect(loadConfig({}).requestRate).toEqual({ requests: 1000, windowMs: 10_000 });
    expect(parseRequestRate("60/m")).toEqual({ requests: 60, windowMs: 60_000 });
    expect(parseRequestRate("OFF")).toBeNull();
    expect(loadConfig({}).anonymousRate).toEqual({ requests: 100, windowMs: 10_000 });
    expect(loadConfig({ BATON_ANONYMOUS_RATE_LIMIT: "20/m" }).anonymousRate).toEqual({ requests: 20, windowMs: 60_000 });
    expect(() => loadConfig({ BATON_ANONYMOUS_RATE_LIMIT: "lots" })).toThrow(/^BATON_ANONYMOUS_RATE_LIMIT must be/);
    for (const bad of ["0/1s", "10/500ms", "10", "ten/1s", "10/1d"]) expect(() => parseRequestRate(bad), bad).toThrow(/^BATON_TOKEN_RATE_LIMIT must be/);
  });
});

describe("stream limits (replays and WebSocket back-pressure)", () => {
  it("default to the documented values and read their variables", () => {
    expect(loadConfig({}).streams).toEqual({ maxReplaysPerConnection: 4, maxReplaysPerToken: 16, wsHighWaterBytes: 1_048_576, wsStallTimeoutMs: 15_000 });
    expect(
      loadConfig({ BATON_MAX_REPLAYS_PER_CONNECTION: "2", BATON_MAX_REPLAYS_PER_TOKEN: "8", BATON_WS_HIGH_WATER_BYTES: "65536", BATON_WS_STALL_TIMEOUT_MS: "500" }).streams,
    ).toEqual({ maxReplaysPerConnection: 2, maxReplaysPerToken: 8, wsHighWaterBytes: 65_536, wsStallTimeoutMs: 500 });
  });

  it.each([
    ["BATON_MAX_REPLAYS_PER_CONNECTION", "0"],
    ["BATON_MAX_REPLAYS_PER_TOKEN", "x"],
    ["BATON_WS_HIGH_WATER_BYTES", "1024"],
    ["BATON_WS_STALL_TIMEOUT_MS", "10"],
  ])("refuses %s=%j", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`));
  });
});
