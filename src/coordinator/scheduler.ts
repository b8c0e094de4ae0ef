import type { Clock, TimerHandle } from "./clock.js";

/**
 * Arms one clock callback for the earliest durable timer. The timers themselves live in
 * the database, so those that fell due while the server was down fire at start-up.
 */
export class Scheduler {
  private handle: TimerHandle | null = null;
  private armedFor: number | null = null;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly nextDue: () => number | null,
    private readonly fire: () => void,
  ) {}

  /** Re-reads the earliest due time and arms for it. */
  rearm(): void {
    if (this.stopped) return;
    this.handle?.cancel();
    this.handle = null;
    const due = this.nextDue();
    this.armedFor = due;
    if (due === null) return;
    this.handle = this.clock.schedule(due - this.clock.now(), () => {
      this.handle = null;
      this.armedFor = null;
      this.fire();
      this.rearm();
    });
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
}
