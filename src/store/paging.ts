/**
 * Ranges of a list, for paging either way through it with one query per list.
 *
 * A range is expressed in the list's own order (oldest first for logs, newest first for plans
 * and webhook deliveries): the items strictly between `after` and `before`, read from the
 * `after` end (forward), or from the `before` end when `backward` (then in reverse list order).
 * Each list maps it onto its key: `rangeSql` for a key column the list orders by.
 */

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
 * WHERE conditions (with their parameters, in order) and ORDER BY for an integer key column of
 * raw SQL (./sql.ts), the list being in ascending key order (`descending`: in descending key
 * order, e.g. newest first).
 */
export function rangeSql(column: string, range: Range<number>, descending = false): { where: string[]; params: number[]; orderBy: string } {
  const { after, before, backward = false } = range;
  const [above, below] = descending ? [before, after] : [after, before];
  const where: string[] = [];
  const params: number[] = [];
  if (above != null) {
    where.push(`${column} > ?`);
    params.push(above);
  }
  if (below != null) {
    where.push(`${column} < ?`);
    params.push(below);
  }
  return { where, params, orderBy: `${column} ${descending !== backward ? "DESC" : "ASC"}` };
}
