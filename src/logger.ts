import { destination, pino, type Logger } from "pino";
import type { Config } from "./config.js";

export type { Logger };

/** Structured JSON logs on stderr. */
export function createLogger(config: Pick<Config, "logLevel">): Logger {
  return pino({ level: config.logLevel, base: { service: "baton" } }, destination(2));
}
