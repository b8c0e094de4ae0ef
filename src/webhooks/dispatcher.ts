/**
 * Sends signals to webhooks: enqueues a delivery row per matching (webhook, signal) and POSTs
 * due deliveries, retrying with backoff. Plan execution never waits on any of it.
 *
 * Enqueueing. While any webhook is active, the hub hands every committed transaction's signals
 * to a listener that only remembers them; on the next turn of the event loop they are matched
 * against the active webhooks and the deliveries inserted in one small transaction, with the
 * cursor (the last signal considered); one piece of enqueueing work runs at a time, to its end
 * (each moves the cursor). Signals after the cursor are enqueued from the log at start-up, so a
 * crash between a commit and its enqueue loses nothing; `INSERT OR IGNORE` on (webhook, signal)
 * makes enqueueing twice harmless. Each webhook takes only signals after the log's head at its
 * registration, so the cursor need not move, and the hub is not followed at all, while no
 * webhook is active: a gateway without webhooks pays nothing for them.
 *
 * Sending. One clock callback is armed for the earliest PENDING delivery not yet due (as the
 * coordinator's scheduler does for timers). Due deliveries are taken for this gateway (due again
 * only after the request's timeout and a margin: another gateway on the database sends others)
 * and sent with at most `concurrency` requests in flight (one look at the queue at a time); each
 * attempt is written to its row. The queue is in the database, so deliveries pending at a
 * restart are sent after it. Delivery is at least once: a request cut off by a shutdown is given
 * back and sent again, one cut off by a crash once the time it was taken for is up. With other
 * gateways on the database (PostgreSQL) the webhooks and the queue are looked at every 2 s too.
 */
import { Mutex } from "async-mutex";
import type { Clock, TimerHandle } from "../domain/clock.js";
import type { SignalModel } from "../domain/model.js";
import type { Logger } from "../logger.js";
import { OutboundPolicy } from "../outbound/policy.js";
import type { SignalHub } from "../signals/hub.js";
import type { Store } from "../store/store.js";
import {
  DEFAULT_DELIVERY_POLICY,
  DELIVERY_HEADER,
  deliveryId,
  EVENT_HEADER,
  nextAttemptAt,
  SIGNATURE_HEADER,
  signalBody,
  signBody,
  webhookMatches,
  type DeliveryModel,
  type DeliveryPolicy,
  type WebhookMatch,
  type WebhookWithSecret,
} from "./model.js";
import type { AttemptRecord } from "../store/webhooks.js";
import { post, type Outcome } from "./sender.js";

export interface DispatcherOptions {
  store: Store;
  hub: SignalHub;
  clock: Clock;
  logger: Logger;
  policy?: Partial<DeliveryPolicy>;
  /** Where deliveries may be sent (src/outbound/policy.ts); default: public addresses only. */
  outbound?: OutboundPolicy;
}

const PAGE = 500;
/** A delivery taken to send is left to this gateway for its request's timeout and this much more. */
const SEND_MARGIN_MS = 5_000;
/** With other gateways on the database, how often their registrations and queued deliveries are looked at. */
const OTHERS_POLL_MS = 2_000;

export class WebhookDispatcher {
  readonly policy: DeliveryPolicy;
  private readonly store: Store;
  private readonly hub: SignalHub;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outbound: OutboundPolicy;

  private state: "new" | "running" | "stopped" = "new";
  /** Enqueueing work (following webhook changes, batches, reading the log, the cursor): one at a time. */
  private readonly enqueueing = new Mutex();
  /** Every signal up to here has been matched and its deliveries enqueued. */
  private scanned = 0;
  /** The cursor as last committed. */
  private saved = 0;
  private queued: (readonly SignalModel[])[] = [];
  private flushing: NodeJS.Immediate | null = null;
  private unlisten: (() => void) | null = null;
  private unwatch: (() => void) | null = null;
  private syncing: NodeJS.Immediate | null = null;
  /** Reads the log again after enqueueing failed (a full disk), in case no batch comes to do it. */
  private catchUp: TimerHandle | null = null;
  private hooks: WebhookWithSecret[] = [];
  /** A webhook was registered or removed since `hooks` was read. */
  private hooksStale = true;

  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly aborter = new AbortController();
  private timer: TimerHandle | null = null;
  private armedFor: number | null = null;
  /** The look at the queue under way, if any; `pumpAgain`: asked for again meanwhile. */
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  /** With other gateways on the database: the periodic look at their webhooks and deliveries. */
  private poll: NodeJS.Timeout | null = null;
  /** Sends ended (their rows written) so far: one that ends while the queue is read leaves room for another look. */
  private sendsEnded = 0;

