/**
 * Declarative prefetch. createPlan's `prefetch` entries become builtin.prefetch steps in front of
 * the plan, which every start step waits for: the fetches are steps like any other (durable,
 * timed out, retried, traced). Their handler (./builtins.ts) fetches through `prefetchValue` below:
 * a value is fetched once per cache key and shared, across steps and plans, while it is fresh
 * (the prefetch_cache table), and fetches of a key already being fetched join that request.
 */
import { BuiltinRole, prefetchProblems } from "../domain/builtins.js";
import type { Problem } from "../domain/errors.js";
import type { Json } from "../domain/model.js";
import type { Priority } from "../domain/statuses.js";
import { heldSteps } from "../engine/routes.js";
import { KEY_PATTERN, validateStepDraft, type ValidatedSteps } from "../engine/validate.js";
import { isStorageFailure } from "../store/storage-errors.js";
import type { Store } from "../store/store.js";
import { withoutNulls } from "../templates/drafts.js";
import { outboundBlocked, outboundFetch, TooManyRedirectsError, type OutboundPolicy } from "../outbound/policy.js";
import { redact, resolveHeaders, UnknownSecretError, type Secrets } from "../outbound/secrets.js";
import type { Clock } from "./clock.js";
import type { PrefetchRequest } from "./requests.js";

const PREFETCH_STEP_PREFIX = "prefetch.";
const DEFAULT_PREFETCH_TTL_MS = 60_000;
/** Redirects a prefetch follows at most. */
export const MAX_REDIRECTS = 5;

/**
 * The checked steps of a plan with its prefetches: a builtin.prefetch step per request in front
 * (key `prefetch.<key>`, the request as its config, the plan's priority), and every start step
 * (no dependencies, not held for a transition or a compensation) depending on all of them.
 * The requests' problems join the steps' (paths `prefetch[i].…`).
 */
export function withPrefetch(v: ValidatedSteps, requests: readonly PrefetchRequest[] | null | undefined, priority: Priority): ValidatedSteps {
  if (!requests?.length) return v;
  const problems: Problem[] = [...v.problems];
  const planKeys = new Set(v.steps.map((s) => s.key));
  const seen = new Set<string>();
  const prefetches = requests.map((r, i) => {
    const path = `prefetch[${i}]`;
    const config = withoutNulls(r) as Record<string, Json>;
    const own = prefetchProblems(config, path);
    problems.push(...own);
    const key = `${PREFETCH_STEP_PREFIX}${r.key}`;
    if (!own.some((p) => p.path === `${path}.key`)) {
      const message = !KEY_PATTERN.test(key)
        ? `must be 1 to ${100 - PREFETCH_STEP_PREFIX.length} letters, digits, '_', '.' or '-': it names the step "${key}"`
        : seen.has(r.key)
          ? `duplicate key "${r.key}"`
          : planKeys.has(key)
            ? `its step "${key}" has the key of a step of the plan`
            : null;
      if (message) problems.push({ path: `${path}.key`, message });
    }
    seen.add(r.key);
    // Its only possible problem, the key, is reported above.
    return validateStepDraft({ key, role: BuiltinRole.PREFETCH, config, priority }, v.policy).spec;
  });
  if (problems.length > 0) return { ...v, problems };
  const held = heldSteps(v.steps);
  const keys = prefetches.map((s) => s.key);
  const steps = v.steps.map((s) => (s.dependsOn.length === 0 && !held(s) ? { ...s, dependsOn: keys } : s));
  return { steps: [...prefetches, ...steps], policy: v.policy, problems };
}

/** A builtin.prefetch step's config (checked when the plan was created), defaults applied. */
export interface PrefetchSettings {
  key: string;
  url: string;
  cacheKey: string;
  ttlMs: number;
  timeoutMs: number;
  required: boolean;
  /** `config.headers` as written: `${secret:NAME}` still unresolved. */
  headers: Record<string, string>;
}

export function prefetchSettings(config: Json | null, stepTimeoutMs: number): PrefetchSettings {
  const c = (config ?? {}) as Record<string, Json>;
  const url = String(c["url"]);
  return {
    key: String(c["key"]),
    url,
    cacheKey: typeof c["cacheKey"] === "string" ? c["cacheKey"] : url,
    ttlMs: typeof c["ttlMs"] === "number" ? c["ttlMs"] : DEFAULT_PREFETCH_TTL_MS,
    timeoutMs: typeof c["timeoutMs"] === "number" ? c["timeoutMs"] : stepTimeoutMs,
    required: c["required"] === true,
    headers: c["headers"] !== null && typeof c["headers"] === "object" && !Array.isArray(c["headers"]) ? (c["headers"] as Record<string, string>) : {},
  };
}

interface PrefetchError {
  message: string;
  type: "PREFETCH_FAILED" | "PREFETCH_TIMEOUT" | "OUTBOUND_BLOCKED" | "SECRET_UNKNOWN";
  /** Network errors, timeouts and 5xx replies may succeed when tried again; 4xx replies, refusals not. */
  retryable: boolean;
  /** The reply's HTTP status, null when there was no reply. */
  status: number | null;
}

type Fetched = { ok: true; value: Json; bytes: number; status: number } | { ok: false; error: PrefetchError };

/** A fetch's outcome; `hit` when its value came from the cache or a request already in flight. */
export type Prefetched = Fetched & { hit: boolean };

/** Requests in flight per database, by stored cache key (storeKey). */
const inFlight = new WeakMap<Store, Map<string, Promise<Fetched>>>();

