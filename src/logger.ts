import { destination, pino, type Logger } from "pino";
import type { Config } from "./config.js";

export type { Logger };

/**
 * Structured JSON logs on stderr, at BATON_LOG_LEVEL. With BATON_DEV=1 they are printed for
 * people instead (pino-pretty: one coloured line per entry, times and levels first).
 */
export function createLogger(config: Pick<Config, "logLevel" | "dev">): Logger {
  const options = { level: config.logLevel, base: { service: "baton" } };
  if (config.dev) return pino({ ...options, transport: { target: "pino-pretty", options: { destination: 2, translateTime: "HH:MM:ss.l", ignore: "pid,hostname,service" } } });
  return pino(options, destination(2));
}
