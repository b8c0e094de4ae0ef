/**
 * The checkpoint repository on the real database (SQLite in memory, or a PostgreSQL schema on that
 * tier; real migrations): delta rows, exact
 * reconstruction across bases, pruning that folds rows, which reasons are never pruned, and
 * the lookup by signal sequence. Aggregates come from the real engine (decide / intervene),
 * so step identity is preserved between decisions as it is in the coordinator.
 */
import { describe, expect, it } from "vitest";
import type { PlanAggregate, StepModel } from "../../src/domain/model.js";
import { intervene, type InterventionRequest } from "../../src/engine/interventions.js";
import type { CheckpointReason, CheckpointRecord } from "../../src/store/checkpoints.js";
import type { Repositories, Store } from "../../src/store/store.js";
import { eachTestStore, sqlRows } from "../helpers/database.js";
import { Script, plan, stepSpec, type StepList } from "../helpers/engine.js";

interface RawRow {
  seq: number;
  id: string;
  reason: string;
  base: number;
  steps: string;
  order: string | null;
  plan: string;
  bytes: number;
}

/** The test's database, and its repositories with each call a transaction of its own. */
let db: Store;
let store: Repositories;
eachTestStore((s, r) => ((db = s), (store = r)));

const rawRows = (planId: string): Promise<RawRow[]> =>
  sqlRows<RawRow>(db, `SELECT seq, id, reason, base, steps, "order", plan, bytes FROM checkpoints WHERE plan_id = ? ORDER BY seq`, planId);

const rawRow = async (id: string): Promise<RawRow> => (await sqlRows<RawRow>(db, `SELECT seq, id, reason, base, steps, "order", plan, bytes FROM checkpoints WHERE id = ?`, id))[0]!;

/**
 * The UTF-8 bytes of a stored JSON column as written (compact). SQLite gives back the text it was
 * given; PostgreSQL's jsonb gives back its own rendering (spaces after separators, keys reordered):
 * the same content, whose compact form has the length of what was written.
 */
const utf8 = (...json: string[]): number => json.reduce((n, j) => n + Buffer.byteLength(JSON.stringify(JSON.parse(j))), 0);

/** A chain s0 → s1 → … → s{n-1} (role "chain"), plus `extra` independent steps. */
function chain(n: number, extra: StepList = {}): StepList {
  const steps: StepList = {};
  for (let i = 0; i < n; i++) steps[`s${i}`] = { role: "chain", dependsOn: i === 0 ? [] : [`s${i - 1}`] };
  return { ...steps, ...extra };
}

/**
 * Drives one plan through the real engine and takes checkpoints the way the coordinator does
 * (INITIAL at start, STEP after each completion), remembering the aggregate each was taken from.
 */
class Recorder {
  readonly script: Script;
  readonly taken: { record: CheckpointRecord; aggregate: PlanAggregate }[] = [];
  private sequence = 0;

  private constructor(
    readonly store: Repositories,
    steps: StepList,
    readonly id: string,
    private readonly keep: number | null = null,
  ) {
    this.script = new Script(plan(steps, { maxParallel: 5 }, "IDLE", { id }));
  }

  /** A recorder for a new plan, inserted. */
  static async open(store: Repositories, steps: StepList, id: string, keep: number | null = null): Promise<Recorder> {
    const r = new Recorder(store, steps, id, keep);
    await store.plans.insert(r.script.agg);
    return r;
  }

  get agg(): PlanAggregate {
    return this.script.agg;
  }

  async take(reason: CheckpointReason, stepKey: string | null = null, label: string | null = null): Promise<CheckpointRecord> {
    this.sequence += 10; // a few signals per decision
    const record = await this.store.checkpoints.take(this.agg, {
      id: `ckp_${this.id}_${this.taken.length + 1}`,
      reason,
      stepKey,
      label,
      sequence: this.sequence,
      contextVersion: this.taken.length,
      at: this.script.now,
    });
    this.taken.push({ record, aggregate: this.agg });
    if (reason === "STEP" && this.keep !== null) await this.store.checkpoints.prune(this.id, this.keep);
    return record;
  }

  start(): Promise<CheckpointRecord> {
    this.script.start();
    return this.take("INITIAL");
  }

  /** Claims and completes a step, then takes its STEP checkpoint. */
  run(key: string): Promise<CheckpointRecord> {
    this.script.advance(1);
    this.script.run(key, { from: key, n: this.taken.length });
    return this.take("STEP", key);
  }

