/**
 * Built-in agents: in-process workers for the builtin.* roles. They claim through the same
 * coordinator path as remote agents (leases, heartbeats, retries, traces) and differ only in
 * that no network lies between them and the gateway.
 */
import { asObject, BuiltinRole } from "../domain/builtins.js";
import type { Json } from "../domain/model.js";
import type { Logger } from "../logger.js";
import { BatonError } from "../domain/errors.js";
import { isStorageFailure } from "../store/storage-errors.js";
import { Backoff, logFailure } from "./background.js";
import { jsonEqual } from "../engine/conditions.js";
import { mergeOutputs } from "../merge/merge.js";
import type { PiiConfig } from "../merge/pii.js";
import { followSignals } from "../signals/hub.js";
import type { TimerHandle } from "./clock.js";
import type { Coordinator, LeaseGrant, Report } from "./coordinator.js";
import { MAX_REDIRECTS, prefetchSettings, prefetchValue } from "./prefetch.js";
import { attemptInput } from "../engine/mappings.js";
import { OUTBOUND_BLOCKED, OutboundPolicy, outboundBlocked, outboundFetch, TooManyRedirectsError } from "../outbound/policy.js";
import { redact, resolveHeaders, Secrets, UnknownSecretError } from "../outbound/secrets.js";

/** A failure a built-in reports with its type and whether it may be retried. */
export class BuiltinFailure extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly retryable: boolean,
    readonly details: Json = null,
  ) {
    super(message);
  }
}

/** What the handlers that go out to the network need from the gateway. */
interface HandlerEnv {
  /** Where requests may go (src/outbound/policy.ts). */
  outbound: OutboundPolicy;
  /** The secrets `config.headers` may name. */
  secrets: Secrets;
  logger: Logger;
}

/**
 * Runs one attempt. `stop` is aborted when the attempt must end early (the plan was cancelled
 * or failed, the lease is gone, the agents are stopping); the result is then not reported.
 */
type Handler = (g: LeaseGrant, c: Coordinator, stop: AbortSignal, env: HandlerEnv) => Promise<Json | null>;

/** A refusal by the outbound policy: logged (with why) at info, reported without the why. */
function logBlocked(env: HandlerEnv, g: LeaseGrant, url: string, reason: string): void {
  env.logger.info({ planId: g.plan.id, stepKey: g.step.key, role: g.step.role, url, reason }, "outgoing request blocked by the outbound policy");
}

/** The longest wait between a built-in agent's failed claim and the next (the database went away). */
const CLAIM_RETRY_MAX_MS = 5_000;

const cfg = (g: LeaseGrant): Record<string, Json> => (g.step.config ?? {}) as Record<string, Json>;

/**
 * Whether `value` contains `pattern`: an object pattern matches an object that has each of its
 * keys with a value containing the pattern's (so nested objects are subsets too); any other
 * pattern (array, string, number, boolean, null) must be equal (arrays exactly, element by element).
 */
export function jsonContains(value: Json, pattern: Json): boolean {
  const p = asObject(pattern);
  if (!p) return jsonEqual(value, pattern);
  const v = asObject(value);
  return v !== null && Object.entries(p).every(([k, x]) => Object.hasOwn(v, k) && jsonContains(v[k]!, x));
}

const echo: Handler = async (g) => attemptInput(g.step);

const wait: Handler = (g, c, stop) =>
  new Promise((resolve, reject) => {
    const timer = c.clock.schedule(Number(cfg(g)["ms"] ?? 0), () => {
      stop.removeEventListener("abort", abort);
      resolve(attemptInput(g.step));
    });
    const abort = (): void => {
      timer.cancel();
      reject(stop.reason);
    };
    stop.addEventListener("abort", abort, { once: true });
  });

/**
 * The first CUSTOM signal of the plan named `config.name` whose payload contains `config.match`:
 * read from the start of the log (signals sent before the step started count), then followed live.
 */
const signal: Handler = async (g, c, stop) => {
  const { name, match } = cfg(g);
  const filter = { planId: g.plan.id, kinds: ["CUSTOM" as const], names: [String(name)] };
  for await (const s of followSignals(c.hub, c.store, { filter, afterSequence: 0, signal: stop })) {
    if (match === undefined || jsonContains(s.payload, match)) {
      return { signal: { sequence: s.sequence, name: s.name, sender: s.sender, payload: s.payload, at: new Date(s.at).toISOString() } };
    }
  }
  throw stop.reason; // the iteration ends only when `stop` aborts
};

