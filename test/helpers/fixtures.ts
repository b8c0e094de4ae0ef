import { Coordinator } from "../../src/coordinator/coordinator.js";
import { ManualClock } from "../../src/coordinator/clock.js";
import type { CoordinatorObserver } from "../../src/coordinator/observer.js";
import type { Logger } from "../../src/logger.js";
import type { Store } from "../../src/store/store.js";
import { testStore } from "./database.js";

export interface CoordinatorFixtureOptions {
  agentOfflineMs?: number;
  checkpointKeep?: number;
  /** A database file (created and migrated) instead of a fresh in-memory database. */
  file?: string;
  logger?: Logger;
  /** Told of each committed transaction. */
  observers?: CoordinatorObserver[];
  /** BATON_RETENTION in ms (default: keep every plan). */
  retentionMs?: number;
}

/** A coordinator on a fresh in-memory database (or `file`) with the real migrations and a manual clock. */
export async function makeCoordinator(opts: CoordinatorFixtureOptions = {}): Promise<{ coordinator: Coordinator; clock: ManualClock; store: Store }> {
  const clock = new ManualClock();
  const store = await testStore({ file: opts.file });
  const coordinator = new Coordinator(store, { clock, agentOfflineMs: opts.agentOfflineMs ?? 60_000, checkpointKeep: opts.checkpointKeep ?? 100, logger: opts.logger, observers: opts.observers, retentionMs: opts.retentionMs });
  await coordinator.start();
  return { coordinator, clock, store };
}

/** Polls a condition on the event loop (never on wall-clock sleeps of fixed length). */
export async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}
