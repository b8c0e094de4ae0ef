/**
 * The checkpoint repository on real SQLite (:memory:, real migrations): delta rows, exact
 * reconstruction across bases, pruning that folds rows, which reasons are never pruned, and
 * the lookup by signal sequence. Aggregates come from the real engine (decide / intervene),
 * so step identity is preserved between decisions as it is in the coordinator.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlanAggregate, StepModel } from "../../src/domain/model.js";
import { intervene, type InterventionRequest } from "../../src/engine/interventions.js";
import type { CheckpointReason, CheckpointRecord } from "../../src/store/checkpoints.js";
import { openStore, type Store } from "../../src/store/store.js";
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

const rawRows = (store: Store, planId: string): RawRow[] =>
  store.database.sqlite.prepare(`SELECT seq, id, reason, base, steps, "order", plan, bytes FROM checkpoints WHERE plan_id = ? ORDER BY seq`).all(planId) as RawRow[];

const rawRow = (store: Store, id: string): RawRow => store.database.sqlite.prepare(`SELECT seq, id, reason, base, steps, "order", plan, bytes FROM checkpoints WHERE id = ?`).get(id) as RawRow;

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

  constructor(
    readonly store: Store,
    steps: StepList,
    readonly id: string,
    private readonly keep: number | null = null,
  ) {
    this.script = new Script(plan(steps, { maxParallel: 5 }, "IDLE", { id }));
    store.plans.insert(this.script.agg);
  }

  get agg(): PlanAggregate {
    return this.script.agg;
  }

  take(reason: CheckpointReason, stepKey: string | null = null, label: string | null = null): CheckpointRecord {
    this.sequence += 10; // a few signals per decision
    const record = this.store.checkpoints.take(this.agg, {
      id: `ckp_${this.id}_${this.taken.length + 1}`,
      reason,
      stepKey,
      label,
      sequence: this.sequence,
      contextVersion: this.taken.length,
      at: this.script.now,
    });
    this.taken.push({ record, aggregate: this.agg });
    if (reason === "STEP" && this.keep !== null) this.store.checkpoints.prune(this.id, this.keep);
    return record;
  }

  start(): CheckpointRecord {
    this.script.start();
    return this.take("INITIAL");
  }

  /** Claims and completes a step, then takes its STEP checkpoint. */
  run(key: string): CheckpointRecord {
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
  expectAllReconstruct(): number {
    const kept = new Set(rawRows(this.store, this.id).map((r) => r.id));
    let n = 0;
    for (const { record, aggregate } of this.taken) {
      if (!kept.has(record.id)) continue;
      expect(this.store.checkpoints.aggregate(record.id), `checkpoint #${this.taken.findIndex((t) => t.record === record) + 1} (${record.reason})`).toEqual(aggregate);
      n++;
    }
    return n;
  }
}

const keysOf = (steps: readonly StepModel[]): string[] => steps.map((s) => s.key);