/**
 * POSTs to `config.url` through the outbound policy (at most MAX_REDIRECTS redirects), with
 * `config.headers` (their `${secret:NAME}` filled in here, and taken out of the reply).
 */
const http: Handler = async (g, _c, _stop, env) => {
  const c = cfg(g);
  const url = String(c["url"]);
  const timeoutMs = typeof c["timeoutMs"] === "number" ? c["timeoutMs"] : g.step.timeoutMs;
  const body = JSON.stringify({
    plan: { id: g.plan.id, name: g.plan.name, input: g.plan.input },
    step: { key: g.step.key, attempt: g.lease.attempt },
    input: attemptInput(g.step),
    context: (await g.context()).data,
  });
  let h: ReturnType<typeof resolveHeaders>;
  try {
    h = resolveHeaders(c["headers"], env.secrets);
  } catch (e) {
    if (e instanceof UnknownSecretError) throw new BuiltinFailure(e.message, "SECRET_UNKNOWN", false);
    throw e;
  }
  let res: Awaited<ReturnType<typeof outboundFetch>>;
  try {
    res = await outboundFetch(
      env.outbound,
      url,
      { method: "POST", headers: { accept: "application/json", ...h.headers, "content-type": "application/json" }, body, signal: AbortSignal.timeout(timeoutMs) },
      { maxRedirects: MAX_REDIRECTS, sensitiveHeaders: h.secretHeaders },
    );
  } catch (e) {
    const blocked = outboundBlocked(e);
    if (blocked) {
      logBlocked(env, g, url, blocked.reason);
      throw new BuiltinFailure(`POST ${url}: ${blocked.message}`, OUTBOUND_BLOCKED, false);
    }
    if (e instanceof TooManyRedirectsError) throw new BuiltinFailure(`POST ${url}: ${e.message}`, "HTTP_REDIRECTS", false);
    const timedOut = e instanceof Error && e.name === "TimeoutError";
    throw new BuiltinFailure(timedOut ? `no reply within ${timeoutMs} ms` : `request failed: ${redact((e as Error).message, h.values)}`, timedOut ? "HTTP_TIMEOUT" : "HTTP_NETWORK", true);
  }
  const text = redact(await res.text(), h.values);
  if (!res.ok) {
    const server = res.status >= 500;
    throw new BuiltinFailure(`HTTP ${res.status} from ${String(c["url"])}`, server ? "HTTP_5XX" : "HTTP_4XX", server, { status: res.status, body: text.slice(0, 2000) });
  }
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new BuiltinFailure("reply is not JSON", "HTTP_BAD_REPLY", false, { body: text.slice(0, 2000) });
  }
};

/**
 * The outputs of the step's dependencies merged into one report (src/merge): loaded from the plan
 * as it is now, the order of `dependsOn` does not matter. `config.pii` was checked at creation.
 */
const merge: Handler = async (g, c) => {
  const steps = (await c.store.queries.plans.load(g.plan.id))?.steps ?? [];
  const inputs = g.step.dependsOn.map((key) => ({ key, output: steps.find((s) => s.key === key)?.output ?? null }));
  return mergeOutputs(inputs, (cfg(g)["pii"] ?? {}) as PiiConfig);
};

/**
 * Fetches `config.url` through the prefetch cache (./prefetch.ts) and writes the value to the
 * plan's context under `config.key` BEFORE completing, so that the steps waiting for this one find
 * it there; the output only describes the fetch. A failure fails the step when `config.required`;
 * otherwise the key is set to null and the step succeeds with a `warning`.
 */
const prefetch: Handler = async (g, c, stop, env) => {
  const s = prefetchSettings(g.step.config, g.step.timeoutMs);
  const started = performance.now();
  const r = await prefetchValue(c.store, c.clock, s, stop, { ...env, onBlocked: (url, reason) => logBlocked(env, g, url, reason) });
  if (!r.ok && s.required) throw new BuiltinFailure(r.error.message, r.error.type, r.error.retryable, { url: s.url, status: r.error.status });
  await c.updateContext({ planId: g.plan.id, key: s.key, value: r.ok ? r.value : null }, { actor: BuiltinRole.PREFETCH, leaseId: g.lease.id });
  const durationMs = Math.round(performance.now() - started);
  const described = { key: s.key, cacheKey: s.cacheKey, hit: r.hit, durationMs };
  return r.ok ? { ...described, bytes: r.bytes, status: r.status } : { ...described, bytes: 0, status: r.error.status, warning: r.error.message };
};

