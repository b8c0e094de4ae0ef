import { Backoff } from "./background.js";
import type { Clock, TimerHandle } from "./clock.js";

/**
 * Arms one clock callback for the earliest durable timer. The timers themselves live in
 * the database, so those that fell due while the server was down fire at start-up. When firing
 * (or reading the next due time) fails, e.g. on a full disk, the failure is reported and the
 * timers, still due in the database, are fired again after a backoff: never thrown into the
 * clock callback, never forgotten.
 */
export class Scheduler {
  private handle: TimerHandle | null = null;
  private armedFor: number | null = null;
  private stopped = false;
  private readonly backoff = new Backoff();

  constructor(
    private readonly clock: Clock,
    private readonly nextDue: () => number | null,
    private readonly fire: () => void,
    private readonly onError: (err: unknown, retryInMs: number) => void,
  ) {}

  /** Re-reads the earliest due time and arms for it. */
  rearm(): void {
    if (this.stopped) return;
    let due: number | null;
    try {
      due = this.nextDue();
    } catch (err) {
      this.failed(err);
      return;
    }
    this.arm(due);
  }

  /** A timer was set at `dueAt`: arm earlier if it comes before what is armed. */
  noteTimer(dueAt: number): void {
    if (this.armedFor === null || dueAt < this.armedFor) this.rearm();
  }

  stop(): void {
    this.stopped = true;
    this.handle?.cancel();
    this.handle = null;
  }

  private arm(due: number | null): void {
    this.handle?.cancel();
    this.handle = null;
    this.armedFor = due;
    if (due === null) return;
    this.handle = this.clock.schedule(due - this.clock.now(), () => {
      this.handle = null;
      this.armedFor = null;
      try {
        this.fire();
      } catch (err) {
        this.failed(err);
        return;
      }
      this.backoff.succeeded();
      this.rearm();
    });
  }

  private failed(err: unknown): void {
    const ms = this.backoff.failed();
    this.onError(err, ms);
    if (!this.stopped) this.arm(this.clock.now() + ms);
  }
}
