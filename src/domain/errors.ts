/**
 * The small error taxonomy of Baton. Expected outcomes are BatonErrors with a stable code;
 * the GraphQL edge (src/graphql/errors.ts) turns them into `extensions.code` and masks
 * everything else as "Unexpected error.".
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  UNAVAILABLE: "UNAVAILABLE",
  RATE_LIMITED: "RATE_LIMITED",
  /** An answer would carry more than one request may ask for (src/graphql/budget.ts). */
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  /** The database's disk is full: nothing of the change was saved (src/store/storage-errors.ts). */
  STORAGE_FULL: "STORAGE_FULL",
  /** The database file or its folder cannot be written: nothing of the change was saved. */
  STORAGE_READ_ONLY: "STORAGE_READ_ONLY",
  /** The database could not be read or written (I/O error, locked too long): nothing was saved. */
  STORAGE_UNAVAILABLE: "STORAGE_UNAVAILABLE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem found while validating input: where it is and what is wrong. */
export interface Problem {
  path: string;
  message: string;
}

export class BatonError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "BatonError";
  }
}

export const isBatonError = (e: unknown): e is BatonError => e instanceof BatonError;

export const badInput = (problems: Problem[]): BatonError =>
  new BatonError(
    "BAD_USER_INPUT",
    problems.length === 1
      ? `${problems[0]!.path}: ${problems[0]!.message}`
      : `${problems.length} problems: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    { problems },
  );

export const notFound = (what: string, id: string): BatonError =>
  new BatonError("NOT_FOUND", `${what} ${id} not found`, { id });

export const conflict = (message: string, details: Record<string, unknown> = {}): BatonError =>
  new BatonError("CONFLICT", message, details);

/** A problem as a dry run reports it: the code the request would be refused with; `path` when the check names one. */
export interface CodedProblem {
  code: ErrorCode;
  path: string | null;
  message: string;
}

/** The codes that refuse a request for what it asks (not for the gateway's state, such as storage failures). */
const REQUEST_REFUSALS: ReadonlySet<ErrorCode> = new Set(["BAD_USER_INPUT", "NOT_FOUND", "CONFLICT"]);

/**
 * The problems an error refuses a request for, each with the error's code: a BAD_USER_INPUT's
 * list (badInput), or the error itself, without a path. Null when it is not such a refusal.
 */
export function problemsOf(e: unknown): CodedProblem[] | null {
  if (!isBatonError(e) || !REQUEST_REFUSALS.has(e.code)) return null;
  const listed = e.code === "BAD_USER_INPUT" ? (e.details["problems"] as Problem[] | undefined) : undefined;
  if (listed) return listed.map((p) => ({ code: e.code, path: p.path, message: p.message }));
  return [{ code: e.code, path: null, message: e.message }];
}
