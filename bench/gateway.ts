/** A gateway on a free port and a temp database, for the HTTP scenarios. */
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { createApp, type App } from "../src/server/app.js";
import { benchDatabase, type Backend } from "./backends.js";

export interface Gateway {
  app: App;
  url: string;
  /** An admin token (authentication on), else null. */
  token: string | null;
  stop(): Promise<void>;
}

/**
 * With `auth`, authentication and the per-token request budget are on as in production (the
 * budget raised so that it counts every request but refuses none): the cost of checking them.
 * The database goes in a new folder under `dir` (the system's temporary folder by default).
 */
export async function startGateway(auth = false, dir?: string, backend: Backend = "sqlite"): Promise<Gateway> {
  const env = auth ? { BATON_TOKEN_RATE_LIMIT: "1000000000/1s" } : { BATON_AUTH: "off" };
  const db = benchDatabase(backend, dir);
  const config = loadConfig({ BATON_PORT: "0", BATON_LOG_LEVEL: "error", ...db.env, ...env });
  const app = await createApp(config, { logger: pino({ level: "silent" }) });
  const { url } = await app.start();
  const token = auth ? (await app.coordinator.tokens.create({ name: "bench", role: "admin" }, "bench")).token : null;
  return {
    app,
    url,
    token,
    stop: async () => {
      await app.stop();
      await db.drop();
    },
  };
}
