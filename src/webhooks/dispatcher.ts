/**
 * Sends signals to webhooks: enqueues a delivery row per matching (webhook, signal) and POSTs
 * due deliveries, retrying with backoff. Plan execution never waits on any of it.
 *
 * Enqueueing. While any webhook is active, the hub hands every committed transaction's signals
 * to a listener that only remembers them; on the next turn of the event loop they are matched
 * against the active webhooks and the deliveries inserted in one small transaction, with the
 * cursor (the last signal considered). Signals after the cursor are enqueued from the log at
 * start-up, so a crash between a commit and its enqueue loses nothing; `INSERT OR IGNORE` on
 * (webhook, signal) makes enqueueing twice harmless. Each webhook takes only signals after the
 * log's head at its registration, so the cursor need not move, and the hub is not followed at
 * all, while no webhook is active: a gateway without webhooks pays nothing for them.
 *
 * Sending. One clock callback is armed for the earliest PENDING delivery not yet due (as the
 * coordinator's scheduler does for timers): no polling loop. Due deliveries are sent with at
 * most `concurrency` requests in flight; each attempt is written to its row. The queue is in
 * the database, so deliveries pending at a restart are sent after it. Delivery is at least
 * once: a request cut off by a shutdown is sent again.
 */
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
import type { AttemptRecord, WebhookRepository } from "../store/webhooks.js";
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

export class WebhookDispatcher {
  readonly policy: DeliveryPolicy;
  private readonly store: Store;
  private readonly hub: SignalHub;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly repo: WebhookRepository;
  private readonly outbound: OutboundPolicy;

  private state: "new" | "running" | "stopped" = "new";
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
  private hooksGeneration = -1;

  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly aborter = new AbortController();
  private timer: TimerHandle | null = null;
  private armedFor: number | null = null;

