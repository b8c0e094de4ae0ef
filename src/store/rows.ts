/**
 * Plan and step rows ↔ models, derived once at module load from the field maps (fields.ts) and
 * the drizzle tables (schema.ts), whose keys are the model's field names and whose columns give
 * the SQL names. Nothing here looks at a field per call beyond walking arrays built at load.
 *
 * - `fromRow`: a raw row (keyed by SQL column name; JSON as text, booleans as 0/1, as both
 *   databases return them: ./sql.ts) → the model.
 * - `params` / `runParams`: the model → named parameters of the raw statements (keyed by SQL
 *   column name, values encoded as both databases take them: JSON text, 0/1, priority ranks).
 * - `columns`: the statements' column lists (every written column, the key, the run columns).
 */
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import type { PlanAggregate, PlanModel, StepModel } from "../domain/model.js";
import { priorityFromRank, priorityRank, type Priority } from "../domain/statuses.js";
import {
  PLAN,
  PLAN_EXTRA_COLUMNS,
  PLAN_FIELDS,
  STEP,
  STEP_EXTRA_COLUMNS,
  STEP_FIELDS,
  type Codec,
  type ExtraColumns,
  type FieldLists,
  type FieldMap,
  type Part,
} from "./fields.js";
import { plans, steps } from "./schema.js";

type Convert = ((v: never) => unknown) | null;

/** How a dialect's statements take each codec's values (null: as they are). */
export type Encoders = Readonly<Record<Codec, Convert>>;

const toJson = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

const ENCODERS: Encoders = {
  value: null,
  time: null,
  bool: (v: boolean) => (v ? 1 : 0),
  json: toJson,
  priority: (p: Priority) => priorityRank(p),
};

/** From a raw row's values. */
const DECODERS: Encoders = {
  value: null,
  time: null,
  bool: (v: number) => v === 1,
  json: (v: string | null) => (v === null ? null : (JSON.parse(v) as unknown)),
  priority: (rank: number) => priorityFromRank(rank),
};

/**
 * Compiles `(args) => ({ key: value, … })` once, at load: an object literal, as a hand-written
 * mapper would be. Built by adding keys one by one in a loop instead, an object of more than a
 * dozen fields ends in V8's dictionary mode: slower to build, and to read everywhere after (every
 * loaded step would be one). Keys and sources come from the field maps and tables, never from
 * data; `fns` are the converters the sources call as `f[i](…)`.
 */
function literal<F extends (...args: never[]) => unknown>(params: string, entries: readonly { key: string; source: string }[], fns: readonly unknown[]): F {
  for (const e of entries) if (!/^[A-Za-z_$][\w$]*$/.test(e.key)) throw new Error(`not an identifier: ${e.key}`);
  const body = entries.map((e) => `${e.key}: ${e.source}`).join(",\n");
  return new Function("f", `return (${params}) => ({\n${body}\n});`)(fns) as F;
}

/** Builds the model from a raw row (`column` names each field's column), field by field in the model's key order. */
function reader<M>(map: FieldMap<M>, lists: FieldLists<M>, column: (field: string) => string): (row: object) => M {
  const fns: unknown[] = [];
  const entries = lists.all.map((f) => {
    const { codec, upgrade } = map[f] as { codec: Codec; upgrade?: (v: unknown) => unknown };
    const d = DECODERS[codec] as ((v: unknown) => unknown) | null;
    const c = column(f);
    const value = d ? `f[${fns.push(d) - 1}](r.${c})` : `r.${c}`;
    return { key: f, source: upgrade ? `f[${fns.push(upgrade) - 1}](${value})` : value };
  });
  return literal("r", entries, fns);
}

export interface Binding<M, C> {
  fromRow: (row: object) => M;
  /** Every written column, in table order: insert, and (without `key`) the full update. */
  columns: { all: readonly string[]; key: readonly string[]; run: readonly string[] };
  /** The parameters of every written column. */
  params: (ctx: C, m: M) => Record<string, unknown>;
  /** The parameters of the key and run columns. */
  runParams: (ctx: C, m: M) => Record<string, unknown>;
}

/**
 * The binding of a model to a table: `map` its fields, `extra` the table's other columns, whose
 * values come from `ctx` (the aggregate for a plan, the plan's id for a step). Throws at load
 * when a column has no entry or an entry no column.
 */
export function binding<M, C>(table: Table, map: FieldMap<M>, lists: FieldLists<M>, extra: ExtraColumns<C>): Binding<M, C> {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const name = (key: string): string => {
    const c = columns[key];
    if (!c) throw new Error(`${getTableName(table)} has no column for the field ${key}`);
    return c.name;
  };
  for (const f of lists.all) if (!/^[A-Za-z_$][\w$]*$/.test(f)) throw new Error(`not an identifier: ${f}`);
  const unmapped = Object.keys(columns).filter((k) => !(k in map) && !(k in extra));
  if (unmapped.length) throw new Error(`${getTableName(table)}: columns without a field entry: ${unmapped.join(", ")}`);

  const written = Object.entries(extra).flatMap(([k, e]) => ("value" in e ? [{ key: k, part: e.part, value: e.value }] : []));
  const part = (p: Part) => {
    const fields = lists[p].map((f) => ({ name: name(f), field: f, encode: ENCODERS[map[f].codec] as ((v: unknown) => unknown) | null }));
    const extras = written.filter((e) => e.part === p).map((e) => ({ name: name(e.key), value: e.value }));
    return { fields, extras };
  };
  const [key, spec, run] = [part("key"), part("spec"), part("run")];
  const filler = (...parts: (typeof key)[]) => {
    const fns: unknown[] = [];
    const call = (fn: unknown, arg: string) => `f[${fns.push(fn) - 1}](${arg})`;
    const entries = parts.flatMap((p) => [
      ...p.extras.map((e) => ({ key: e.name, source: call(e.value, "ctx") })),
      ...p.fields.map((c) => ({ key: c.name, source: c.encode === null ? `m.${c.field}` : call(c.encode, `m.${c.field}`) })),
    ]);
    return literal<(ctx: C, m: M) => Record<string, unknown>>("ctx, m", entries, fns);
  };
  const names = (parts: (typeof key)[]) => new Set(parts.flatMap((p) => [...p.fields, ...p.extras].map((c) => c.name)));
  const allNames = names([key, spec, run]);
  return {
    fromRow: reader(map, lists, name),
    columns: {
      all: Object.values(columns)
        .map((c) => c.name)
        .filter((c) => allNames.has(c)),
      key: [...names([key])],
      run: [...names([run])],
    },
    params: filler(key, spec, run),
    runParams: filler(key, run),
  };
}

export const PLAN_ROWS: Binding<PlanModel, PlanAggregate> = binding(plans, PLAN_FIELDS, PLAN, PLAN_EXTRA_COLUMNS);
export const STEP_ROWS: Binding<StepModel, PlanModel> = binding(steps, STEP_FIELDS, STEP, STEP_EXTRA_COLUMNS);