  constructor(o: DispatcherOptions) {
    this.store = o.store;
    this.hub = o.hub;
    this.clock = o.clock;
    this.logger = o.logger;
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...o.policy };
    this.outbound = o.outbound ?? new OutboundPolicy();
  }

  /** Enqueues what was committed since the cursor, follows the hub, and sends what is due. */
  async start(): Promise<void> {
    if (this.state !== "new") return;
    this.state = "running";
    await this.enqueueing.runExclusive(async () => {
      this.scanned = this.saved = await this.store.queries.webhooks.cursor();
      // Registrations and removals call the watcher once committed: it schedules a sync.
      const stale = (): void => {
        this.hooksStale = true;
        this.syncing ??= setImmediate(() => {
          this.syncing = null;
          this.inTurn("could not follow webhook changes", () => this.sync());
        });
      };
      this.unwatch = this.store.queries.webhooks.watch(stale);
      // Other gateways on the database register webhooks and queue deliveries this one hears
      // nothing of: it looks at both again every OTHERS_POLL_MS (real time).
      if (this.store.notices) {
        this.poll = setInterval(() => {
          stale();
          this.pump();
        }, OTHERS_POLL_MS).unref();
      }
      await this.sync();
    });
    this.pump();
  }

  /**
   * Stops sending: enqueues the signals already published, saves the cursor, and cuts off
   * requests in flight (they stay PENDING and are sent again after a restart). Call it before
   * closing the store.
   */
  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    const wasRunning = this.state === "running";
    this.state = "stopped";
    if (this.poll) clearInterval(this.poll);
    this.timer?.cancel();
    this.timer = null;
    if (this.flushing) clearImmediate(this.flushing);
    if (this.syncing) clearImmediate(this.syncing);
    this.catchUp?.cancel();
    this.aborter.abort();
    // After the enqueueing under way (start-up's included); what was waiting finds the dispatcher stopped.
    await this.enqueueing.runExclusive(async () => {
      this.unwatch?.();
      if (wasRunning) {
        this.enqueued(await this.guard("could not enqueue webhook deliveries", () => this.sync())); // a webhook registered just now
        this.enqueued(await this.guard("could not enqueue webhook deliveries", () => this.enqueueBatches(this.queued.splice(0))));
        await this.guard("could not save the webhook cursor", () => this.saveCursor());
      }
      this.unlisten?.();
      this.unlisten = null;
    });
    await this.pumping;
    await Promise.all(this.inFlight.values());
  }

  /** Requests in flight now. */
  get sending(): number {
    return this.inFlight.size;
  }

  // ------------------------------------------------------------------ enqueueing

  /**
   * Runs `fn` as enqueueing work once the work before it is done, unless the dispatcher stopped
   * meanwhile; a failure is logged (`what`), and the log read again (see enqueued).
   */
  private inTurn(what: string, fn: () => Promise<void>): void {
    void this.enqueueing.runExclusive(async () => {
      if (this.state === "running") this.enqueued(await this.guard(what, fn));
    });
  }

  /** Follows the hub while a webhook is active, catching up from the log when it starts to. */
  private async sync(): Promise<void> {
    const hooks = await this.activeHooks();
    if (hooks.length > 0 && !this.unlisten) {
      this.unlisten = this.hub.listen((batch) => this.onBatch(batch));
      // No webhook took the signals up to the lowest fromSequence: start there at the earliest.
      this.scanned = Math.max(this.scanned, Math.min(...hooks.map((h) => h.fromSequence)));
      await this.readLog(hooks, await this.store.queries.signals.head());
    } else if (hooks.length === 0 && this.unlisten) {
      this.unlisten();
      this.unlisten = null;
      this.queued = [];
    }
  }

  /** Called after each commit: only remembers the batch, the work happens on the next turn. */
  private onBatch(batch: readonly SignalModel[]): void {
    this.queued.push(batch);
    this.flushing ??= setImmediate(() => {
      this.flushing = null;
      this.inTurn("could not enqueue webhook deliveries", () => this.enqueueBatches(this.queued.splice(0)));
    });
  }

  /**
   * After a failed enqueue (nothing of it was saved), reads the log again from the saved cursor:
   * with the next batch, or after a backoff if none comes first (a full disk stops every commit).
   */
  private enqueued(ok: boolean): void {
    if (ok) return;
    this.scanned = this.saved;
    if (this.state !== "running") return; // read at the next start-up
    this.catchUp ??= this.clock.schedule(this.policy.initialBackoffMs, () => {
      this.catchUp = null;
      this.inTurn("could not enqueue webhook deliveries", async () => this.readLog(await this.activeHooks(), await this.store.queries.signals.head()));
    });
  }

  private async enqueueBatches(batches: readonly (readonly SignalModel[])[]): Promise<void> {
    if (batches.length === 0) return;
    const hooks = await this.activeHooks();
    if (hooks.length === 0) {
      this.scanned = Math.max(this.scanned, batches.at(-1)!.at(-1)!.sequence);
      return;
    }
    const matched: WebhookMatch[] = [];
    for (const batch of batches) {
      if (batch.at(-1)!.sequence <= this.scanned) continue;
      if (batch[0]!.sequence !== this.scanned + 1) {
        // Something before this batch was not seen live: read the rest from the log.
        await this.write(matched.splice(0));
        await this.readLog(hooks, await this.store.queries.signals.head());
        break;
      }
      for (const s of batch) matched.push(...webhookMatches(hooks, s));
      this.scanned = batch.at(-1)!.sequence;
    }
    await this.write(matched);
  }

  /** Enqueues from the log every match after `scanned` up to `upTo`, a page per transaction. */
  private async readLog(hooks: readonly WebhookWithSecret[], upTo: number): Promise<void> {
    const kinds = [...new Set(hooks.flatMap((h) => h.kinds))];
    while (this.scanned < upTo) {
      const page = await this.store.queries.signals.read({ kinds }, this.scanned, PAGE, upTo);
      const matched = page.flatMap((s) => webhookMatches(hooks, s));
      this.scanned = page.length < PAGE ? upTo : page.at(-1)!.sequence;
      await this.write(matched);
    }
  }

  /** Inserts the deliveries and moves the cursor, in one transaction; then sends what is due. */
  private async write(matched: readonly WebhookMatch[]): Promise<void> {
    if (matched.length === 0) return;
    const scanned = this.scanned;
    await this.store.transact(async (s) => {
      await s.webhooks.enqueue(matched, this.clock.now());
      await s.webhooks.setCursor(scanned);
    });
    this.saved = scanned;
    this.pump();
  }

  private async saveCursor(): Promise<void> {
    const scanned = this.scanned;
    await this.store.transact((s) => s.webhooks.setCursor(scanned));
    this.saved = scanned;
  }

  /** Runs `fn`, logging what it throws: nothing here may throw into a timer or the event loop. */
  private async guard(what: string, fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      this.logger.error({ err }, what);
      return false;
    }
  }

  private async activeHooks(): Promise<WebhookWithSecret[]> {
    if (this.hooksStale) {
      this.hooksStale = false;
      this.hooks = await this.store.queries.webhooks.list();
    }
    return this.hooks;
  }

  // ------------------------------------------------------------------ sending

  /** Starts due deliveries while there is room, then arms the clock for the next one; asked again meanwhile, looks again after. */
  private pump(): void {
    if (this.state !== "running") return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        await this.lookAtQueue();
      } while (this.pumpAgain && this.state === "running");
      this.pumping = null;
    })();
  }

  private async lookAtQueue(): Promise<void> {
    const now = this.clock.now();
    const queue = this.store.queries.webhooks;
    const ok = await this.guard("could not read the webhook delivery queue", async () => {
      const room = this.policy.concurrency - this.inFlight.size;
      if (room > 0) {
        const ended = this.sendsEnded;
        // Taken for this gateway while they are sent (another gateway on the database sends others).
        const until = now + this.policy.timeoutMs + SEND_MARGIN_MS;
        const due = await this.store.transact((s) => s.webhooks.claimDue(now, room, until));
        if (this.state !== "running") {
          await Promise.all(due.map((d) => this.store.transact((s) => s.webhooks.release(d.seq, d.nextAttemptAt ?? now))));
          return;
        }
        for (const d of due.filter((x) => !this.inFlight.has(x.seq))) this.launch(d);
        if (ended !== this.sendsEnded) this.pumpAgain = true; // a send ended meanwhile: room for more
      }
      const next = await queue.nextDueAfter(now);
      if (this.state === "running") this.arm(next);
    });
    if (!ok && this.state === "running") this.arm(now + this.policy.initialBackoffMs); // try again later
  }

  private arm(at: number | null): void {
    if (this.timer && at === this.armedFor) return;
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = at;
    if (at === null) return;
    this.timer = this.clock.schedule(at - this.clock.now(), () => {
      this.timer = null;
      this.armedFor = null;
      this.pump();
    });
  }

  private launch(d: DeliveryModel): void {
    const p = this.send(d).then(
      () => {
        this.inFlight.delete(d.seq);
        this.sendsEnded++;
        this.pump();
      },
      (err: unknown) => {
        // Its row could not be written: try again later, not at once.
        this.logger.error({ err, delivery: deliveryId(d.seq) }, "webhook delivery failed unexpectedly");
        this.inFlight.delete(d.seq);
        if (this.state === "running") this.arm(Math.min(this.armedFor ?? Infinity, this.clock.now() + this.policy.initialBackoffMs));
      },
    );
    this.inFlight.set(d.seq, p);
  }

  /** One attempt: POST, then write the outcome to the row. */
  private async send(d: DeliveryModel): Promise<void> {
    const hook = await this.store.queries.webhooks.get(d.webhookId);
    if (!hook?.active) return; // removed: its pending deliveries were failed with it
    const signal = await this.store.queries.signals.get(d.signalSequence);
    if (!signal) {
      await this.record(d, { ok: false, statusCode: null, error: `signal ${d.signalSequence} not found` }, true);
      return;
    }
    const body = signalBody(signal);
    const outcome = await post(hook.url, body, this.policy.timeoutMs, this.aborter.signal, {
      "content-type": "application/json",
      "user-agent": "baton-webhooks",
      [SIGNATURE_HEADER]: signBody(hook.secret, body),
      [DELIVERY_HEADER]: deliveryId(d.seq),
      [EVENT_HEADER]: signal.kind,
    }, this.outbound);
    if (outcome === null) {
      // shutting down: stays PENDING, due again at once for the next gateway (or this one restarted)
      await this.store.transact((s) => s.webhooks.release(d.seq, this.clock.now()));
      return;
    }
    if (outcome.blocked) {
      this.logger.info({ delivery: deliveryId(d.seq), webhook: d.webhookId, url: hook.url, reason: outcome.blocked.reason }, "webhook delivery blocked by the outbound policy");
    }
    // A refused destination stays refused: failed at once, not retried for a day.
    await this.record(d, outcome, outcome.blocked !== undefined);
  }

  private async record(d: DeliveryModel, o: Outcome, final: boolean): Promise<void> {
    const now = this.clock.now();
    const next = o.ok || final ? null : nextAttemptAt(d.createdAt, d.attempts + 1, now, this.policy);
    const r: AttemptRecord = {
      status: o.ok ? "DELIVERED" : next === null ? "FAILED" : "PENDING",
      nextAttemptAt: next,
      lastStatusCode: o.statusCode,
      lastError: o.error,
      deliveredAt: o.ok ? now : null,
    };
    await this.store.transact((s) => s.webhooks.record(d.seq, r));
    if (r.status === "FAILED") this.logger.warn({ delivery: deliveryId(d.seq), webhook: d.webhookId, error: o.error }, "webhook delivery failed for good");
  }
}
