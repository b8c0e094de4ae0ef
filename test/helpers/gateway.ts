/**
 * A real gateway (HTTP + WebSocket on port 0) for end-to-end tests, with authentication on unless
 * asked, on the test's database: a file, or on the PostgreSQL tier the schema named by that file
 * (test/helpers/database.ts), so that a gateway restarted on the same folder finds its data.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenRole } from "../../src/auth/tokens.js";
import { loadConfig } from "../../src/config.js";
import type { Clock } from "../../src/coordinator/clock.js";
import { createApp, type App } from "../../src/server/app.js";
import { silentLogger, type GqlResult } from "./api.js";
import { gatewayDatabase } from "./database.js";

export interface Gateway {
  app: App;
  url: string;
  /** The folder of the database file (and of admin.token). */
  dir: string;
  db: string;
  /** The database's settings (BATON_DB, or on PostgreSQL its URL and schema as well): a CLI run on the same database. */
  env: Record<string, string>;
  /** The admin token written on first start; null with authentication off. */
  adminToken: string | null;
  /** A new token of this role (by the admin), named after the role unless named. */
  token(role: TokenRole, name?: string): Promise<string>;
  /** One POST to /graphql: status, headers and the JSON answer. */
  post(query: string, variables?: Record<string, unknown>, token?: string | null, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: GqlResult }>;
  /** Stops the gateway and removes its folder (unless the caller gave it). */
  stop(): Promise<void>;
}

export async function startGateway(options: { env?: Record<string, string>; clock?: Clock; dir?: string } = {}): Promise<Gateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "baton-gw-"));
  const db = join(dir, "baton.db");
  const env = gatewayDatabase(db);
  const app = await createApp(loadConfig({ BATON_PORT: "0", ...env, BATON_LOG_LEVEL: "error", ...options.env }), { logger: silentLogger, clock: options.clock });
  const { url, adminTokenFile } = await app.start();
  const tokenFile = adminTokenFile ?? join(dir, "admin.token");
  let adminToken: string | null = null;
  try {
    adminToken = readFileSync(tokenFile, "utf8").trim();
  } catch {
    adminToken = null;
  }
  return {
    app,
    url,
    dir,
    db,
    env,
    adminToken,
    token: async (role, name = `e2e-${role}`) => (await app.coordinator.tokens.create({ name, role }, "admin")).token,
    async post(query, variables = {}, token = adminToken, headers = {}) {
      const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...auth, ...headers }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResult };
    },
    async stop() {
      await app.stop();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
