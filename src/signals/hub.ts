/**
 * Live delivery of committed signals, and the replay-then-live iterator.
 *
 * The coordinator publishes each transaction's signals after it commits, in commit order.
 * A subscriber reads the backlog from the signal log, then follows live batches. The handoff
 * has no gap and no duplicate because the iterator tracks the last sequence it delivered:
 * a live batch that starts right after it is used as is; any other (the subscriber fell
 * behind, or the batch arrived while the backlog was being read) makes it read the log again
 * from its last sequence. Live batches are buffered only up to a bound, so a slow subscriber
 * costs a log read, never unbounded memory.
 *
 * No iterator holds the event loop: the log is read a page at a time with a turn of the event
 * loop between pages, and delivery gives the loop a turn whenever the current stretch of work
 * has run for a time slice (shared by all iterators, so a hundred replays together yield as
 * often as one). A log read may wait for a replay slot (src/signals/replays.ts).
 */
import type { SignalModel } from "../domain/model.js";
import { matchesSignal, type SignalFilter } from "../store/signals.js";
import type { Store } from "../store/store.js";
import type { Release, ReplaySlot } from "./replays.js";

type Listener = (batch: readonly SignalModel[]) => void;

/** Batches buffered per subscriber before it falls back to reading the log. */
const MAX_BUFFERED_BATCHES = 256;
const PAGE = 500;
/** Longest stretch of delivery (ms) before an iterator lets the event loop serve other clients. */
const SLICE_MS = 8;

let sliceStart = performance.now();

/** A turn of the event loop (I/O included); the next time slice starts after it. */
async function nextTurn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  sliceStart = performance.now();
}

/** Gives the event loop a turn when the current stretch of work has run for a slice. */
function maybeNextTurn(): Promise<void> | null {
  return performance.now() - sliceStart >= SLICE_MS ? nextTurn() : null;
}

export class SignalHub {
  private readonly listeners = new Set<Listener>();

  /** Called after commit with the transaction's signals, in sequence order. */
  publish(batch: readonly SignalModel[]): void {
    if (batch.length === 0) return;
    for (const l of this.listeners) l(batch);
  }

  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

}

export interface FollowOptions {
  filter: SignalFilter;
  /** Replay signals after this sequence; null = only signals committed from now on. */
  afterSequence: number | null;
  /**
   * Ends the iteration (and removes its hub listener) once aborted, also while it waits for a
   * live batch: an async generator's return() would wait for that batch.
   */
  signal?: AbortSignal;
  /**
   * Waited for before each read of the log but the first one of a live-only iteration
   * (`afterSequence` null): the backlog and every re-read after falling behind. Released once
   * the iterator has caught up (or ends).
   */
  replaySlot?: ReplaySlot;
}

/**
 * Signals matching the filter: the backlog after `afterSequence`, then live ones, until `signal`
 * aborts. The log is read through `store`'s reads.
 */
export async function* followSignals(hub: SignalHub, store: Pick<Store, "read">, o: FollowOptions): AsyncGenerator<SignalModel> {
  /**
   * Every sequence up to `scanned` has been read (delivered if it matched). A live-only iteration
   * starts at the head and listens only once it has read it: whatever commits after it listens
   * lies past that head, and is delivered (live, or read from the log if the first live batch
   * does not follow the head). Listening first would drop a batch committed while the head was
   * being read, which the head then covers.
   */
  let scanned = o.afterSequence ?? (await store.read((r) => r.signals.head()));
  let wake: (() => void) | null = null;
  let queue: (readonly SignalModel[])[] = [];
  let overflow = false;
  const stop = hub.listen((batch) => {
    if (queue.length >= MAX_BUFFERED_BATCHES) overflow = true;
    else queue.push(batch);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  /** The replay slot held while reading the log, if any. */
  let release: Release | null = null;
  try {
    let replay = o.afterSequence !== null;
    for (;;) {
      // The slot is kept until the iterator is caught up: a read that is overtaken by live
      // batches (overflow) reads again without queueing anew.
      if (replay && o.replaySlot && !release) release = await o.replaySlot(o.signal);
      replay = true;
      if (o.signal?.aborted) return;
      // Catch up from the log. The page and the head are read in one read of the store (no
      // commit in between), so batches committed while the page is being yielded all lie after
      // `scanned`.
      for (;;) {
        const { page, upTo } = await store.read(async (r) => {
          const page = await r.signals.read(o.filter, scanned, PAGE);
          return { page, upTo: page.length < PAGE ? Math.max(scanned, await r.signals.head()) : page[page.length - 1]!.sequence };
        });
        for (const s of page) {
          yield s;
          const turn = maybeNextTurn();
          if (turn) await turn;
        }
        scanned = upTo;
        if (page.length < PAGE) break;
        await nextTurn();
        if (o.signal?.aborted) return;
      }
      // Then follow live batches while each continues exactly where the last one ended.
      for (;;) {
        if (queue.length === 0 && !overflow) release = caughtUp(release);
        while (queue.length === 0 && !overflow && !o.signal?.aborted) await new Promise<void>((r) => (wake = r));
        wake = null;
        if (o.signal?.aborted) return;
        if (overflow) {
          overflow = false;
          queue = [];
          break; // read the log again from `scanned`
        }
        const batch = queue.shift()!;
        if (batch[batch.length - 1]!.sequence <= scanned) continue; // already read from the log
        if (batch[0]!.sequence !== scanned + 1) {
          queue = [];
          break; // something before this batch was not seen live: read the log again
        }
        release = caughtUp(release);
        for (const s of batch) {
          if (!matchesSignal(o.filter, s)) continue;
          yield s;
          const turn = maybeNextTurn();
          if (turn) await turn;
        }
        scanned = batch[batch.length - 1]!.sequence;
      }
    }
  } finally {
    release?.();
    stop();
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/** Gives back a replay slot (if held): the iterator follows live batches now. */
function caughtUp(release: Release | null): null {
  release?.();
  return null;
}

/**
 * An async iterator over `make(signal)` whose return() ends it at once. An async generator
 * waiting inside (for a live batch) would see return() only after producing its next value,
 * so an unsubscribed stream with nothing matching would keep its hub listener forever.
 */
export function closable<T>(make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncIterableIterator<T> {
  const abort = new AbortController();
  const it = make(abort.signal);
  return {
    next: () => it.next(),
    return: (value?: unknown) => {
      abort.abort();
      return it.return(value as never);
    },
    throw: (e?: unknown) => {
      abort.abort();
      return it.throw(e);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