describe("checkpoints: delta storage", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("the first checkpoint is a base with every step; the next stores only the steps that changed", () => {
    const r = new Recorder(store, chain(10), "plan_delta");
    const initial = r.start();
    const afterS0 = r.run("s0"); // s0 SUCCEEDED, s1 READY: two steps changed

    const base = rawRow(store, initial.id);
    expect(base.base).toBe(1);
    expect(JSON.parse(base.steps)).toEqual(r.taken[0]!.aggregate.steps);
    expect(JSON.parse(base.plan)).toEqual(r.taken[0]!.aggregate.plan);
    expect(JSON.parse(base.order!)).toEqual(keysOf(r.taken[0]!.aggregate.steps));

    const delta = rawRow(store, afterS0.id);
    expect(delta.base).toBe(0);
    expect(delta.order).toBeNull(); // same structure
    const stored = JSON.parse(delta.steps) as ({ key: string } & Partial<StepModel>)[];
    expect(stored.map((s) => s.key).sort()).toEqual(["s0", "s1"]);
    // whatever a delta keeps of a step (all of it, or the changed fields), it is the step's value now
    for (const s of stored) expect(r.agg.steps.find((x) => x.key === s.key)).toMatchObject(s);
    expect(r.agg.plan).toMatchObject(JSON.parse(delta.plan));

    // bytes: what the row holds (plan + stored steps + order), so a delta is a fraction of a base
    const utf8 = (...parts: string[]) => parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
    expect(afterS0.bytes).toBe(utf8(delta.plan, delta.steps));
    expect(initial.bytes).toBe(utf8(base.plan, base.steps, base.order!));
    expect(afterS0.bytes).toBeLessThan(initial.bytes / 3);
    expect(store.checkpoints.bytes("plan_delta")).toEqual({ count: 2, bytes: initial.bytes + afterS0.bytes });
    expect(store.checkpoints.get(afterS0.id)).toEqual(afterS0);
  });

  it("bytes counts the UTF-8 bytes stored, also for text outside ASCII", () => {
    // BUG (src/store/checkpoints.ts, take() and fold()): bytes sums JSON string .length, i.e.
    // UTF-16 code units, so "é" counts 1 and "✓" 1 though SQLite stores them in 2 and 3 bytes.
    const r = new Recorder(store, chain(2), "plan_utf8");
    r.start();
    r.script.claim("s0");
    r.script.complete("s0", { text: "héllo ✓ — 日本語" });
    const c = r.take("STEP", "s0");
    const row = rawRow(store, c.id);
    const utf8 = Buffer.byteLength(row.plan) + Buffer.byteLength(row.steps) + (row.order ? Buffer.byteLength(row.order) : 0);
    expect(c.bytes).toBe(utf8);
  });

  it("a checkpoint after no step change stores no step at all", () => {
    const r = new Recorder(store, chain(3), "plan_same");
    r.start();
    const again = r.take("MANUAL", null, "twice");
    expect(JSON.parse(rawRow(store, again.id).steps)).toEqual([]);
    expect(again).toMatchObject({ reason: "MANUAL", label: "twice", stepKey: null, planVersion: r.agg.plan.version });
    expect(store.checkpoints.aggregate(again.id)).toEqual(r.agg);
  });

  it("a structural change stores the new order with the moved steps only", () => {
    const r = new Recorder(store, chain(2, { x: { role: "other" }, y: { role: "other" }, z: { role: "other" } }), "plan_order");
    r.start();
    r.intervene({ kind: "REORDER_STEPS", order: ["z", "y", "x"] });
    const reordered = r.take("MANUAL");
    const row = rawRow(store, reordered.id);
    expect(JSON.parse(row.order!)).toEqual(["s0", "s1", "z", "y", "x"]);
    // only the listed steps were touched (moved, or given a ready time); s0 and s1 are not stored
    const stored = keysOf(JSON.parse(row.steps));
    expect(stored).toEqual(expect.arrayContaining(["x", "z"]));
    expect(stored.every((k) => ["x", "y", "z"].includes(k))).toBe(true);
    expect(store.checkpoints.aggregate(reordered.id)).toEqual(r.agg);
  });

  it("reading any checkpoint, across more than one base, gives back exactly the aggregate it was taken from", () => {
    const r = new Recorder(store, chain(400, { x: { role: "other" }, y: { role: "other" }, z: { role: "other" } }), "plan_many");
    r.start();
    let bases = 1;
    let after = -1; // checkpoints still to take once a second base exists
    for (let i = 0; i < 400 && after !== 0; i++) {
      if (rawRow(store, r.run(`s${i}`).id).base) bases++;
      if (bases >= 2 && after < 0) after = 6;
      if (after > 0) after--;
      if (i === 1) {
        r.intervene({ kind: "REORDER_STEPS", order: ["z", "x"] });
        r.take("MANUAL", null, "reordered");
      }
      if (i === 3) {
        const spec = stepSpec("w", { role: "other", dependsOn: ["s3"], input: { added: true }, timeoutMs: 1_000, retry: r.agg.steps[0]!.retry });
        r.intervene({ kind: "ADD_STEP", step: spec, after: "s10" });
        r.take("MANUAL", null, "added");
      }
      if (after === 3) {
        // structure changes after the second base too
        r.intervene({ kind: "REMOVE_STEP", stepKey: "y" });
        r.intervene({ kind: "PAUSE" });
        r.take("PAUSE");
        r.intervene({ kind: "RESUME" });
      }
    }
    const rows = rawRows(store, "plan_many");
    expect(rows.length).toBeGreaterThan(32);
    // bases come at a fixed interval, which bounds the deltas applied on a read
    const at = rows.flatMap((row, i) => (row.base ? [i] : []));
    expect(at[0]).toBe(0);
    expect(at.length).toBeGreaterThanOrEqual(2);
    expect(rows.length - 1).toBeGreaterThan(at.at(-1)!);
    expect(r.expectAllReconstruct()).toBe(rows.length);
    // the structure at each point, not the current one
    expect(keysOf(store.checkpoints.aggregate(r.taken[1]!.record.id)!.steps).slice(-3)).toEqual(["x", "y", "z"]);
    const last = keysOf(store.checkpoints.aggregate(r.taken.at(-1)!.record.id)!.steps);
    expect(last).toContain("w");
    expect(last).not.toContain("y");
    expect(last.slice(-2)).toEqual(["z", "x"]);
  });

  it("checkpoints of different plans do not mix", () => {
    const a = new Recorder(store, chain(4), "plan_a");
    const b = new Recorder(store, chain(4), "plan_b");
    a.start();
    b.start();
    a.run("s0");
    b.run("s0");
    b.run("s1");
    a.run("s1");
    a.run("s2");
    expect(a.expectAllReconstruct()).toBe(4);
    expect(b.expectAllReconstruct()).toBe(3);
    expect(store.checkpoints.list("plan_a", 0, 100).map((c) => c.id)).toEqual(a.taken.map((t) => t.record.id));
  });

  it("after forgetAll (a rolled-back transaction) the next checkpoint is a base", () => {
    const r = new Recorder(store, chain(3), "plan_forget");
    r.start();
    r.run("s0");
    store.checkpoints.forgetAll();
    const next = r.run("s1");
    expect(rawRow(store, next.id).base).toBe(1);
    expect(r.expectAllReconstruct()).toBe(3);
  });

  it("get and aggregate of an unknown id are null", () => {
    expect(store.checkpoints.get("ckp_nope")).toBeNull();
    expect(store.checkpoints.aggregate("ckp_nope")).toBeNull();
  });

  it("list pages oldest first after a row cursor", () => {
    const r = new Recorder(store, chain(5), "plan_list");
    r.start();
    for (let i = 0; i < 5; i++) r.run(`s${i}`);
    const first = store.checkpoints.list("plan_list", 0, 4);
    expect(first.map((c) => c.reason)).toEqual(["INITIAL", "STEP", "STEP", "STEP"]);
    const rest = store.checkpoints.list("plan_list", first.at(-1)!.seq, 4);
    expect(rest.map((c) => c.stepKey)).toEqual(["s3", "s4"]);
  });
});

