/**
 * Requests refused for a limit or a policy (no token, a bad one, a role that may not, the
 * request budget, a document too large, deep or complex…) are logged at info, so that an
 * operator sees an attack or a misconfigured client. A flood of them must not flood the log:
 * one line per code and caller per window, the next one saying how many were left out.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger } from "../logger.js";

/** The codes logged as refusals; other errors are the caller's own business (or logged as failures). */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "DOCUMENT_TOO_LARGE",
  "TOO_MANY_ALIASES",
  "FIELD_REPEATED",
  "QUERY_TOO_DEEP",
  "QUERY_TOO_COMPLEX",
  "INTROSPECTION_DISABLED",
  "TOO_MANY_SUBSCRIPTIONS",
]);

const WINDOW_MS = 10_000;
/** Callers remembered at most; past it the oldest are forgotten (their next refusal is logged). */
const MAX_KEYS = 10_000;

export class RefusalLog {
  private readonly seen = new Map<string, { at: number; left: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs one refusal of `code` to `caller` (a principal's name, or `address <ip>`), unless one was logged within the window. */
  refused(code: string, caller: string, message: string, details: Record<string, unknown> = {}): void {
    const key = `${code}\u0000${caller}`;
    const now = this.now();
    const last = this.seen.get(key);
    if (last && now - last.at < WINDOW_MS) {
      last.left++;
      return;
    }
    this.seen.delete(key);
    this.seen.set(key, { at: now, left: 0 });
    while (this.seen.size > MAX_KEYS) this.seen.delete(this.seen.keys().next().value!);
    const omitted = last?.left ?? 0;
    this.logger.info({ code, caller, ...details, ...(omitted > 0 ? { omitted } : {}) }, `refused: ${message.slice(0, 300)}`);
  }
}

/** Who a request came from, for the log: the token's name, else the address. */
export const callerOf = (principal: { name: string } | null, address: string | undefined): string =>
  principal ? principal.name : `address ${address ?? "unknown"}`;

/** Apollo: the refusals found while validating or running an operation over HTTP (depth, complexity, a role that may not…). */
export function refusalPlugin<C extends { principal: { name: string } | null }>(log: RefusalLog): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didEncounterErrors({ errors, operationName, request }) {
          for (const e of errors) {
            const code = e.extensions?.["code"] ?? (e.originalError as { code?: unknown } | undefined)?.code;
            if (typeof code === "string" && REFUSAL_CODES.has(code)) {
              log.refused(code, callerOf(contextValue.principal, undefined), e.message, { operation: (operationName ?? request.operationName ?? null)?.slice(0, 100) ?? null });
            }
          }
        },
      };
    },
  };
}