  intervene(request: InterventionRequest): void {
    const r = intervene(this.agg, request, this.script.now);
    if (!r.ok) throw new Error(`intervention refused: ${r.code} ${r.reason}`);
    this.script.agg = r.aggregate;
  }

  /** Every kept checkpoint read back equals the aggregate it was taken from. */
  async expectAllReconstruct(): Promise<number> {
    const kept = new Set((await rawRows(this.id)).map((r) => r.id));
    let n = 0;
    for (const { record, aggregate } of this.taken) {
      if (!kept.has(record.id)) continue;
      expect(await this.store.checkpoints.aggregate(record.id), `checkpoint #${this.taken.findIndex((t) => t.record === record) + 1} (${record.reason})`).toEqual(aggregate);
      n++;
    }
    return n;
  }
}

const keysOf = (steps: readonly StepModel[]): string[] => steps.map((s) => s.key);

describe("checkpoints: delta storage", () => {

  it("the first checkpoint is a base with every step; the next stores only the steps that changed", async () => {
    const r = await Recorder.open(store, chain(10), "plan_delta");
    const initial = await r.start();
    const afterS0 = await r.run("s0"); // s0 SUCCEEDED, s1 READY: two steps changed

    const base = await rawRow(initial.id);
    expect(base.base).toBe(1);
    expect(JSON.parse(base.steps)).toEqual(r.taken[0]!.aggregate.steps);
    expect(JSON.parse(base.plan)).toEqual(r.taken[0]!.aggregate.plan);
    expect(JSON.parse(base.order!)).toEqual(keysOf(r.taken[0]!.aggregate.steps));

    const delta = await rawRow(afterS0.id);
    expect(delta.base).toBe(0);
    expect(delta.order).toBeNull(); // same structure
    const stored = JSON.parse(delta.steps) as ({ key: string } & Partial<StepModel>)[];
    expect(stored.map((s) => s.key).sort()).toEqual(["s0", "s1"]);
    // whatever a delta keeps of a step (all of it, or the changed fields), it is the step's value now
    for (const s of stored) expect(r.agg.steps.find((x) => x.key === s.key)).toMatchObject(s);
    expect(r.agg.plan).toMatchObject(JSON.parse(delta.plan));

    // bytes: what the row holds (plan + stored steps + order), so a delta is a fraction of a base
    expect(afterS0.bytes).toBe(utf8(delta.plan, delta.steps));
    expect(initial.bytes).toBe(utf8(base.plan, base.steps, base.order!));
    expect(afterS0.bytes).toBeLessThan(initial.bytes / 3);
    expect(await store.checkpoints.bytes("plan_delta")).toEqual({ count: 2, bytes: initial.bytes + afterS0.bytes });
    expect(await store.checkpoints.get(afterS0.id)).toEqual(afterS0);
  });

  it("bytes counts the UTF-8 bytes stored, also for text outside ASCII", async () => {
    // BUG (src/store/checkpoints.ts, take() and fold()): bytes sums JSON string .length, i.e.
    // UTF-16 code units, so "é" counts 1 and "✓" 1 though SQLite stores them in 2 and 3 bytes.
    const r = await Recorder.open(store, chain(2), "plan_utf8");
    await r.start();
    r.script.claim("s0");
    r.script.complete("s0", { text: "héllo ✓ — 日本語" });
    const c = await r.take("STEP", "s0");
    const row = await rawRow(c.id);
    expect(c.bytes).toBe(utf8(row.plan, row.steps, ...(row.order ? [row.order] : [])));
  });

  it("a checkpoint after no step change stores no step at all", async () => {
    const r = await Recorder.open(store, chain(3), "plan_same");
    await r.start();
    const again = await r.take("MANUAL", null, "twice");
    expect(JSON.parse((await rawRow(again.id)).steps)).toEqual([]);
    expect(again).toMatchObject({ reason: "MANUAL", label: "twice", stepKey: null, planVersion: r.agg.plan.version });
    expect(await store.checkpoints.aggregate(again.id)).toEqual(r.agg);
  });

  it("a structural change stores the new order with the moved steps only", async () => {
    const r = await Recorder.open(store, chain(2, { x: { role: "other" }, y: { role: "other" }, z: { role: "other" } }), "plan_order");
    await r.start();
    r.intervene({ kind: "REORDER_STEPS", order: ["z", "y", "x"] });
    const reordered = await r.take("MANUAL");
    const row = await rawRow(reordered.id);
    expect(JSON.parse(row.order!)).toEqual(["s0", "s1", "z", "y", "x"]);
    // only the listed steps were touched (moved, or given a ready time); s0 and s1 are not stored
    const stored = keysOf(JSON.parse(row.steps));
    expect(stored).toEqual(expect.arrayContaining(["x", "z"]));
    expect(stored.every((k) => ["x", "y", "z"].includes(k))).toBe(true);
    expect(await store.checkpoints.aggregate(reordered.id)).toEqual(r.agg);
  });

  it("reading any checkpoint, across more than one base, gives back exactly the aggregate it was taken from", async () => {
    const r = await Recorder.open(store, chain(400, { x: { role: "other" }, y: { role: "other" }, z: { role: "other" } }), "plan_many");
    await r.start();
    let bases = 1;
    let after = -1; // checkpoints still to take once a second base exists
    for (let i = 0; i < 400 && after !== 0; i++) {
      if ((await rawRow((await r.run(`s${i}`)).id)).base) bases++;
      if (bases >= 2 && after < 0) after = 6;
      if (after > 0) after--;
      if (i === 1) {
        r.intervene({ kind: "REORDER_STEPS", order: ["z", "x"] });
        await r.take("MANUAL", null, "reordered");
      }
      if (i === 3) {
        const spec = stepSpec("w", { role: "other", dependsOn: ["s3"], input: { added: true }, timeoutMs: 1_000, retry: r.agg.steps[0]!.retry });
        r.intervene({ kind: "ADD_STEP", step: spec, after: "s10" });
        await r.take("MANUAL", null, "added");
      }
      if (after === 3) {
        // structure changes after the second base too
        r.intervene({ kind: "REMOVE_STEP", stepKey: "y" });
        r.intervene({ kind: "PAUSE" });
        await r.take("PAUSE");
        r.intervene({ kind: "RESUME" });
      }
    }
    const rows = await rawRows("plan_many");
    expect(rows.length).toBeGreaterThan(32);
    // bases come at a fixed interval, which bounds the deltas applied on a read
    const at = rows.flatMap((row, i) => (row.base ? [i] : []));
    expect(at[0]).toBe(0);
    expect(at.length).toBeGreaterThanOrEqual(2);
    expect(rows.length - 1).toBeGreaterThan(at.at(-1)!);
    expect(await r.expectAllReconstruct()).toBe(rows.length);
    // the structure at each point, not the current one
    expect(keysOf((await store.checkpoints.aggregate(r.taken[1]!.record.id))!.steps).slice(-3)).toEqual(["x", "y", "z"]);
    const last = keysOf((await store.checkpoints.aggregate(r.taken.at(-1)!.record.id))!.steps);
    expect(last).toContain("w");
    expect(last).not.toContain("y");
    expect(last.slice(-2)).toEqual(["z", "x"]);
  });

  it("checkpoints of different plans do not mix", async () => {
    const a = await Recorder.open(store, chain(4), "plan_a");
    const b = await Recorder.open(store, chain(4), "plan_b");
    await a.start();
    await b.start();
    await a.run("s0");
    await b.run("s0");
    await b.run("s1");
    await a.run("s1");
    await a.run("s2");
    expect(await a.expectAllReconstruct()).toBe(4);
    expect(await b.expectAllReconstruct()).toBe(3);
    expect((await store.checkpoints.list("plan_a", 0, 100)).map((c) => c.id)).toEqual(a.taken.map((t) => t.record.id));
  });

  it("after forgetAll (a rolled-back transaction) the next checkpoint is a base", async () => {
    const r = await Recorder.open(store, chain(3), "plan_forget");
    await r.start();
    await r.run("s0");
    store.checkpoints.forgetAll();
    const next = await r.run("s1");
    expect((await rawRow(next.id)).base).toBe(1);
    expect(await r.expectAllReconstruct()).toBe(3);
  });

  it("get and aggregate of an unknown id are null", async () => {
    expect(await store.checkpoints.get("ckp_nope")).toBeNull();
    expect(await store.checkpoints.aggregate("ckp_nope")).toBeNull();
  });

  it("list pages oldest first after a row cursor", async () => {
    const r = await Recorder.open(store, chain(5), "plan_list");
    await r.start();
    for (let i = 0; i < 5; i++) await r.run(`s${i}`);
    const first = await store.checkpoints.list("plan_list", 0, 4);
    expect(first.map((c) => c.reason)).toEqual(["INITIAL", "STEP", "STEP", "STEP"]);
    const rest = await store.checkpoints.list("plan_list", first.at(-1)!.seq, 4);
    expect(rest.map((c) => c.stepKey)).toEqual(["s3", "s4"]);
  });
});