describe("checkpoints: pruning", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("keeps the last N STEP checkpoints; every kept checkpoint (across a pruned base) still reconstructs exactly", () => {
    const keep = 3;
    const r = new Recorder(store, chain(400, { x: { role: "other" }, y: { role: "other" } }), "plan_prune", keep);
    r.start();
    let after = -1;
    for (let i = 0; i < 400 && after !== 0; i++) {
      const c = r.run(`s${i}`);
      if (after < 0 && rawRow(store, c.id).base) after = keep + 3; // a STEP base: prune past it
      if (after > 0) after--;
      if (i === 4) {
        r.intervene({ kind: "REORDER_STEPS", order: ["y", "x"] });
        r.take("MANUAL", null, "m1");
      }
      if (i === 12) {
        r.intervene({ kind: "PAUSE" });
        r.take("PAUSE");
        r.intervene({ kind: "RESUME" });
      }
      if (i === 25) r.take("RESTORE");
      // every intermediate state must read back right, not just the final one
      if (i % 9 === 0 || after >= 0) r.expectAllReconstruct();
    }
    expect(after).toBe(0); // a base was taken and pruned
    const rows = rawRows(store, "plan_prune");
    expect(rows.map((row) => row.reason)).toEqual(["INITIAL", "MANUAL", "PAUSE", "RESTORE", "STEP", "STEP", "STEP"]);
    const stepKeys = store.checkpoints.list("plan_prune", 0, 100).filter((c) => c.reason === "STEP").map((c) => c.stepKey);
    expect(stepKeys).toEqual(r.taken.filter((t) => t.record.reason === "STEP").slice(-keep).map((t) => t.record.stepKey));
    // the pruned base was folded forward: the oldest STEP kept is a base now
    expect(rows[4]!.base).toBe(1);
    expect(r.expectAllReconstruct()).toBe(7);
    // a plan's checkpoints stay few and small: at most keep + the others
    expect(store.checkpoints.bytes("plan_prune").count).toBe(7);
  });

  it("prune returns how many rows it removed and never touches MANUAL, INITIAL, PAUSE or RESTORE", () => {
    const r = new Recorder(store, chain(8), "plan_kinds");
    r.start();
    r.run("s0");
    r.take("MANUAL", null, "before");
    r.run("s1");
    r.intervene({ kind: "PAUSE" });
    r.take("PAUSE");
    r.intervene({ kind: "RESUME" });
    r.run("s2");
    r.take("RESTORE");
    r.run("s3");
    expect(store.checkpoints.prune("plan_kinds", 1)).toBe(3);
    expect(store.checkpoints.prune("plan_kinds", 1)).toBe(0);
    expect(rawRows(store, "plan_kinds").map((row) => row.reason)).toEqual(["INITIAL", "MANUAL", "PAUSE", "RESTORE", "STEP"]);
    expect(r.expectAllReconstruct()).toBe(5);
    // a non-STEP checkpoint keeps its label and step key
    expect(store.checkpoints.list("plan_kinds", 0, 10)[1]).toMatchObject({ reason: "MANUAL", label: "before" });
  });

  it("pruning one plan leaves another plan's checkpoints alone", () => {
    const a = new Recorder(store, chain(5), "plan_pa");
    const b = new Recorder(store, chain(5), "plan_pb");
    a.start();
    b.start();
    for (let i = 0; i < 5; i++) {
      a.run(`s${i}`);
      b.run(`s${i}`);
    }
    store.checkpoints.prune("plan_pa", 1);
    expect(store.checkpoints.bytes("plan_pa").count).toBe(2);
    expect(store.checkpoints.bytes("plan_pb").count).toBe(6);
    expect(a.expectAllReconstruct()).toBe(2);
    expect(b.expectAllReconstruct()).toBe(6);
  });

  /** Runs the chain, checkpointing each step without pruning, until a STEP checkpoint is a base. */
  function untilStepBase(r: Recorder): { base: CheckpointRecord; next: number } {
    for (let i = 0; i < 400; i++) {
      const c = r.run(`s${i}`);
      if (rawRow(store, c.id).base) return { base: c, next: i + 1 };
    }
    throw new Error("no STEP checkpoint became a base");
  }

  it("folding a pruned base into its successor keeps the plan's whole definition", () => {
    const r = new Recorder(store, chain(400), "plan_fold_plan");
    r.start();
    const { base, next } = untilStepBase(r);
    const after = r.run(`s${next}`);
    store.checkpoints.prune("plan_fold_plan", 1);
    expect(store.checkpoints.get(base.id)).toBeNull();
    expect(store.checkpoints.aggregate(after.id)!.plan).toEqual(r.agg.plan);
    expect(store.checkpoints.aggregate(after.id)).toEqual(r.agg);
  });

  it("folding a pruned base into a successor whose step order changed keeps that order", () => {
    const r = new Recorder(store, chain(400, { x: { role: "other" }, y: { role: "other" }, z: { role: "other" } }), "plan_fold_order");
    r.start();
    const { base, next } = untilStepBase(r);
    r.intervene({ kind: "REORDER_STEPS", order: ["z", "y", "x"] });
    const after = r.run(`s${next}`);
    store.checkpoints.prune("plan_fold_order", 1); // folds the base into `after`
    expect(store.checkpoints.get(base.id)).toBeNull();
    expect(keysOf(store.checkpoints.aggregate(after.id)!.steps).slice(-3)).toEqual(["z", "y", "x"]);
    expect(store.checkpoints.aggregate(after.id)).toEqual(r.agg);
  });

  it("pruning every STEP checkpoint (keep 0) does not break the next checkpoint", () => {
    const r = new Recorder(store, chain(4), "plan_zero", 0);
    r.start();
    r.run("s0");
    r.run("s1"); // both pruned at once: nothing follows them
    expect(rawRows(store, "plan_zero").map((row) => row.reason)).toEqual(["INITIAL"]);
    const manual = r.take("MANUAL", null, "after");
    expect(store.checkpoints.aggregate(manual.id)).toEqual(r.agg);
  });
});

