/**
 * The transaction runner: every change of the coordinator's services is `transact(async tx => …)`,
 * ONE transaction of the store (./tx.ts is what the services are handed). Just before commit it
 * takes the checkpoints the transaction asked for, saves each changed plan once (version-guarded)
 * and announces template regressions; only after commit does it tell the observers, publish the
 * transaction's signals, re-arm the timers and wake waiting claimers. A rolled-back transaction
 * does none of that.
 */
import type { Json } from "../domain/model.js";
import { regressionSignal } from "../insight/assess.js";
import type { Logger } from "../logger.js";
import { noticeOf } from "../store/notices.js";
import { sqliteErrorOf } from "../store/storage-errors.js";
import type { Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import { checkpoint } from "./decisions.js";
import type { CoordinatorObserver } from "./observer.js";
import { SYSTEM, Tx } from "./tx.js";
import type { LogFeed } from "./feed.js";
import type { ClaimWaiters } from "./waiters.js";

/** What the runner needs, and whom it tells after a commit. */
export interface RunnerDeps {
  store: Store;
  clock: Clock;
  /** STEP checkpoints kept per plan (BATON_CHECKPOINT_KEEP). */
  checkpointKeep: number;
  /** Where committed signals go live (through ./feed.ts, which keeps them in log order). */
  feed: LogFeed;
  /** This gateway, as its notices to the others name it (src/store/notices.ts). */
  gateway: string;
  /** Parked claims, woken for the roles a commit made claimable. */
  waiters: ClaimWaiters;
  /** Agents' last contact as committed (./agents.ts). */
  lastSeen: Map<string, number>;
  /** A durable timer or lease is due at this time (the scheduler arms earlier if need be). */
  noteTimer: (dueAt: number) => void;
  observers: readonly CoordinatorObserver[];
  logger: () => Logger;
}

export class TransactionRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /** Runs `fn` in one transaction; after commit publishes, re-arms and wakes. */
  async transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const { store, observers } = this.deps;
    let tx: Tx | undefined;
    const t0 = performance.now();
    const result = await store.transact(async (session) => {
      tx = new Tx(session, this.deps.clock, this.deps.checkpointKeep);
      const u = tx.unit;
      const r = await fn(tx);
      // The context versions the checkpoints record, read for all of them at once.
      const pending = u.checkpoints();
      const versions = pending.length > 1 ? await tx.store.context.versions([...new Set(pending.map((c) => c.planId))]) : null;
      for (const c of pending) await checkpoint(tx, (await tx.load(c.planId))!, c.reason, c.stepKey, null, c.sender, versions?.get(c.planId));
      await tx.store.plans.saveAll([...u.changes()].map(({ base, next }) => ({ prev: base, next })));
      await this.announceRegressions(tx);
      await tx.flush(); // the signals last: on PostgreSQL the log head stays locked from here to commit
      // The other gateways on the database hear of the commit (one small NOTIFY, sent at commit).
      if (store.notices && (u.signals.length > 0 || u.wake.size > 0)) {
        await session.announce(noticeOf(this.deps.gateway, u.signals.at(-1)?.sequence ?? null, u.wake));
      }
      return r;
    });
    const u = tx!.unit;
    if (observers.length) {
      const committed = { transactionMs: performance.now() - t0, started: u.started, ended: u.ended };
      for (const o of observers) {
        try {
          o.committed(committed);
        } catch (err) {
          this.deps.logger().error({ err }, "an observer of committed transactions failed (metrics or tracing); the transaction stands");
        }
      }
    }
    for (const [id, at] of u.seen) this.deps.lastSeen.set(id, at);
    this.deps.feed.committed(u.signals);
    if (u.earliestTimer !== null) this.deps.noteTimer(u.earliestTimer);
    if (u.wake.size > 0) void this.deps.waiters.wake(u.wake);
    return result;
  }

  /**
   * Each plan made from a template that COMPLETED in this transaction is compared with the earlier
   * runs of its template version (src/insight/); a regression is announced by a REGRESSION signal
   * in this same transaction, so it commits with the completion or not at all (a crash cannot
   * lose it). Runs after the plans are saved, so that plans completed together judge each other
   * as Plan.evaluation does on read. A bug in the judging (not a storage failure, which dooms the
   * transaction anyway) is logged rather than allowed to refuse the completion.
   */
  private async announceRegressions(tx: Tx): Promise<void> {
    for (const { base, next } of tx.unit.changes()) {
      if (base.plan.state === "COMPLETED" || next.plan.state !== "COMPLETED" || next.plan.templateId === null) continue;
      let payload: Json | null = null;
      try {
        payload = await regressionSignal(tx.store, next);
      } catch (err) {
        if (sqliteErrorOf(err)) throw err;
        this.deps.logger().error({ err, planId: next.plan.id }, "judging a completed plan against its template's earlier runs failed");
      }
      if (payload) tx.emit({ kind: "REGRESSION", planId: next.plan.id, sender: SYSTEM, payload });
    }
  }
}
