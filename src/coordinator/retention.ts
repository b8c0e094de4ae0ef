/**
 * Retention (BATON_RETENTION): finished plans older than the retention — by the time they
 * finished — are removed with every row of theirs (src/store/retention.ts), by a background job.
 * It removes BATCH plans per transaction and gives the event loop a turn between batches, so
 * that claims and reports never wait behind a large removal; a round runs every `everyMs` until
 * nothing is left to remove. With several gateways on one database each runs it; a plan another
 * gateway is removing is passed over (PostgreSQL), so none is removed twice. Off by default.
 */
import type { Logger } from "../logger.js";
import { Backoff, logFailure } from "./background.js";
import type { Clock, TimerHandle } from "./clock.js";
import type { TransactionRunner } from "./runner.js";

/** Plans removed per transaction. */
const BATCH = 100;

export interface RetentionDeps {
  runner: TransactionRunner;
  clock: Clock;
  /** Finished plans older than this (ms) are removed. */
  retentionMs: number;
  logger: () => Logger;
}

export class Retention {
  private handle: TimerHandle | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private readonly backoff = new Backoff();

  constructor(private readonly deps: RetentionDeps) {}

  /** How often a round runs: a tenth of the retention, from a second to a minute. */
  get everyMs(): number {
    return Math.min(60_000, Math.max(1_000, Math.floor(this.deps.retentionMs / 10)));
  }

  /** Runs a round now, then one every `everyMs` until stopped. */
  start(): void {
    this.stopped = false;
    this.next(0);
  }

  /** Stops; resolves once a round under way has ended (after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.handle?.cancel();
    await this.running;
  }

  /**
   * Removes every plan that finished before now minus the retention, a batch per transaction;
   * resolves with how many were removed.
   */
  removeExpired(): Promise<number> {
    return this.round(false);
  }

  /** A round; one of the background job's ends after its current batch once the job is stopped. */
  private async round(background: boolean): Promise<number> {
    const before = this.deps.clock.now() - this.deps.retentionMs;
    let removed = 0;
    for (;;) {
      const n = await this.deps.runner.transact(async (tx) => tx.store.retention.remove(await tx.store.retention.expired(before, BATCH)));
      removed += n;
      if (n < BATCH || (background && this.stopped)) break;
      await new Promise<void>((resolve) => setImmediate(resolve)); // claims and reports go first
    }
    if (removed > 0) this.deps.logger().info({ removed, retentionMs: this.deps.retentionMs }, `retention: removed ${removed} finished plans and their rows`);
    return removed;
  }

  private next(ms: number): void {
    if (this.stopped) return;
    this.handle = this.deps.clock.schedule(ms, () => {
      this.handle = null;
      return (this.running = this.round(true)
        .then(
          () => {
            this.backoff.succeeded();
            return this.everyMs;
          },
          (err: unknown) => {
            const retryMs = this.backoff.failed(); // nothing was lost: what was not removed is removed later
            logFailure(this.deps.logger(), err, "removing finished plans past the retention", retryMs);
            return retryMs;
          },
        )
        .then((wait) => {
          this.running = null;
          this.next(wait);
        }));
    });
  }
}
