/**
 * Background work — durable timers and lease expiry, the agent sweep, the built-in agents — runs
 * from clock callbacks and the event loop, where a throw would crash the process or silently stop
 * the work. When a step of it fails (a full disk, a read-only database: src/store/storage-errors.ts,
 * or a bug) it is logged and tried again later, backing off while the failure lasts. A failed
 * transaction saved nothing, so what was to be done is still in the database: trying again loses
 * nothing.
 */
import { createLogger, type Logger } from "../logger.js";
import { describeStorageError, isStorageFailure } from "../store/storage-errors.js";

export const RETRY_MIN_MS = 500;
export const RETRY_MAX_MS = 30_000;

/** Exponential backoff while a failure lasts: 0.5 s, 1 s, 2 s … up to 30 s (or the maximum given). */
export class Backoff {
  private delay = 0;

  constructor(private readonly maxMs = RETRY_MAX_MS) {}

  /** The delay before trying again after one more failure. */
  failed(): number {
    this.delay = this.delay === 0 ? RETRY_MIN_MS : Math.min(this.maxMs, this.delay * 2);
    return this.delay;
  }

  succeeded(): void {
    this.delay = 0;
  }
}

/** Logs a failure of background work, saying what failed and when it is tried again. */
export function logFailure(logger: Logger, err: unknown, what: string, retryInMs: number | null): void {
  const storage = isStorageFailure(err) ? `: ${describeStorageError(err) ?? (err as Error).message}` : "";
  const retry = retryInMs === null ? "" : `; trying again in ${retryInMs} ms`;
  logger.error({ err, retryInMs }, `${what} failed${storage}${retry}`);
}

/** The logger given, else one writing JSON on stderr, made when first needed. */
export function lazyLogger(given: Logger | undefined): () => Logger {
  let fallback: Logger | null = null;
  return () => given ?? (fallback ??= createLogger({ logLevel: "info", dev: false }));
}
