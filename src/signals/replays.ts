/**
 * Caps on replays: subscriptions reading the signal log (a backlog after `afterSequence`, or a
 * re-read after falling behind) rather than following live batches. A replay holds one slot of
 * its connection and one of its token while it reads; one over either cap waits, and slots are
 * handed out in arrival order to the first waiters that fit both (a waiter held by its own
 * connection's cap does not hold up the token's other connections). Waiting costs no log read
 * and no buffer: the subscription's hub listener keeps at most a bounded queue of live batches.
 */

/** Gives back a slot; calling it again does nothing. */
export type Release = () => void;

/** A connection's way to a replay slot: resolves once it may read the log; ends waiting when `signal` aborts. */
export type ReplaySlot = (signal?: AbortSignal) => Promise<Release>;

interface Waiter {
  connection: object;
  grant: () => void;
}

interface TokenState {
  active: number;
  waiting: Waiter[];
}

export class ReplayLimiter {
  private readonly tokens = new Map<string, TokenState>();
  private readonly connections = new WeakMap<object, number>();

  constructor(
    private readonly perConnection: number,
    private readonly perToken: number,
  ) {}

  /** Replays reading the log now for this token (0 when none). */
  active(token: string): number {
    return this.tokens.get(token)?.active ?? 0;
  }

  /** Replays waiting for a slot for this token. */
  waiting(token: string): number {
    return this.tokens.get(token)?.waiting.length ?? 0;
  }

  /** The slot function of one connection of one token. */
  slotFor(connection: object, token: string): ReplaySlot {
    return (signal) => this.acquire(connection, token, signal);
  }

  /**
   * A slot for a replay on `connection` under `token`: at once when both have room, else in turn. Aborting `signal` while waiting withdraws the request
   * (resolved with a no-op release).
   */
  acquire(connection: object, token: string, signal?: AbortSignal): Promise<Release> {
    const state = this.state(token);
    if (signal?.aborted) return Promise.resolve(noop);
    // Whoever waits does not fit now (a release grants every waiter that does), so a request
    // that fits goes ahead without taking anything a waiter could use.
    if (this.fits(state, connection)) return Promise.resolve(this.take(state, connection, token));
    return new Promise<Release>((resolve) => {
      const waiter: Waiter = {
        connection,
        grant: () => {
          signal?.removeEventListener("abort", withdraw);
          resolve(this.take(state, connection, token));
        },
      };
      const withdraw = (): void => {
        const i = state.waiting.indexOf(waiter);
        if (i >= 0) state.waiting.splice(i, 1);
        this.forget(token, state);
        resolve(noop);
      };
      signal?.addEventListener("abort", withdraw, { once: true });
      state.waiting.push(waiter);
    });
  }

  private state(token: string): TokenState {
    let s = this.tokens.get(token);
    if (!s) this.tokens.set(token, (s = { active: 0, waiting: [] }));
    return s;
  }

  private fits(state: TokenState, connection: object): boolean {
    return state.active < this.perToken && (this.connections.get(connection) ?? 0) < this.perConnection;
  }

  private take(state: TokenState, connection: object, token: string): Release {
    state.active++;
    this.connections.set(connection, (this.connections.get(connection) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.active--;
      this.connections.set(connection, this.connections.get(connection)! - 1);
      this.grantWaiting(state);
      this.forget(token, state);
    };
  }

  /** Grants slots to the earliest waiters that fit, while the token has room. */
  private grantWaiting(state: TokenState): void {
    for (let i = 0; i < state.waiting.length && state.active < this.perToken; ) {
      const w = state.waiting[i]!;
      if (!this.fits(state, w.connection)) {
        i++;
        continue;
      }
      state.waiting.splice(i, 1);
      w.grant();
    }
  }

  private forget(token: string, state: TokenState): void {
    if (state.active === 0 && state.waiting.length === 0) this.tokens.delete(token);
  }
}

const noop: Release = () => undefined;