const HANDLERS: Record<string, { handler: Handler; concurrency: number }> = {
  [BuiltinRole.ECHO]: { handler: echo, concurrency: 64 },
  [BuiltinRole.WAIT]: { handler: wait, concurrency: 1000 },
  [BuiltinRole.HTTP]: { handler: http, concurrency: 32 },
  // Waiting costs a hub listener and no timer: as many as an agent may hold (registerAgent's limit).
  [BuiltinRole.SIGNAL]: { handler: signal, concurrency: 1000 },
  [BuiltinRole.MERGE]: { handler: merge, concurrency: 16 },
  [BuiltinRole.PREFETCH]: { handler: prefetch, concurrency: 64 },
};

/** A handler's error as a report: a BuiltinFailure as it is, anything else a retryable BUILTIN_ERROR. */
function failure(leaseId: string, e: unknown): Report {
  const f = e instanceof BuiltinFailure ? e : new BuiltinFailure(e instanceof Error ? e.message : String(e), "BUILTIN_ERROR", true);
  return { kind: "fail", leaseId, error: { message: f.message, type: f.type, retryable: f.retryable, details: f.details } };
}

/** Runs one worker loop per built-in role until stopped. */
export class BuiltinAgents {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  /** Reports waiting to be committed, each with what to call once it is (its attempt's slot is free then). */
  private readonly pending: { report: Report; saved: () => void }[] = [];
  /** One per attempt running here, aborted to end it early. */
  private readonly attempts = new Set<AbortController>();
  /** Backoffs after a failure (a full disk): ended at once by stop(). */
  private readonly pauses = new Set<{ handle: TimerHandle; resume: () => void }>();
  private readonly reportBackoff = new Backoff();
  /** The batch of reports being committed, if any. */
  private flushing: Promise<void> | null = null;
  /** Waiting out a backoff before the reports are tried again. */
  private retrying = false;

  private readonly env: HandlerEnv;
  private readonly concurrency: Readonly<Record<string, number>>;

  /**
   * `options.outbound`: where builtin.http and builtin.prefetch may send requests (default: the
   * policy with no exceptions: public addresses only); `options.secrets`: what their
   * `config.headers` may name (default none); `options.concurrency`: how many attempts a role's
   * agent runs at once, by role, where not the default (taken when the agent is first registered).
   */
  constructor(
    private readonly coordinator: Coordinator,
    private readonly logger: Logger,
    options: { outbound?: OutboundPolicy; secrets?: Secrets; concurrency?: Readonly<Record<string, number>> } = {},
  ) {
    this.env = { outbound: options.outbound ?? new OutboundPolicy(), secrets: options.secrets ?? new Secrets(), logger };
    this.concurrency = options.concurrency ?? {};
  }

  async start(): Promise<void> {
    const existing = (await this.coordinator.store.queries.agents.list()).filter((a) => a.builtin);
    for (const [role, { handler, concurrency: fallback }] of Object.entries(HANDLERS)) {
      const concurrency = this.concurrency[role] ?? fallback;
      const agent = existing.find((a) => a.name === role) ?? (await this.coordinator.registerAgent({ name: role, roles: [role], concurrency }, true));
      this.loops.push(this.loop(agent.id, agent.concurrency, handler));
    }
  }

