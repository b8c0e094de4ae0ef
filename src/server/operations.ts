/**
 * The operations open on each graphql-ws connection, for BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION.
 * A subscribe message is counted when it is taken in — synchronously, in message order, before
 * onSubscribe awaits anything — and uncounted when its operation ends or is refused. So a burst
 * of subscribes is counted exactly: graphql-ws's own `subscriptions` also holds every message of
 * the burst still being checked (and refused ones until their error is sent), which made a
 * burst of 101 refuse nearly all of them. Ids graphql-ws no longer holds (ended without a hook,
 * completed by the client, the connection closed) are dropped before a refusal is decided.
 */
export interface OperationHolder {
  /** graphql-ws's operations of the connection, by id (filled when a subscribe arrives, emptied on close). */
  readonly subscriptions: Record<string, unknown>;
}

export class OpenOperations {
  private readonly open = new WeakMap<OperationHolder, Set<string>>();

  constructor(private readonly max: number) {}

  /** Counts `id` on the connection; false (not counted) when that would be more than the limit. */
  reserve(ctx: OperationHolder, id: string): boolean {
    let ids = this.open.get(ctx);
    if (!ids) this.open.set(ctx, (ids = new Set()));
    if (ids.size >= this.max && !ids.has(id)) {
      for (const held of ids) if (!(held in ctx.subscriptions)) ids.delete(held);
      if (ids.size >= this.max) return false;
    }
    ids.add(id);
    return true;
  }

  /** The operation ended or was refused. */
  release(ctx: OperationHolder, id: string): void {
    this.open.get(ctx)?.delete(id);
  }

  /** Operations counted on the connection. */
  count(ctx: OperationHolder): number {
    return this.open.get(ctx)?.size ?? 0;
  }
}
