/**
 * Group commit for calls that come one by one: the calls made in one turn of the event loop are
 * run together (one transaction for all), and while a group runs the calls that come meanwhile
 * wait for the next group, so groups grow with the load instead of queueing transactions. Each
 * caller gets its own result, or its own error; a failure of the whole group (the database went
 * away) reaches every caller of that group.
 */
import { AsyncResource } from "node:async_hooks";

interface Waiting<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class Batcher<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private running = false;
  private scheduled = false;
  /**
   * Groups run in the context the batcher was made in, not in the first caller's: a caller inside
   * a transaction must not make the group look like a transaction started from inside it.
   */
  private readonly scope = new AsyncResource("baton.batcher");

  /** `run` answers each input of a group in order: its result, or an Error for it alone. */
  constructor(
    private readonly run: (inputs: readonly I[]) => Promise<(O | Error)[]>,
    private readonly maxGroup = 500,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.scope.runInAsyncScope(() => void this.flush()));
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    const group = this.waiting.splice(0, this.maxGroup);
    try {
      const results = await this.run(group.map((w) => w.input));
      group.forEach((w, i) => {
        const r = results[i];
        if (r instanceof Error) w.reject(r);
        else w.resolve(r as O);
      });
    } catch (e) {
      for (const w of group) w.reject(e);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
