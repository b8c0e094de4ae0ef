/**
 * Back-pressure on a WebSocket: what graphql-ws sends goes through one FIFO per connection, written
 * at once while the socket's `bufferedAmount` (bytes handed to ws but not yet to the kernel) is at
 * most the high-water mark. Past it the connection is paused: each send waits in the FIFO, and since
 * graphql-ws awaits every send before pulling its operation's next result, every iterator of the
 * connection stops being pulled (a signals subscription then keeps at most its bounded queue of
 * live batches, and reads the log again later). Writing resumes, in order, once the buffer has
 * drained to half the mark — seen on each write's callback, or by a poll every POLL_MS. A
 * connection that stays paused for the stall timeout is closed with 1013 (Try Again Later: a
 * retrying client reconnects and resumes with `afterSequence`), and dropped if it does not read
 * that either within CLOSE_GRACE_MS; its sends wait until the socket has closed (`closed()`), so
 * its operations produce nothing more meanwhile.
 */

/** What the pacer needs of a `ws` WebSocket. */
export interface PacedSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: string, cb: (err?: Error) => void): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface PacingOptions {
  /** Pause writing past this many buffered bytes (BATON_WS_HIGH_WATER_BYTES). */
  highWaterBytes: number;
  /** Close a connection paused this long (BATON_WS_STALL_TIMEOUT_MS). */
  stallTimeoutMs: number;
  /** Told once when a stalled connection is closed. */
  onStall?: (bufferedBytes: number) => void;
}

/** The close code of a connection whose client stopped reading. */
export const STALLED_CLOSE_CODE = 1013;
export const STALLED_CLOSE_REASON = "Try again later: the client did not read its messages (BATON_WS_STALL_TIMEOUT_MS)";
const POLL_MS = 20;
const CLOSE_GRACE_MS = 1_000;

interface Pending {
  data: string;
  done: () => void;
}

export class Pacer {
  private readonly queue: Pending[] = [];
  private pausedAt: number | null = null;
  private poll: NodeJS.Timeout | null = null;
  private stalled: NodeJS.Timeout | null = null;
  private ended = false;
  /** Closed for stalling: sends wait (and are dropped) until the socket's close, producing nothing meanwhile. */
  private closing = false;

  constructor(
    private readonly socket: PacedSocket,
    private readonly options: PacingOptions,
  ) {}

  /** True while writes wait for the client to read. */
  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /** Messages waiting to be written. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once `data` is handed to the socket (or dropped: the socket is closing). */
  send(data: string): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.closing) return new Promise<void>((done) => this.queue.push({ data, done }));
    if (this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    if (this.pausedAt === null && this.queue.length === 0) {
      this.write(data);
      return Promise.resolve();
    }
    return new Promise<void>((done) => this.queue.push({ data, done }));
  }

  /** The socket closed: every waiting send resolves (its message is dropped), timers stop. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.pausedAt = null;
    for (const p of this.queue.splice(0)) p.done();
  }

  private write(data: string): void {
    // A client gone mid-write (EPIPE, reset) is not an error of ours: its close follows.
    this.socket.send(data, this.check);
    if (this.pausedAt === null && this.socket.bufferedAmount > this.options.highWaterBytes) this.pause();
  }

  private pause(): void {
    this.pausedAt = performance.now();
    this.poll = setInterval(this.check, POLL_MS);
    this.poll.unref?.();
  }

  /** On each write's callback and each poll: resume below half the mark, or close a stalled client. */
  private readonly check = (): void => {
    if (this.pausedAt === null || this.ended || this.closing) return;
    if (this.socket.readyState !== this.socket.OPEN) return this.end();
    if (this.socket.bufferedAmount <= this.options.highWaterBytes / 2) return this.resume();
    if (performance.now() - this.pausedAt >= this.options.stallTimeoutMs) this.stall();
  };

  /** Writes waiting messages in order until the buffer is over the mark again. */
  private resume(): void {
    this.stopTimers();
    this.pausedAt = null;
    while (this.queue.length > 0 && this.pausedAt === null) {
      const next = this.queue.shift()!;
      this.write(next.data);
      next.done();
    }
  }

  private stall(): void {
    const buffered = this.socket.bufferedAmount;
    this.closing = true;
    this.stopTimers();
    this.options.onStall?.(buffered);
    this.socket.close(STALLED_CLOSE_CODE, STALLED_CLOSE_REASON);
    // The close frame waits behind what the client did not read: do not wait for it long.
    this.stalled = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
    this.stalled.unref?.();
  }

  private stopTimers(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  /** Called when the socket has closed: also cancels the grace timer of a stalled close. */
  closed(): void {
    this.end();
    if (this.stalled) clearTimeout(this.stalled);
    this.stalled = null;
  }
}