describe("checkpoints: pruning", () => {

  it("keeps the last N STEP checkpoints; every kept checkpoint (across a pruned base) still reconstructs exactly", async () => {
    const keep = 3;
    const r = await Recorder.open(store, chain(400, { x: { role: "other" }, y: { role: "other" } }), "plan_prune", keep);
    await r.start();
    let after = -1;
    for (let i = 0; i < 400 && after !== 0; i++) {
      const c = await r.run(`s${i}`);
      if (after < 0 && (await rawRow(c.id)).base) after = keep + 3; // a STEP base: prune past it
      if (after > 0) after--;
      if (i === 4) {
        r.intervene({ kind: "REORDER_STEPS", order: ["y", "x"] });
        await r.take("MANUAL", null, "m1");
      }
      if (i === 12) {
        r.intervene({ kind: "PAUSE" });
        await r.take("PAUSE");
        r.intervene({ kind: "RESUME" });
      }
      if (i === 25) await r.take("RESTORE");
      // every intermediate state must read back right, not just the final one
      if (i % 9 === 0 || after >= 0) await r.expectAllReconstruct();
    }
    expect(after).toBe(0); // a base was taken and pruned
    const rows = await rawRows("plan_prune");
    expect(rows.map((row) => row.reason)).toEqual(["INITIAL", "MANUAL", "PAUSE", "RESTORE", "STEP", "STEP", "STEP"]);
    const stepKeys = (await store.checkpoints.list("plan_prune", 0, 100)).filter((c) => c.reason === "STEP").map((c) => c.stepKey);
    expect(stepKeys).toEqual(r.taken.filter((t) => t.record.reason === "STEP").slice(-keep).map((t) => t.record.stepKey));
    // the pruned base was folded forward: the oldest STEP kept is a base now
    expect(rows[4]!.base).toBe(1);
    expect(await r.expectAllReconstruct()).toBe(7);
    // a plan's checkpoints stay few and small: at most keep + the others
    expect((await store.checkpoints.bytes("plan_prune")).count).toBe(7);
  });

  it("prune returns how many rows it removed and never touches MANUAL, INITIAL, PAUSE or RESTORE", async () => {
    const r = await Recorder.open(store, chain(8), "plan_kinds");
    await r.start();
    await r.run("s0");
    await r.take("MANUAL", null, "before");
    await r.run("s1");
    r.intervene({ kind: "PAUSE" });
    await r.take("PAUSE");
    r.intervene({ kind: "RESUME" });
    await r.run("s2");
    await r.take("RESTORE");
    await r.run("s3");
    expect(await store.checkpoints.prune("plan_kinds", 1)).toBe(3);
    expect(await store.checkpoints.prune("plan_kinds", 1)).toBe(0);
    expect((await rawRows("plan_kinds")).map((row) => row.reason)).toEqual(["INITIAL", "MANUAL", "PAUSE", "RESTORE", "STEP"]);
    expect(await r.expectAllReconstruct()).toBe(5);
    // a non-STEP checkpoint keeps its label and step key
    expect((await store.checkpoints.list("plan_kinds", 0, 10))[1]).toMatchObject({ reason: "MANUAL", label: "before" });
  });

  it("pruning one plan leaves another plan's checkpoints alone", async () => {
    const a = await Recorder.open(store, chain(5), "plan_pa");
    const b = await Recorder.open(store, chain(5), "plan_pb");
    await a.start();
    await b.start();
    for (let i = 0; i < 5; i++) {
      await a.run(`s${i}`);
      await b.run(`s${i}`);
    }
    await store.checkpoints.prune("plan_pa", 1);
    expect((await store.checkpoints.bytes("plan_pa")).count).toBe(2);
    expect((await store.checkpoints.bytes("plan_pb")).count).toBe(6);
    expect(await a.expectAllReconstruct()).toBe(2);
    expect(await b.expectAllReconstruct()).toBe(6);
  });

  /** Runs the chain, checkpointing each step without pruning, until a STEP checkpoint is a base. */
  async function untilStepBase(r: Recorder): Promise<{ base: CheckpointRecord; next: number }> {
    for (let i = 0; i < 400; i++) {
      const c = await r.run(`s${i}`);
      if ((await rawRow(c.id)).base) return { base: c, next: i + 1 };
    }
    throw new Error("no STEP checkpoint became a base");
  }

  it("folding a pruned base into its successor keeps the plan's whole definition", async () => {
    const r = await Recorder.open(store, chain(400), "plan_fold_plan");
    await r.start();
    const { base, next } = await untilStepBase(r);
    const after = await r.run(`s${next}`);
    await store.checkpoints.prune("plan_fold_plan", 1);
    expect(await store.checkpoints.get(base.id)).toBeNull();
    expect((await store.checkpoints.aggregate(after.id))!.plan).toEqual(r.agg.plan);
    expect(await store.checkpoints.aggregate(after.id)).toEqual(r.agg);
  });

  it("folding a pruned base into a successor whose step order changed keeps that order", async () => {
    const r = await Recorder.open(store, chain(400, { x: { role: "other" }, y: { role: "other" }, z: { role: "other" } }), "plan_fold_order");
    await r.start();
    const { base, next } = await untilStepBase(r);
    r.intervene({ kind: "REORDER_STEPS", order: ["z", "y", "x"] });
    const after = await r.run(`s${next}`);
    await store.checkpoints.prune("plan_fold_order", 1); // folds the base into `after`
    expect(await store.checkpoints.get(base.id)).toBeNull();
    expect(keysOf((await store.checkpoints.aggregate(after.id))!.steps).slice(-3)).toEqual(["z", "y", "x"]);
    expect(await store.checkpoints.aggregate(after.id)).toEqual(r.agg);
  });

  it("pruning every STEP checkpoint (keep 0) does not break the next checkpoint", async () => {
    const r = await Recorder.open(store, chain(4), "plan_zero", 0);
    await r.start();
    await r.run("s0");
    await r.run("s1"); // both pruned at once: nothing follows them
    expect((await rawRows("plan_zero")).map((row) => row.reason)).toEqual(["INITIAL"]);
    const manual = await r.take("MANUAL", null, "after");
    expect(await store.checkpoints.aggregate(manual.id)).toEqual(r.agg);
  });
});

