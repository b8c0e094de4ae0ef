/**
 * The repositories' SQL, written once for both databases. A statement is defined at module level
 * with `query(name, text)`: positional `?` or named `@name` parameters (not both), and, where the
 * dialects differ (a JSON path, a two-argument max), a function of the dialect. Each adapter runs
 * it its own way — the SQLite adapter as a prepared better-sqlite3 statement, the PostgreSQL one
 * as a named prepared statement (`$1`…) — behind the asynchronous `Sql` port; the rows come back
 * alike (snake_case columns, JSON as text, integers as numbers).
 */

export type DialectName = "sqlite" | "postgres";

/** The few expressions the dialects spell differently. */
export interface Dialect {
  readonly name: DialectName;
  /** The larger of two values (SQLite's scalar max, PostgreSQL's greatest). */
  greatest(a: string, b: string): string;
  /** A top-level field of a JSON column, as text. */
  jsonField(column: string, field: string): string;
  /** The elements of a JSON array (a column or a parameter holding JSON text), as a one-column (`value`) table of text. */
  jsonElements(json: string): string;
  /** Whether `needle` occurs in `haystack`. */
  contains(haystack: string, needle: string): string;
}

export const DIALECTS: Record<DialectName, Dialect> = {
  sqlite: {
    name: "sqlite",
    greatest: (a, b) => `max(${a}, ${b})`,
    jsonField: (c, f) => `json_extract(${c}, '$.${f}')`,
    jsonElements: (j) => `json_each(${j})`,
    contains: (h, n) => `instr(${h}, ${n}) > 0`,
  },
  postgres: {
    name: "postgres",
    greatest: (a, b) => `greatest(${a}, ${b})`,
    jsonField: (c, f) => `(${c} ->> '${f}')`,
    jsonElements: (j) => `jsonb_array_elements_text(${j}::jsonb) AS e(value)`,
    contains: (h, n) => `strpos(${h}, ${n}) > 0`,
  },
};

/** Parameters: positional values, or one object of named values. */
export type Params = readonly unknown[] | readonly [Record<string, unknown>];

/** One statement, parsed once per dialect. */
export class Query<P extends Params = readonly unknown[], R = unknown> {
  private readonly texts = new Map<DialectName, { text: string; names: readonly string[] | null }>();
  declare readonly _types?: [P, R];

  constructor(
    /** Unique among statements (PostgreSQL prepares it under this name); null for one built at run time. */
    readonly name: string | null,
    private readonly source: string | ((d: Dialect) => string),
    /**
     * The statement for many parameter sets at once (PostgreSQL), for a write that may be
     * deferred (`Sql.defer`): it takes one parameter, a JSON array of the named parameter
     * objects, each with its position in the batch as `i` (1, 2, …).
     */
    readonly batch: Query<[string]> | null = null,
  ) {}

  /** The statement's text in a dialect, and the names of its parameters when they are named. */
  compiled(dialect: DialectName): { text: string; names: readonly string[] | null } {
    let c = this.texts.get(dialect);
    if (!c) {
      const text = typeof this.source === "string" ? this.source : this.source(DIALECTS[dialect]);
      c = dialect === "sqlite" ? { text, names: namedParameters(text) } : toNumbered(text);
      this.texts.set(dialect, c);
    }
    return c;
  }

  /** The parameter values in order, for a dialect with numbered parameters. */
  values(dialect: DialectName, params: P): unknown[] {
    const { names } = this.compiled(dialect);
    if (names === null) return params as unknown[];
    const named = params[0] as Record<string, unknown>;
    return names.map((n) => {
      if (!(n in named)) throw new Error(`statement ${this.name ?? "(dynamic)"}: no value for @${n}`);
      return named[n];
    });
  }
}

/** A statement defined once, at module level. */
export const query = <P extends Params = readonly unknown[], R = unknown>(name: string, text: string | ((d: Dialect) => string)): Query<P, R> =>
  new Query<P, R>(name, text);

/**
 * A write with named parameters that may be deferred (`Sql.defer`), and `batch`, its PostgreSQL
 * statement for many parameter sets (see Query.batch).
 */
export const deferrable = (name: string, text: string | ((d: Dialect) => string), batch: string): Query<[Record<string, unknown>]> =>
  new Query<[Record<string, unknown>]>(name, text, new Query<[string]>(`${name}.batch`, batch));

/** A statement whose text is built at run time (filters): not prepared under a name. */
export const dynamic = <R = unknown>(text: string): Query<readonly unknown[], R> => new Query<readonly unknown[], R>(null, text);

/** Runs statements in one database session (a transaction's connection, or the pool for reads). */
export interface Sql {
  readonly dialect: Dialect;
  all<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R[]>;
  get<P extends Params, R>(q: Query<P, R>, ...params: P): Promise<R | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run<P extends Params>(q: Query<P, unknown>, ...params: P): Promise<number>;
  /**
   * Runs a write whose outcome the caller does not need, now or later in the same transaction:
   * the PostgreSQL adapter holds it until the transaction's next statement on the same table (or
   * its commit, or a savepoint), and runs the writes held together as one batch statement — a
   * round trip per transaction instead of per row. A failure then fails that later statement,
   * and so the transaction. SQLite runs it at once.
   */
  defer(q: Query<[Record<string, unknown>], unknown>, params: Record<string, unknown>): Promise<void>;
}

/**
 * Walks the text outside quoted strings and identifiers, calling `onParam` for each `?` and
 * `@name`; returns the text with each replaced by what `onParam` returns.
 */
function rewriteParameters(text: string, onParam: (param: string) => string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${text}`);
      out += text.slice(i, end + 1);
      i = end + 1;
    } else if (c === "?") {
      out += onParam("?");
      i++;
    } else if (c === "@" && /[A-Za-z_]/.test(text[i + 1] ?? "")) {
      const m = /^@[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      out += onParam(m[0]);
      i += m[0].length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The names of a statement's `@name` parameters, in order of first use; null when it has positional ones (or none). */
function namedParameters(text: string): string[] | null {
  const names: string[] = [];
  let positional = false;
  rewriteParameters(text, (p) => {
    if (p === "?") positional = true;
    else if (!names.includes(p.slice(1))) names.push(p.slice(1));
    return p;
  });
  if (positional && names.length > 0) throw new Error(`a statement mixes ? and @name parameters: ${text}`);
  return names.length > 0 ? names : null;
}

/** PostgreSQL's `$1`…: each `?` in turn, each `@name` by its first use. */
function toNumbered(text: string): { text: string; names: readonly string[] | null } {
  const names = namedParameters(text);
  let n = 0;
  const numbered = rewriteParameters(text, (p) => (p === "?" ? `$${++n}` : `$${names!.indexOf(p.slice(1)) + 1}`));
  return { text: numbered, names };
}