/** What a prefetch needs from the gateway: where it may fetch, and the secrets of its headers. */
export interface PrefetchEnv {
  outbound: OutboundPolicy;
  secrets: Secrets;
  /** Told of each refusal by the outbound policy (logged at info). */
  onBlocked?: (url: string, reason: string) => void;
}

/**
 * The key a value is stored and shared under: the caller's cache key bound to the request that
 * produced the value (method, URL, headers as written). A cache key only ever narrows sharing:
 * a step naming another step's cache key with another URL (or headers) gets its own entry,
 * never the other's value.
 */
export function storeKey(s: PrefetchSettings): string {
  const headers = Object.entries(s.headers)
    .map(([k, v]) => [k.toLowerCase(), v])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return JSON.stringify([s.cacheKey, "GET", s.url, headers]);
}

/**
 * The value at `s.url`: from the cache while fresh, else from the request for its cache key
 * already in flight, else fetched (and cached for `s.ttlMs`; 0: neither cached nor shared).
 * Cached values are bound to their request (storeKey). Waits at most `s.timeoutMs`; rejects
 * with `stop`'s reason when `stop` aborts first.
 */
export async function prefetchValue(store: Store, clock: Clock, s: PrefetchSettings, stop: AbortSignal, env: PrefetchEnv): Promise<Prefetched> {
  const cached = s.ttlMs > 0 ? await store.queries.prefetch.fresh(storeKey(s), clock.now()) : null;
  if (cached) return { ok: true, value: cached.value, bytes: cached.bytes, status: cached.status, hit: true };
  const { flight, joined } = shared(store, clock, s, env);
  try {
    return { ...(await within(flight, AbortSignal.any([stop, AbortSignal.timeout(s.timeoutMs)]))), hit: joined };
  } catch (e) {
    if (stop.aborted || !isTimeout(e)) throw e;
    return { ok: false, error: timedOut(s), hit: joined };
  }
}

function shared(store: Store, clock: Clock, s: PrefetchSettings, env: PrefetchEnv): { flight: Promise<Fetched>; joined: boolean } {
  if (s.ttlMs === 0) return { flight: fetchValue(s, env), joined: false };
  let flights = inFlight.get(store);
  if (!flights) inFlight.set(store, (flights = new Map()));
  const key = storeKey(s);
  const running = flights.get(key);
  if (running) return { flight: running, joined: true };
  const flight = fetchValue(s, env)
    .then(async (r) => {
      const fetchedAt = clock.now();
      try {
        if (r.ok) await store.transact((t) => t.prefetch.put({ cacheKey: key, value: r.value, bytes: r.bytes, status: r.status, fetchedAt, expiresAt: fetchedAt + s.ttlMs }));
      } catch (e) {
        if (!isStorageFailure(e)) throw e; // not cached (a full disk…): the value is used all the same
      }
      return r;
    })
    .finally(() => flights.delete(key));
  flights.set(key, flight);
  return { flight, joined: false };
}

/**
 * GETs the url through the outbound policy (at most MAX_REDIRECTS redirects), with the secrets
 * of its headers filled in: the body as JSON, or as text when it is not JSON, the secrets' values
 * taken out. Never rejects.
 */
async function fetchValue(s: PrefetchSettings, env: PrefetchEnv): Promise<Fetched> {
  let secret: string[] = [];
  try {
    const h = resolveHeaders(s.headers, env.secrets);
    secret = h.values;
    const res = await outboundFetch(
      env.outbound,
      s.url,
      { headers: { ...h.headers, accept: h.headers["accept"] ?? "application/json" }, signal: AbortSignal.timeout(s.timeoutMs) },
      { maxRedirects: MAX_REDIRECTS, sensitiveHeaders: h.secretHeaders },
    );
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) return { ok: false, error: { message: `HTTP ${res.status} from ${s.url}`, type: "PREFETCH_FAILED", retryable: res.status >= 500, status: res.status } };
    const text = redact(body.toString("utf8"), secret);
    let value: Json;
    try {
      value = JSON.parse(text) as Json;
    } catch {
      value = text;
    }
    return { ok: true, value, bytes: body.length, status: res.status };
  } catch (e) {
    if (isTimeout(e)) return { ok: false, error: timedOut(s) };
    const blocked = outboundBlocked(e);
    if (blocked) {
      env.onBlocked?.(s.url, blocked.reason);
      return { ok: false, error: { message: `GET ${s.url}: ${blocked.message}`, type: "OUTBOUND_BLOCKED", retryable: false, status: null } };
    }
    if (e instanceof UnknownSecretError) return { ok: false, error: { message: e.message, type: "SECRET_UNKNOWN", retryable: false, status: null } };
    if (e instanceof TooManyRedirectsError) return { ok: false, error: { message: `GET ${s.url} failed: ${e.message}`, type: "PREFETCH_FAILED", retryable: false, status: null } };
    const why = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
    return { ok: false, error: { message: `GET ${s.url} failed: ${redact(why, secret)}`, type: "PREFETCH_FAILED", retryable: true, status: null } };
  }
}

const isTimeout = (e: unknown): boolean => e instanceof Error && e.name === "TimeoutError";

const timedOut = (s: PrefetchSettings): PrefetchError => ({ message: `no reply from ${s.url} within ${s.timeoutMs} ms`, type: "PREFETCH_TIMEOUT", retryable: true, status: null });

/** The promise's outcome, or a rejection with the signal's reason if it aborts first. */
function within<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = (): void => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
