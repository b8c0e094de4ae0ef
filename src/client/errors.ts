/**
 * The one error type of the client: every failed request or subscription rejects with a
 * BatonClientError whose `code` is the gateway's stable `extensions.code` (BAD_USER_INPUT,
 * NOT_FOUND, CONFLICT, ...) or one of the client's own codes for transport failures.
 */

/** A GraphQL error as it arrives in a response. */
export interface ResponseError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** Codes the client sets itself when no GraphQL error names one. */
export const ClientErrorCode = {
  /** The gateway could not be reached (refused, reset, DNS, aborted). */
  NETWORK_ERROR: "NETWORK_ERROR",
  /** The HTTP response was neither a GraphQL result nor a success. */
  HTTP_ERROR: "HTTP_ERROR",
  /** The WebSocket closed while a subscription was active. */
  CONNECTION_CLOSED: "CONNECTION_CLOSED",
  /** A GraphQL error came without an `extensions.code`. */
  UNKNOWN: "UNKNOWN",
} as const;

export class BatonClientError extends Error {
  /** The first error's `extensions.code`, or a {@link ClientErrorCode}. */
  readonly code: string;
  /** Every GraphQL error of the response (empty for transport failures). */
  readonly errors: readonly ResponseError[];
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;

  constructor(message: string, options: { code: string; errors?: readonly ResponseError[]; status?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BatonClientError";
    this.code = options.code;
    this.errors = options.errors ?? [];
    this.status = options.status;
  }

  /** Every distinct `extensions.code` of the response, in order. */
  get codes(): string[] {
    return [...new Set(this.errors.map(codeOf))];
  }

  /** Builds the error for a response that carried GraphQL errors. */
  static fromErrors(errors: readonly ResponseError[], status?: number): BatonClientError {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    return new BatonClientError(`${first?.message ?? "GraphQL error"}${more}`, { code: first ? codeOf(first) : ClientErrorCode.UNKNOWN, errors, status });
  }
}

/** Whether `e` is a BatonClientError, optionally with one of the given codes. */
export function isBatonClientError(e: unknown, ...codes: string[]): e is BatonClientError {
  return e instanceof BatonClientError && (codes.length === 0 || codes.includes(e.code));
}

/**
 * Whether `e` says the gateway went away (refused, reset, restarting, draining, a 5xx) rather
 * than answered no: worth trying again, and for a subscription, resubscribing after the last
 * sequence seen. A WebSocket closed with a 44xx code (a bad or revoked token, a bad request) is
 * an answer, not a loss.
 */
export function isConnectionLoss(e: unknown): boolean {
  if (!(e instanceof BatonClientError)) return false;
  if (e.code === ClientErrorCode.NETWORK_ERROR) return true;
  if (e.code === ClientErrorCode.HTTP_ERROR) return (e.status ?? 0) >= 500;
  if (e.code !== ClientErrorCode.CONNECTION_CLOSED) return false;
  const closeCode = (e.cause as { code?: unknown } | undefined)?.code;
  return !(typeof closeCode === "number" && closeCode >= 4400 && closeCode < 4500);
}

function codeOf(e: ResponseError): string {
  const code = e.extensions?.["code"];
  return typeof code === "string" ? code : ClientErrorCode.UNKNOWN;
}