describe("checkpoints: atSequence", () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(":memory:");
  });
  afterEach(() => store.close());

  it("picks the plan's newest checkpoint at or before a sequence", () => {
    const a = new Recorder(store, chain(3), "plan_sa");
    const b = new Recorder(store, chain(3), "plan_sb");
    const c10 = a.start(); // sequence 10
    const c20 = a.run("s0"); // 20
    const c30 = a.run("s1"); // 30
    b.start();
    b.run("s0");
    b.run("s1");
    b.run("s2"); // plan_sb has a checkpoint at 40, plan_sa does not
    expect(store.checkpoints.atSequence("plan_sa", 9)).toBeNull();
    expect(store.checkpoints.atSequence("plan_sa", 10)?.id).toBe(c10.id);
    expect(store.checkpoints.atSequence("plan_sa", 25)?.id).toBe(c20.id);
    expect(store.checkpoints.atSequence("plan_sa", 30)?.id).toBe(c30.id);
    expect(store.checkpoints.atSequence("plan_sa", 1_000)?.id).toBe(c30.id);
    expect(store.checkpoints.atSequence("plan_sb", 45)?.stepKey).toBe("s2");
    expect(store.checkpoints.atSequence("plan_nope", 45)).toBeNull();
  });

  it("after pruning, a sequence falls back to the newest kept checkpoint before it", () => {
    const r = new Recorder(store, chain(5), "plan_sp", 1);
    const initial = r.start(); // 10
    for (let i = 0; i < 5; i++) r.run(`s${i}`); // 20 … 60; only 60 kept
    expect(store.checkpoints.atSequence("plan_sp", 45)?.id).toBe(initial.id);
    expect(store.checkpoints.atSequence("plan_sp", 60)?.stepKey).toBe("s4");
    expect(store.checkpoints.aggregate(store.checkpoints.atSequence("plan_sp", 45)!.id)).toEqual(r.taken[0]!.aggregate);
  });
});
