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
  /** Timers noted while the next due time is being read: the read may be older than they are. */
  private noted: number | null = null;
  private stopped = false;
  /** The round of firing under way: one at a time; a callback meanwhile asks for another. */
  private running: Promise<void> | null = null;
  private again = false;
  private readonly backoff = new Backoff();

  constructor(
    private readonly clock: Clock,
    private readonly nextDue: () => Promise<number | null>,
    private readonly fire: () => Promise<void>,
    private readonly onError: (err: unknown, retryInMs: number) => void,
  ) {}

  private poll: NodeJS.Timeout | null = null;

  /**
   * On a database other gateways write (PostgreSQL), the timers they set are not noted here: the
   * next due time is read again every `ms` of real time (whatever clock the timers run on), so
   * that a timer whose gateway died fires on another.
   */
  pollEvery(ms: number): void {
    this.poll ??= setInterval(() => void this.rearm(), ms).unref();
  }

  /** Re-reads the earliest due time and arms for it. */
  async rearm(): Promise<void> {
    if (this.stopped) return;
    this.noted = null;
    let due: number | null;
    try {
      due = await this.nextDue();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (!this.stopped) this.arm(earliest(due, this.noted));
  }

  /** A timer was committed due at `dueAt`: armed for it if it comes before what is armed. */
  noteTimer(dueAt: number): void {
    this.noted = earliest(this.noted, dueAt);
    if (!this.stopped && (this.armedFor === null || dueAt < this.armedFor)) this.arm(dueAt);
  }

  /** Stops arming; resolves once the round under way (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    this.handle?.cancel();
    this.handle = null;
    await this.running;
  }

  private arm(due: number | null): void {
    this.handle?.cancel();
    this.handle = null;
    this.armedFor = due;
    if (due === null) return;
    this.handle = this.clock.schedule(due - this.clock.now(), () => {
      this.handle = null;
      this.armedFor = null;
      return this.round();
    });
  }

  /** Fires what is due (again while callbacks came meanwhile), then re-arms for what is next. */
  private round(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.again = false;
          await this.fire();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.failed(err);
        return;
      }
      this.backoff.succeeded();
      await this.rearm();
    };
    this.running = run().finally(() => (this.running = null));
    return this.running;
  }

  private failed(err: unknown): void {
    const ms = this.backoff.failed();
    this.onError(err, ms);
    if (!this.stopped) this.arm(this.clock.now() + ms);
  }
}

/** The earlier of two due times, either of which may be none. */
export const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
