/**
 * Relay connection helpers: capped page sizes, opaque cursors, and pages either way
 * (`first`/`after` forward, `last`/`before` backward) over one store query per list.
 */
import { badInput } from "../domain/errors.js";
import type { Range } from "../store/paging.js";
import type { PageInfo } from "./common.types.js";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** The page size asked for (`first` or `last`), defaulted and checked against the cap. */
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

/** The paging arguments every connection field takes. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** What a page asks for: `size` items of the range between the cursors, from its `after` end or (`backward`) its `before` end. */
export interface Paging<C> {
  size: number;
  backward: boolean;
  after: C | null;
  before: C | null;
}

/**
 * Checks and decodes the paging arguments. `first` with `last` is refused; `last` (or `before`
 * alone) pages backward; nothing pages forward from the start, DEFAULT_PAGE items.
 */
export function paging<C>(args: PageArgs, isCursor: (v: unknown) => v is C): Paging<C> {
  if (args.first != null && args.last != null) {
    throw badInput([{ path: "last", message: "first and last cannot be used together: page forward with first/after, backward with last/before" }]);
  }
  const after = args.after ? decodeCursor(args.after, isCursor, "after") : null;
  const before = args.before ? decodeCursor(args.before, isCursor, "before") : null;
  const backward = args.last != null || (args.first == null && before !== null && after === null);
  return { size: backward ? pageSize(args.last, "last") : pageSize(args.first, "first"), backward, after, before };
}

export interface Edge<N> {
  cursor: string;
  node: N;
}

/** How a connection reads its list: one store query for both directions (src/store/paging.ts). */
export interface ListReader<R, C> {
  isCursor: (v: unknown) => v is C;
  /** The cursor value of an item (encoded into its edge's opaque cursor). */
  cursorOf: (row: R) => C;
  /** At most `limit` items of the range, in list order, or in reverse list order when it is `backward`. */
  read: (range: Range<C>, limit: number) => Promise<R[]>;
}

/**
 * One page of a list, per the GraphQL Cursor Connections spec. The items are those strictly
 * between `after` and `before`: the first `first` of them (forward) or the last `last` (backward),
 * always in list order. The flag of the paging direction is exact (one more item is read);
 * the other flag is exact too, at the cost of one probe of one item, made only when the
 * caller gave the cursor on that side (`after` forward, `before` backward); without that cursor
 * the page starts at the list's edge and the flag is false. Empty pages (`first: 0`, `last: 0`,
 * or nothing left) have null cursors; their flags still say whether items lie on either side.
 */
export async function connection<R, C, N>(args: PageArgs, list: ListReader<R, C>, node: (row: R) => N | Promise<N>): Promise<{ edges: Edge<N>[]; pageInfo: PageInfo }> {
  const p = paging(args, list.isCursor);
  const rows = await list.read({ after: p.after, before: p.before, backward: p.backward }, p.size + 1);
  const more = rows.length > p.size;
  const page = rows.slice(0, p.size);
  if (p.backward) page.reverse();
  // Anything beyond the cursor the page was read from: beyond the range's nearest item, or
  // when the range is empty, beyond its other bound.
  let beyond = false;
  if ((p.backward ? p.before : p.after) !== null) {
    const nearest = rows[0] !== undefined ? list.cursorOf(rows[0]) : p.backward ? p.after : p.before;
    beyond = (await list.read(p.backward ? { after: nearest, backward: false } : { before: nearest, backward: true }, 1)).length > 0;
  }
  // The nodes are made one after another, in list order.
  const edges: Edge<N>[] = [];
  for (const r of page) edges.push({ cursor: encodeCursor(list.cursorOf(r)), node: await node(r) });
  // An empty page (first: 0, last: 0, past either end) has no cursor to page on from: it claims
  // no page on either side rather than a next page no client could ask for.
  const some = edges.length > 0;
  return {
    edges,
    pageInfo: {
      hasNextPage: some && (p.backward ? beyond : more),
      hasPreviousPage: some && (p.backward ? more : beyond),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
