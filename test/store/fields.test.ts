/**
 * The field maps (src/store/fields.ts) are the one source of the plan and step field lists: the
 * tables must agree with them, and a field in them must reach every derived list — the row
 * mappings both ways, the statements' columns, what a save compares, what a checkpoint keeps,
 * what GraphQL shows. Each field is changed alone and must come back from every path.
 */
import "reflect-metadata";
import { getTableColumns } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlanAggregate, PlanModel, StepModel } from "../../src/domain/model.js";
import { Step } from "../../src/graphql/plans/plan.type.js";
import { PLAN, PLAN_EXTRA_COLUMNS, PLAN_FIELDS, STEP, STEP_EXTRA_COLUMNS, STEP_FIELDS, STEP_TIME_FIELDS, type Codec } from "../../src/store/fields.js";
import { PLAN_ROWS, STEP_ROWS } from "../../src/store/rows.js";
import * as pgSchema from "../../src/store/pg-schema.js";
import * as sqliteSchema from "../../src/store/schema.js";
import type { Store } from "../../src/store/store.js";
import { onPostgres, testStore } from "../helpers/database.js";
import { plan } from "../helpers/engine.js";

// The tables of this run's database: PostgreSQL's twins must agree with the field maps as SQLite's do.
const { plans, steps } = onPostgres ? pgSchema : sqliteSchema;

type Columns = Record<string, { name: string; columnType: string; dataType: string }>;
const columnsOf = (t: typeof plans | typeof steps) => getTableColumns(t) as unknown as Columns;

/** The drizzle column types each codec may be stored in (SQLite; PostgreSQL keeps booleans as smallint 0/1). */
const STORED_AS: Record<Codec, string[]> = onPostgres
  ? { value: ["PgText", "PgBigInt53", "PgDoublePrecision"], time: ["PgBigInt53"], bool: ["PgSmallInt"], json: ["PgJsonb"], priority: ["PgBigInt53"] }
  : { value: ["SQLiteText", "SQLiteInteger", "SQLiteReal"], time: ["SQLiteInteger"], bool: ["SQLiteBoolean"], json: ["SQLiteTextJson"], priority: ["SQLiteInteger"] };

const tables = [
  { name: "plans", table: plans, map: PLAN_FIELDS as Record<string, { codec: Codec; part: string }>, lists: PLAN, extra: PLAN_EXTRA_COLUMNS as Record<string, { part: string }>, rows: PLAN_ROWS },
  { name: "steps", table: steps, map: STEP_FIELDS as Record<string, { codec: Codec; part: string }>, lists: STEP, extra: STEP_EXTRA_COLUMNS as Record<string, { part: string }>, rows: STEP_ROWS },
] as const;

describe.each(tables)("the $name field map and table", ({ table, map, lists, extra, rows }) => {
  const columns = columnsOf(table);
  const sqlName = (k: string) => columns[k]!.name;

  it("has one entry per column (model field or extra column), stored as its codec says", () => {
    expect(Object.keys(columns).sort()).toEqual([...Object.keys(map), ...Object.keys(extra)].sort());
    for (const [field, spec] of Object.entries(map)) expect(STORED_AS[spec.codec], field).toContain(columns[field]!.columnType);
  });

  it("puts every field in exactly one part, in the model's order", () => {
    expect(lists.all).toEqual(Object.keys(map));
    expect([...lists.key, ...lists.spec, ...lists.run].sort()).toEqual([...lists.all].sort());
    expect(lists.time).toEqual(lists.all.filter((f) => map[f]!.codec === "time"));
  });

  it("derives the statements' column lists and parameters from it", () => {
    const written = Object.keys(columns).filter((k) => extra[k]?.part !== "unwritten");
    expect(rows.columns.all).toEqual(written.map(sqlName));
    const ofPart = (p: string) => Object.keys(columns).filter((k) => (map[k] ?? extra[k])!.part === p).map(sqlName).sort();
    expect([...rows.columns.key].sort()).toEqual(ofPart("key"));
    expect([...rows.columns.run].sort()).toEqual(ofPart("run"));
  });
});

/** A value of `field` other than `was`, of the type its column holds. */
function changed(codec: Codec, columnType: string, field: string, was: unknown): unknown {
  switch (codec) {
    case "time":
      return 1_234_567;
    case "bool":
      return !was;
    case "json":
      return { changed: field };
    case "priority":
      return was === "HIGH" ? "LOW" : "HIGH";
    case "value":
      return ["SQLiteText", "PgText"].includes(columnType) ? `changed-${field}` : ["SQLiteReal", "PgDoublePrecision"].includes(columnType) ? 0.25 : 77;
  }
}

describe("a field changed alone", () => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore();
  });
  afterEach(() => store.close());

  const base = (): PlanAggregate => plan({ a: {}, b: { dependsOn: ["a"] } }, {}, "RUNNING", { id: "plan_fields" });
  const stepColumns = columnsOf(steps);
  const planColumns = columnsOf(plans);

  /** Saves `next` over `prev`, then checks the row read back, the checkpoint and the GraphQL step. */
  async function roundTrip(prev: PlanAggregate, next: PlanAggregate): Promise<void> {
    await store.transact(async (s) => {
      await s.plans.insert(prev);
      await s.checkpoints.take(prev, { id: "cp_0", reason: "MANUAL", stepKey: null, label: null, sequence: 0, contextVersion: 0, at: 0 });
      await s.plans.save(prev, next);
      await s.checkpoints.take(next, { id: "cp_1", reason: "MANUAL", stepKey: null, label: null, sequence: 1, contextVersion: 0, at: 1 });
    });
    store.queries.plans.forgetAll();
    const loaded = (await store.queries.plans.load(next.plan.id))!;
    expect(loaded).toEqual(next);
    expect(Object.keys(loaded.plan)).toEqual(PLAN.all);
    for (const s of loaded.steps) expect(Object.keys(s)).toEqual(STEP.all);
    expect(await store.queries.checkpoints.aggregate("cp_1")).toEqual(next);
    expect(await store.queries.checkpoints.aggregate("cp_0")).toEqual(prev);
  }

  it.each(STEP.all.filter((f) => f !== "key"))("step.%s reaches the row, the checkpoint and GraphQL", async (field) => {
    const prev = base();
    const was = prev.steps[1]!;
    const value = changed(STEP_FIELDS[field].codec, stepColumns[field]!.columnType, field, was[field]);
    expect(value).not.toEqual(was[field]);
    const now = { ...was, [field]: value } as StepModel;
    await roundTrip(prev, { plan: { ...prev.plan, version: 2 }, steps: [prev.steps[0]!, now] });

    const view = Step.from("plan_fields", now) as unknown as Record<string, unknown>;
    const shown = (STEP_TIME_FIELDS as readonly string[]).includes(field) ? new Date(value as number) : value;
    if (field === "error" || field === "retry") expect(view[field === "retry" ? "retryPolicy" : field]).toMatchObject(value as object);
    else expect(view[field], field).toEqual(shown);
  });

  it.each(PLAN.all.filter((f) => f !== "id"))("plan.%s reaches the row and the checkpoint", async (field) => {
    const prev = base();
    const was = prev.plan[field];
    const value = field === "policy" ? { ...prev.plan.policy, maxParallel: 9 } : changed(PLAN_FIELDS[field].codec, planColumns[field]!.columnType, field, was);
    expect(value).not.toEqual(was);
    const next = { plan: { ...prev.plan, [field]: value, ...(field === "version" ? {} : { version: 2 }) } as PlanModel, steps: prev.steps };
    await roundTrip(prev, next);
  });
});
