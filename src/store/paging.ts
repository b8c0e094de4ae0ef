/**
 * Ranges of a list, for paging either way through it with one query per list.
 *
 * A range is expressed in the list's own order (oldest first for logs, newest first for plans
 * and webhook deliveries): the items strictly between `after` and `before`, read from the
 * `after` end (forward), or from the `before` end when `backward` (then in reverse list order).
 * Each list maps it onto its key: `rangeSql` for a key column the list orders by.
 */
import { asc, desc, gt, lt, type AnyColumn, type SQL } from "drizzle-orm";

export interface Range<K> {
  /** Only items after this key, in list order. */
  after?: K | null;
  /** Only items before this key, in list order. */
  before?: K | null;
  /** Read from the `before` end (the items nearest it first) instead of the `after` end. */
  backward?: boolean;
}

/** An integer key range; a bare number is the older `afterSeq` argument, `{ after: n }`. */
export type SeqRange = number | Range<number>;

export const seqRange = (r: SeqRange | null | undefined): Range<number> => (typeof r === "number" ? { after: r } : (r ?? {}));

/**
 * WHERE conditions and ORDER BY for an integer key column, the list being in ascending key order
 * (`descending`: in descending key order, e.g. newest first).
 */
export function rangeSql(column: AnyColumn, range: Range<number>, descending = false): { where: (SQL | undefined)[]; orderBy: SQL } {
  const { after, before, backward = false } = range;
  const [above, below] = descending ? [before, after] : [after, before];
  return {
    where: [above != null ? gt(column, above) : undefined, below != null ? lt(column, below) : undefined],
    orderBy: descending !== backward ? desc(column) : asc(column),
  };
}
