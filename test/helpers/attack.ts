/**
 * The security tier's target: the compiled gateway (`baton serve`) as a real process in
 * production mode with authentication on, its admin token, tokens of each role, and a
 * well-behaved client whose latency is measured while an attack runs.
 */
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { startServerProcess, tempDb, type ServerProcess } from "./process.js";

export interface GqlAnswer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export interface Target {
  proc: ServerProcess;
  url: string;
  /** The folder of the database (and of admin.token). */
  dir: string;
  db: string;
  adminToken: string;
  /** One POST to /graphql (admin token unless another one, or null for none). */
  post(query: string, variables?: Record<string, unknown>, token?: string | null, headers?: Record<string, string>): Promise<GqlAnswer>;
  /** A raw POST body (no JSON encoding by us): for oversized or malformed documents. */
  postRaw(body: string, token?: string | null): Promise<GqlAnswer>;
  /** A new token (created by the admin over the API); `extra` is merged into CreateTokenInput. */
  token(role: "VIEWER" | "OPERATOR" | "AGENT" | "ADMIN" | "METRICS", name?: string, extra?: Record<string, unknown>): Promise<string>;
  /** SIGTERM, then the folder removed. */
  stop(): Promise<void>;
}

/** Starts a real gateway process: NODE_ENV=production, BATON_AUTH on, a fresh database. */
export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const db = tempDb();
  const dir = dirname(db);
  const proc = await startServerProcess({ NODE_ENV: "production", BATON_AUTH: "on", BATON_DB: db, BATON_LOG_LEVEL: "info", ...env });
  const adminToken = readFileSync(join(dir, "admin.token"), "utf8").trim();
  const send = async (body: string, token: string | null, headers: Record<string, string> = {}): Promise<GqlAnswer> => {
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const res = await fetch(proc.url, { method: "POST", headers: { "content-type": "application/json", ...auth, ...headers }, body });
    const text = await res.text();
    let parsed: GqlAnswer["body"];
    try {
      parsed = JSON.parse(text) as GqlAnswer["body"];
    } catch {
      parsed = { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  const target: Target = {
    proc,
    url: proc.url,
    dir,
    db,
    adminToken,
    post: (query, variables = {}, token = adminToken, headers = {}) => send(JSON.stringify({ query, variables }), token, headers),
    postRaw: (body, token = adminToken) => send(body, token),
    async token(role, name = `sec-${role.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`, extra = {}) {
      const r = await target.post(`mutation($input: CreateTokenInput!) { createToken(input: $input) { token } }`, { input: { name, role, ...extra } });
      if (r.body.errors) throw new Error(`createToken: ${JSON.stringify(r.body.errors)}`);
      return r.body.data!["createToken"].token as string;
    },
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill("SIGTERM");
        await proc.exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return target;
}

export const codeOf = (a: GqlAnswer): unknown => a.body.errors?.[0]?.extensions?.["code"];

/**
 * A well-behaved client: sends `{ viewer { name } }` one request after another with its own
 * token for as long as the returned `stop` has not been called, and reports the slowest answer
 * (and how many it got). A gateway whose event loop is held by an attack shows it here.
 */
export function wellBehavedClient(target: Target, token: string): { stop(): Promise<{ maxMs: number; count: number; failures: number }> } {
  let running = true;
  let maxMs = 0;
  let count = 0;
  let failures = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const r = await target.post(`{ viewer { name } }`, {}, token);
        if (r.status !== 200) failures++;
      } catch {
        failures++;
      }
      maxMs = Math.max(maxMs, performance.now() - t0);
      count++;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { maxMs, count, failures };
    },
  };
}

/**
 * Runs `attack` while a well-behaved client measures its latency; returns both results, and
 * prints the figures under the test's name (the security tier's measurements).
 */
export async function underAttack<T>(target: Target, token: string, attack: () => Promise<T>): Promise<{ result: T; latency: { maxMs: number; count: number; failures: number } }> {
  const client = wellBehavedClient(target, token);
  try {
    const result = await attack();
    const latency = await client.stop();
    const name = expect.getState().currentTestName ?? "attack";
    console.log(`${name}: bystander ${latency.count} requests, max ${latency.maxMs.toFixed(0)} ms, ${latency.failures} failed`);
    return { result, latency };
  } catch (e) {
    await client.stop();
    throw e;
  }
}