  constructor(o: DispatcherOptions) {
    this.store = o.store;
    this.hub = o.hub;
    this.clock = o.clock;
    this.logger = o.logger;
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...o.policy };
    this.repo = o.store.webhooks;
    this.outbound = o.outbound ?? new OutboundPolicy();
  }

  /** Enqueues what was committed since the cursor, follows the hub, and sends what is due. */
  start(): void {
    if (this.state !== "new") return;
    this.state = "running";
    this.scanned = this.saved = this.repo.cursor();
    // Registrations and removals commit in the caller's transaction: look after it.
    this.unwatch = this.repo.watch(() => (this.syncing ??= setImmediate(() => this.enqueued(this.guard("could not follow webhook changes", () => this.sync())))));
    this.sync();
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
    this.unwatch?.();
    this.timer?.cancel();
    this.timer = null;
    if (this.flushing) clearImmediate(this.flushing);
    if (this.syncing) clearImmediate(this.syncing);
    this.catchUp?.cancel();
    this.aborter.abort();
    if (wasRunning) {
      this.enqueued(this.guard("could not enqueue webhook deliveries", () => this.sync())); // a webhook registered just now
      this.flush();
      this.guard("could not save the webhook cursor", () => this.saveCursor());
    }
    this.unlisten?.();
    this.unlisten = null;
    await Promise.all(this.inFlight.values());
  }

  /** Requests in flight now. */
  get sending(): number {
    return this.inFlight.size;
  }

  // ------------------------------------------------------------------ enqueueing

  /** Follows the hub while a webhook is active, catching up from the log when it starts to. */
  private sync(): void {
    this.syncing = null;
    const hooks = this.activeHooks();
    if (hooks.length > 0 && !this.unlisten) {
      this.unlisten = this.hub.listen((batch) => this.onBatch(batch));
      // No webhook took the signals up to the lowest fromSequence: start there at the earliest.
      this.scanned = Math.max(this.scanned, Math.min(...hooks.map((h) => h.fromSequence)));
      this.readLog(hooks, this.store.signals.head());
    } else if (hooks.length === 0 && this.unlisten) {
      this.unlisten();
      this.unlisten = null;
      this.queued = [];
    }
  }

  /** Called after each commit: only remembers the batch, the work happens on the next turn. */
  private onBatch(batch: readonly SignalModel[]): void {
    this.queued.push(batch);
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = null;
    const batches = this.queued;
    this.queued = [];
    if (batches.length === 0) return;
    this.enqueued(this.guard("could not enqueue webhook deliveries", () => this.enqueueBatches(batches)));
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
      this.enqueued(this.guard("could not enqueue webhook deliveries", () => this.readLog(this.activeHooks(), this.store.signals.head())));
    });
  }

  private enqueueBatches(batches: readonly (readonly SignalModel[])[]): void {
    const hooks = this.activeHooks();
    if (hooks.length === 0) {
      this.scanned = Math.max(this.scanned, batches.at(-1)!.at(-1)!.sequence);
      return;
    }
    const matched: WebhookMatch[] = [];
    for (const batch of batches) {
      if (batch.at(-1)!.sequence <= this.scanned) continue;
      if (batch[0]!.sequence !== this.scanned + 1) {
        // Something before this batch was not seen live: read the rest from the log.
        this.write(matched.splice(0));
        this.readLog(hooks, this.store.signals.head());
        break;
      }
      for (const s of batch) matched.push(...webhookMatches(hooks, s));
      this.scanned = batch.at(-1)!.sequence;
    }
    this.write(matched);
  }

  /** Enqueues from the log every match after `scanned` up to `upTo`, a page per transaction. */
  private readLog(hooks: readonly WebhookWithSecret[], upTo: number): void {
    const kinds = [...new Set(hooks.flatMap((h) => h.kinds))];
    while (this.scanned < upTo) {
      const page = this.store.signals.read({ kinds }, this.scanned, PAGE, upTo);
      const matched = page.flatMap((s) => webhookMatches(hooks, s));
      this.scanned = page.length < PAGE ? upTo : page.at(-1)!.sequence;
      this.write(matched);
    }
  }

  /** Inserts the deliveries and moves the cursor, in one transaction; then sends what is due. */
  private write(matched: readonly WebhookMatch[]): void {
    if (matched.length === 0) return;
    const scanned = this.scanned;
    this.store.transaction(() => {
      this.repo.enqueue(matched, this.clock.now());
      this.repo.setCursor(scanned);
    });
    this.saved = scanned;
    this.pump();
  }

  private saveCursor(): void {
    const scanned = this.scanned;
    this.store.transaction(() => this.repo.setCursor(scanned));
    this.saved = scanned;
  }

  /** Runs `fn`, logging what it throws: nothing here may throw into a timer or the event loop. */
  private guard(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.logger.error({ err }, what);
      return false;
    }
  }

  private activeHooks(): WebhookWithSecret[] {
    if (this.hooksGeneration !== this.repo.generation) {
      this.hooksGeneration = this.repo.generation;
      this.hooks = this.repo.list();
    }
    return this.hooks;
  }

  // ------------------------------------------------------------------ sending

  /** Starts due deliveries while there is room, then arms the clock for the next one. */
  private pump(): void {
    if (this.state !== "running") return;
    const now = this.clock.now();
    const ok = this.guard("could not read the webhook delivery queue", () => {
      const room = this.policy.concurrency - this.inFlight.size;
      if (room > 0) {
        const due = this.repo.due(now, room + this.inFlight.size).filter((d) => !this.inFlight.has(d.seq));
        for (const d of due.slice(0, room)) this.launch(d);
      }
      this.arm(this.repo.nextDueAfter(now));
    });
    if (!ok) this.arm(now + this.policy.initialBackoffMs); // try again later
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
    const hook = this.repo.get(d.webhookId);
    if (!hook?.active) return; // removed: its pending deliveries were failed with it
    const signal = this.store.signals.get(d.signalSequence);
    if (!signal) {
      this.record(d, { ok: false, statusCode: null, error: `signal ${d.signalSequence} not found` }, true);
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
    if (outcome === null) return; // shutting down: stays PENDING, sent again after a restart
    if (outcome.blocked) {
      this.logger.info({ delivery: deliveryId(d.seq), webhook: d.webhookId, url: hook.url, reason: outcome.blocked.reason }, "webhook delivery blocked by the outbound policy");
    }
    // A refused destination stays refused: failed at once, not retried for a day.
    this.record(d, outcome, outcome.blocked !== undefined);
  }

  private record(d: DeliveryModel, o: Outcome, final: boolean): void {
    const now = this.clock.now();
    const next = o.ok || final ? null : nextAttemptAt(d.createdAt, d.attempts + 1, now, this.policy);
    const r: AttemptRecord = {
      status: o.ok ? "DELIVERED" : next === null ? "FAILED" : "PENDING",
      nextAttemptAt: next,
      lastStatusCode: o.statusCode,
      lastError: o.error,
      deliveredAt: o.ok ? now : null,
    };
    this.store.transaction(() => this.repo.record(d.seq, r));
    if (r.status === "FAILED") this.logger.warn({ delivery: deliveryId(d.seq), webhook: d.webhookId, error: o.error }, "webhook delivery failed for good");
  }
}
