/**
 * A table's rows in raw SQL (./sql.ts), derived once from its drizzle table (./schema.ts): the
 * select list that names each column by its model key (`plan_id AS "planId"`), the insert
 * statement with one named parameter per key, and the conversions both databases need the same
 * way — JSON columns travel as text, booleans as 0/1 (SQLite has no other kind; PostgreSQL's
 * twin columns are jsonb read back as text and smallint: ./pg-schema.ts).
 */
import { getTableColumns, getTableName, type InferSelectModel, type Table } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

export interface TableCodec<Row> {
  /** The table's name. */
  readonly table: string;
  /** Every column, named by its key: `id AS "id", plan_id AS "planId", …`. */
  readonly select: string;
  /**
   * `INSERT INTO t (col, …) VALUES (@key, …)`: every column but those left to the database
   * (`omit`); a column in `computed` takes that SQL expression instead of its parameter.
   */
  insert(omit?: readonly (keyof Row & string)[], computed?: { readonly [K in keyof Row & string]?: string }): string;
  /** A row read with `select` → the model's types (JSON parsed, 0/1 → boolean). Changes `raw` in place. */
  decode(raw: object): Row;
  /** Values by key → parameters of `insert` (JSON as text, booleans as 0/1). */
  encode(row: { [K in keyof Row]?: Row[K] }): Record<string, unknown>;
}

export function tableCodec<T extends Table>(t: T): TableCodec<InferSelectModel<T>> {
  type Row = InferSelectModel<T>;
  const columns = Object.entries(getTableColumns(t) as Record<string, { name: string; dataType: string }>).map(([key, c]) => ({ key, name: c.name, type: c.dataType }));
  for (const c of columns) if (!/^[a-z_][a-z0-9_]*$/.test(c.name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.key)) throw new Error(`unexpected column ${c.name} (${c.key})`);
  const json = columns.filter((c) => c.type === "json").map((c) => c.key);
  const bool = columns.filter((c) => c.type === "boolean").map((c) => c.key);
  const name = getTableName(t);
  const quoted = (n: string) => (n === "order" ? `"order"` : n);
  return {
    table: name,
    select: columns.map((c) => (c.name === c.key ? quoted(c.name) : `${quoted(c.name)} AS "${c.key}"`)).join(", "),
    insert(omit = [], computed = {}) {
      const cols = columns.filter((c) => !omit.includes(c.key as keyof Row & string));
      const value = (key: string): string => (computed as Record<string, string | undefined>)[key] ?? `@${key}`;
      return `INSERT INTO ${name} (${cols.map((c) => quoted(c.name)).join(", ")}) VALUES (${cols.map((c) => value(c.key)).join(", ")})`;
    },
    decode(raw) {
      const r = raw as Record<string, unknown>;
      for (const k of json) if (r[k] != null) r[k] = JSON.parse(r[k] as string);
      for (const k of bool) if (r[k] != null) r[k] = r[k] === 1 || r[k] === true;
      return r as Row;
    },
    encode(row) {
      const out: Record<string, unknown> = { ...row };
      for (const k of json) if (k in out) out[k] = out[k] === null || out[k] === undefined ? null : JSON.stringify(out[k]);
      for (const k of bool) if (k in out) out[k] = out[k] ? 1 : 0;
      return out;
    },
  };
}

/**
 * PostgreSQL: the rows of a JSON array parameter (`?`) as a table `r` typed like `table`'s columns
 * (./pg-schema.ts), for a statement that writes many rows at once whatever their number (one
 * round trip, one prepared statement). Each element is an object keyed by column name, encoded as
 * for the single-row statements: JSON columns arrive as text (`value` casts them back), booleans
 * as 0/1. `extra` adds columns that are not the table's, e.g. `i bigint`.
 */
export function pgRecordset(table: PgTable, names: readonly string[], extra: readonly string[] = []): { from: string; value: (name: string) => string } {
  const types = new Map(Object.values(getTableColumns(table)).map((c) => [c.name, c.getSQLType()] as const));
  const typeOf = (n: string): string => {
    const t = types.get(n);
    if (!t) throw new Error(`${getTableName(table)} has no column ${n}`);
    return t === "jsonb" ? "text" : t;
  };
  const defs = [...names.map((n) => `${n} ${typeOf(n)}`), ...extra];
  return {
    from: `jsonb_to_recordset(?::jsonb) AS r(${defs.join(", ")})`,
    value: (n) => (types.get(n) === "jsonb" ? `r.${n}::jsonb` : `r.${n}`),
  };
}
