/** Small helpers shared by the agent and its tasks: logging and abortable delays. */

/** The logger the agent writes to: pino-compatible (`logger.info({ ...fields }, "message")`). */
export interface AgentLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const noop = (): void => undefined;

/** Drops everything: the default. */
export const silentLogger: AgentLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** One line per entry on stderr: `level message {fields}`; debug is dropped. */
export function consoleLogger(prefix = "baton-agent"): AgentLogger {
  const line = (level: string) => (fields: object, message: string) =>
    process.stderr.write(`${prefix} ${level} ${message} ${JSON.stringify(fields)}\n`);
  return { debug: noop, info: line("info"), warn: line("warn"), error: line("error") };
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The next delay of a capped exponential backoff: 0 → first, then doubling up to max. */
export function nextDelay(previous: number, first = 250, max = 5_000): number {
  return previous === 0 ? first : Math.min(max, previous * 2);
}
