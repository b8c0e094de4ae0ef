/** One HTTP attempt of a delivery, with a time limit, reduced to what the delivery log keeps. */
import { fetch } from "undici";
import { OUTBOUND_BLOCKED, outboundBlocked, type OutboundPolicy } from "../outbound/policy.js";

export interface Outcome {
  /** The endpoint answered 2xx. */
  ok: boolean;
  /** The HTTP status, null when there was no answer. */
  statusCode: number | null;
  error: string | null;
  /**
   * Refused by the outbound policy (no request was sent): not worth retrying. `reason` (the
   * address and its range) is for the log, not the delivery row.
   */
  blocked?: { reason: string };
}

/**
 * POSTs `body` and waits at most `timeoutMs` for the answer; null when cut off by `stop`.
 * Redirects are not followed (a 3xx is a failed attempt). The connection goes through the
 * outbound policy: a destination it refuses is a failed attempt marked `blocked`, whose error
 * says only that (nothing of the port's state). The time limit is a plain timer
 * aborting a controller of our own: on Node 20, an AbortSignal.any() over an
 * AbortSignal.timeout() never fires once the timeout signal has been garbage-collected.
 */
export async function post(url: string, body: string, timeoutMs: number, stop: AbortSignal, headers: Record<string, string>, outbound: OutboundPolicy): Promise<Outcome | null> {
  const controller = new AbortController();
  const onStop = () => controller.abort();
  stop.addEventListener("abort", onStop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const noReply = `no reply within ${timeoutMs} ms`;
  try {
    const res = await fetch(outbound.checkUrl(url), { method: "POST", headers, body, redirect: "manual", signal: controller.signal, dispatcher: outbound.dispatcher });
    if (res.ok) {
      void res.body?.cancel().catch(() => undefined);
      return { ok: true, statusCode: res.status, error: null };
    }
    const text = await res.text().catch(() => "");
    if (stop.aborted) return null;
    return { ok: false, statusCode: res.status, error: timedOut ? noReply : `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}` };
  } catch (e) {
    if (stop.aborted) return null;
    const blocked = outboundBlocked(e);
    if (blocked) return { ok: false, statusCode: null, error: `${OUTBOUND_BLOCKED}: ${blocked.message}`, blocked: { reason: blocked.reason } };
    return { ok: false, statusCode: null, error: timedOut ? noReply : describe(e) };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener("abort", onStop);
  }
}

/** fetch's "fetch failed" with the cause that says why (ECONNREFUSED, ENOTFOUND, …). */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause as { code?: string; message?: string } | undefined;
  const why = cause?.code ?? cause?.message;
  return why ? `${e.message}: ${why}` : e.message;
}
