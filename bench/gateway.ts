/** A gateway on a free port and a temp database, for the HTTP scenarios. */
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { createApp, type App } from "../src/server/app.js";
import { tempDbFile } from "./fixtures.js";

export interface Gateway {
  app: App;
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(): Promise<Gateway> {
  const config = loadConfig({ BATON_PORT: "0", BATON_DB: tempDbFile(), BATON_LOG_LEVEL: "error" });
  const app = createApp(config, { logger: pino({ level: "silent" }) });
  const { url } = await app.start();
  return { app, url, stop: () => app.stop() };
}
