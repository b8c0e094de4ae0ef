/**
 * What the hub (src/signals/hub.ts) is handed: every committed signal once, in the log's order,
 * with no gap — this gateway's commits and, on a database other gateways write too, theirs.
 *
 * On SQLite one writer commits one transaction after another: each commit's signals follow the
 * last and go to the hub as they are. On PostgreSQL commits of other transactions (of this process
 * answering out of order, or of other gateways, heard through notices) may come between: when a
 * batch does not follow the last sequence handed on, or a notice says the log moved past it, the
 * feed reads what it has not handed on from the log, one read at a time, and hands that on.
 */
import type { Logger } from "../logger.js";
import type { SignalModel } from "../domain/model.js";
import type { SignalHub } from "../signals/hub.js";
import type { Store } from "../store/store.js";
import { Backoff, logFailure } from "./background.js";
import type { Clock } from "./clock.js";

const PAGE = 1_000;

export class LogFeed {
  /** The last sequence handed to the hub; null until started, and always on SQLite (as they come). */
  private handed: number | null = null;
  /** The log is known to reach this far. */
  private target = 0;
  /** Notices may have been missed: the log's head is read again before the catch-up ends. */
  private toHead = false;
  private reading: Promise<void> | null = null;
  /** Ends the wait of a catch-up that failed, so that it tries again at once. */
  private retryNow: (() => void) | null = null;
  private readonly backoff = new Backoff();
  private stopped = false;

  constructor(
    private readonly hub: SignalHub,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: () => Logger,
  ) {}

  /** Follows the log from its head now (PostgreSQL only: SQLite's commits come in order). */
  async start(): Promise<void> {
    if (this.store.dialect !== "postgres") return;
    this.handed = await this.store.queries.signals.head();
    this.target = this.handed;
  }

  /** A commit of this gateway, with its signals (consecutive). */
  committed(batch: readonly SignalModel[]): void {
    if (batch.length === 0) return;
    if (this.handed === null) {
      this.hub.publish(batch);
      return;
    }
    const last = batch[batch.length - 1]!.sequence;
    if (last <= this.handed) return; // handed on already, read from the log
    if (batch[0]!.sequence === this.handed + 1 && !this.reading) {
      this.handed = last;
      this.target = Math.max(this.target, last);
      this.hub.publish(batch);
      return;
    }
    this.reached(last);
  }

  /**
   * The log reaches `head` (a notice of another gateway); null: it may have moved (notices were
   * missed). Also while a catch-up is under way: it reads the head again before it ends, and one
   * waiting after a failed read tries again now (the database answers again).
   */
  reached(head: number | null): void {
    if (this.handed === null) return;
    if (head === null) this.toHead = true;
    else if (head > this.target) this.target = head;
    else return;
    this.retryNow?.();
    this.reading ??= this.catchUp().finally(() => {
      this.reading = null;
    });
  }

  /** Stops reading the log (a read under way ends after its page). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves when what the feed knows of is handed on (tests, drain). */
  async settled(): Promise<void> {
    while (this.reading) await this.reading;
  }

  private async catchUp(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.toHead) {
          this.toHead = false; // asked again from here on: read again
          try {
            this.target = Math.max(this.target, await this.store.queries.signals.head());
          } catch (err) {
            this.toHead = true;
            throw err;
          }
        }
        while (this.handed! < this.target && !this.stopped) {
          const page = await this.store.queries.signals.read({}, this.handed!, PAGE, this.target);
          if (page.length === 0) break; // nothing there (retention removes only signals far older than what the feed reads)
          this.handed = page[page.length - 1]!.sequence;
          this.hub.publish(page);
        }
        this.backoff.succeeded();
        if (!this.toHead) return;
      } catch (err) {
        // The database did not answer: what is missing is read again later; nothing is skipped.
        const ms = this.backoff.failed();
        logFailure(this.logger(), err, "reading the signal log to hand on other transactions' signals", ms);
        await new Promise<void>((resolve) => {
          const wait = this.clock.schedule(ms, resolve);
          this.retryNow = () => {
            wait.cancel();
            resolve();
          };
        });
        this.retryNow = null;
      }
    }
  }
}
