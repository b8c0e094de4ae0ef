/**
 * Long-polling claimers waiting for work, woken after a commit makes a step of one of
 * their roles claimable. No polling loop: a waiter runs only when woken or timed out.
 */
interface Waiter {
  roles: ReadonlySet<string>;
  /** Tries to claim; true when the waiter is satisfied and leaves the queue. */
  attempt: () => Promise<boolean>;
  /** Ends the wait with nothing (drain). */
  abandon: () => void;
}

export class ClaimWaiters {
  private readonly queue: Waiter[] = [];
  private pending = new Set<string>();
  private waking = false;

  add(roles: readonly string[], attempt: () => Promise<boolean>, abandon: () => void): () => void {
    const w: Waiter = { roles: new Set(roles), attempt, abandon };
    this.queue.push(w);
    return () => this.remove(w);
  }

  /**
   * Offers work of these roles to waiters, oldest first, one claim at a time. Calls while it runs
   * are folded in. Resolves when every waiter woken has tried (an attempt handles its own errors).
   */
  async wake(roles: Iterable<string>): Promise<void> {
    for (const r of roles) this.pending.add(r);
    if (this.waking || this.queue.length === 0) {
      if (this.queue.length === 0) this.pending.clear();
      return;
    }
    this.waking = true;
    try {
      while (this.pending.size > 0) {
        const batch = this.pending;
        this.pending = new Set();
        for (const w of [...this.queue]) {
          if (![...w.roles].some((r) => batch.has(r))) continue;
          if (this.queue.includes(w) && (await w.attempt())) this.remove(w);
        }
      }
    } finally {
      this.waking = false;
    }
  }

  /** Offers work of any role to every waiter (after notices of other gateways may have been missed). */
  wakeAll(): Promise<void> {
    return this.wake(new Set(this.queue.flatMap((w) => [...w.roles])));
  }

  /** Ends every wait with nothing. */
  abandonAll(): void {
    for (const w of this.queue.splice(0)) w.abandon();
  }

  get size(): number {
    return this.queue.length;
  }

  private remove(w: Waiter): void {
    const i = this.queue.indexOf(w);
    if (i >= 0) this.queue.splice(i, 1);
  }
}