describe("checkpoints: atSequence", () => {

  it("picks the plan's newest checkpoint at or before a sequence", async () => {
    const a = await Recorder.open(store, chain(3), "plan_sa");
    const b = await Recorder.open(store, chain(3), "plan_sb");
    const c10 = await a.start(); // sequence 10
    const c20 = await a.run("s0"); // 20
    const c30 = await a.run("s1"); // 30
    await b.start();
    await b.run("s0");
    await b.run("s1");
    await b.run("s2"); // plan_sb has a checkpoint at 40, plan_sa does not
    expect(await store.checkpoints.atSequence("plan_sa", 9)).toBeNull();
    expect((await store.checkpoints.atSequence("plan_sa", 10))?.id).toBe(c10.id);
    expect((await store.checkpoints.atSequence("plan_sa", 25))?.id).toBe(c20.id);
    expect((await store.checkpoints.atSequence("plan_sa", 30))?.id).toBe(c30.id);
    expect((await store.checkpoints.atSequence("plan_sa", 1_000))?.id).toBe(c30.id);
    expect((await store.checkpoints.atSequence("plan_sb", 45))?.stepKey).toBe("s2");
    expect(await store.checkpoints.atSequence("plan_nope", 45)).toBeNull();
  });

  it("after pruning, a sequence falls back to the newest kept checkpoint before it", async () => {
    const r = await Recorder.open(store, chain(5), "plan_sp", 1);
    const initial = await r.start(); // 10
    for (let i = 0; i < 5; i++) await r.run(`s${i}`); // 20 … 60; only 60 kept
    expect((await store.checkpoints.atSequence("plan_sp", 45))?.id).toBe(initial.id);
    expect((await store.checkpoints.atSequence("plan_sp", 60))?.stepKey).toBe("s4");
    expect(await store.checkpoints.aggregate((await store.checkpoints.atSequence("plan_sp", 45))!.id)).toEqual(r.taken[0]!.aggregate);
  });
});