  /**
   * Ends the loops (the coordinator's drain ends their long polls) and waits for them. Attempts
   * that honour their abort signal end without a report: their leases expire and the steps are
   * claimed again after a restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.attempts) a.abort();
    for (const p of this.pauses) p.resume();
    await Promise.all(this.loops);
    await this.flushing;
  }

  private async loop(agentId: string, concurrency: number, handler: Handler): Promise<void> {
    const running = new Set<Promise<void>>();
    // At most 5 s between tries: work is claimed again soon after the database comes back.
    const backoff = new Backoff(CLAIM_RETRY_MAX_MS);
    while (!this.stopped && !this.coordinator.isDraining) {
      if (running.size >= concurrency) {
        await Promise.race(running);
        continue;
      }
      let grants: LeaseGrant[];
      try {
        grants = await this.coordinator.claim(agentId, Math.min(100, concurrency - running.size), 30_000);
        backoff.succeeded();
      } catch (err) {
        // Nothing was claimed (a full disk…): try again later, the loop must not end.
        const ms = backoff.failed();
        logFailure(this.logger, err, `a claim of built-in agent ${agentId}`, ms);
        await this.pause(ms);
        continue;
      }
      if (this.stopped) break; // claimed as the agents stopped: left to expire, like the aborted ones
      for (const g of grants) {
        const p = this.runOne(g, handler).finally(() => running.delete(p));
        running.add(p);
      }
    }
    await Promise.all(running);
  }

  private async runOne(g: LeaseGrant, handler: Handler): Promise<void> {
    const clock = this.coordinator.clock;
    const every = g.lease.heartbeatTimeoutMs / 3;
    const abort = new AbortController();
    this.attempts.add(abort);
    let beat: TimerHandle | null = null;
    const heartbeat = async (): Promise<void> => {
      try {
        if (!(await this.coordinator.heartbeat(g.lease.id)).cancelRequested) {
          beat = clock.schedule(every, heartbeat);
          return;
        }
      } catch (err) {
        if (isStorageFailure(err)) {
          // Not saved (a full disk…), but the lease still runs: beat again (it may expire meanwhile).
          logFailure(this.logger, err, `a heartbeat of lease ${g.lease.id}`, every);
          beat = clock.schedule(every, heartbeat);
          return;
        }
        // the lease ended (timed out, lost): a report would be refused too
      }
      abort.abort();
    };
    beat = clock.schedule(every, heartbeat);
    let report: Report | null;
    try {
      report = { kind: "complete", leaseId: g.lease.id, output: await handler(g, this.coordinator, abort.signal, this.env) };
    } catch (e) {
      // Ended early on purpose: nothing to report (the lease is over, or expires after a restart).
      report = abort.signal.aborted ? null : failure(g.lease.id, e);
    }
    beat.cancel();
    this.attempts.delete(abort);
    if (report) await this.queue(report);
  }

  /**
   * Reports are committed together (group commit): once per turn of the event loop, and while a
   * batch is being committed, those that come meanwhile wait for the next one. Resolves once the
   * report is committed (or the agents stop): until then its lease still counts as running, in
   * the database as in the loop, so the next claim asks for the room the database will grant.
   */
  private queue(report: Report): Promise<void> {
    return new Promise((saved) => {
      this.pending.push({ report, saved });
      this.flushSoon();
    });
  }

  private flushSoon(): void {
    if (this.flushing || this.retrying || this.pending.length === 0) return;
    this.flushing = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.commit(this.pending.splice(0)))
      .finally(() => {
        this.flushing = null;
        this.flushSoon();
      });
  }

  private async commit(batch: { report: Report; saved: () => void }[]): Promise<void> {
    let results: Awaited<ReturnType<Coordinator["reportMany"]>>;
    try {
      results = await this.coordinator.reportMany(batch.map((p) => p.report));
    } catch (err) {
      // Nothing of the batch was saved (a full disk…) and its leases still run: report it again
      // later, with the reports queued meanwhile.
      this.pending.unshift(...batch);
      const ms = this.reportBackoff.failed();
      logFailure(this.logger, err, `saving ${batch.length} built-in report(s)`, ms);
      this.retrying = true;
      void this.pause(ms).then(() => {
        this.retrying = false;
        if (this.stopped) for (const p of this.pending.splice(0)) p.saved(); // left to expire
        else this.flushSoon();
      });
      return;
    }
    this.reportBackoff.succeeded();
    results.forEach((res, i) => {
      if (res instanceof BatonError) this.logger.debug({ err: res, leaseId: batch[i]!.report.leaseId }, "built-in report refused");
    });
    for (const p of batch) p.saved();
  }

  /** Resolves after `ms` on the coordinator's clock, or at once when the agents stop. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const p: { handle: TimerHandle; resume: () => void } = {
        handle: this.coordinator.clock.schedule(ms, () => p.resume()),
        resume: () => {
          p.handle.cancel();
          this.pauses.delete(p);
          resolve();
        },
      };
      this.pauses.add(p);
    });
  }
}
