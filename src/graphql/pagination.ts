/** Relay connection helpers: capped page sizes and opaque cursors. */
import { badInput } from "../domain/errors.js";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** The page size asked for, defaulted and checked against the cap. */
export function pageSize(first: number | null | undefined, path = "first"): number {
  if (first === null || first === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw badInput([{ path, message: `must be from 0 to ${MAX_PAGE}, got ${first}` }]);
  }
  return first;
}

export const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Decodes a cursor this server made; anything else is BAD_USER_INPUT. */
export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T, path = "after"): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!check(value)) throw badInput([{ path, message: "not a cursor returned by this API" }]);
  return value;
}
