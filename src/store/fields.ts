/**
 * The plan and step fields as the store keeps them: ONE entry per model field, the single source
 * of every per-field list the store and its readers need. Dialect-free (no drizzle import): the
 * SQLite tables (schema.ts) name the columns, and a PostgreSQL table set (pg-core) will reuse this
 * mapping as it is, with its own encoders. Derived from it, once at module load:
 *
 * - here: the spec / run-state field lists (what a save compares, what a checkpoint delta keeps
 *   of a plan), the defaults of fields older checkpoints lack, the time fields;
 * - in rows.ts (SQLite): row → model, model → statement parameters, the prepared statements'
 *   column lists (column names from the drizzle tables: a table's key IS the model field name);
 * - in the GraphQL `Step.from`: the fields converted on the way out (times to Date).
 *
 * Adding a field: add the column to schema.ts (and a migration), the field to the model, and an
 * entry here; the compiler refuses a model field without an entry, and test/store/fields.test.ts
 * a column without one. The entries are in the model's key order: loaded aggregates are built in
 * it, and checkpoints store them as JSON, so it is part of the stored bytes (append new fields).
 */
import { storedPolicy, type PlanAggregate, type PlanModel, type StepModel } from "../domain/model.js";

/** How a field's value is stored. */
export type Codec =
  /** As it is: text, integer or real. */
  | "value"
  /** Epoch milliseconds (integer); the GraphQL types show them as DateTimeISO. */
  | "time"
  /** A boolean (0/1 in SQLite). */
  | "bool"
  /** JSON (text in SQLite); null is SQL NULL. */
  | "json"
  /** A Priority, stored as its rank (integer) so that the claim index orders by it. */
  | "priority";

/** Which part of its aggregate a field belongs to. */
export type Part =
  /** Names the row: never changes. */
  | "key"
  /**
   * The definition, written at creation or by an operator. A save that changes none of them writes
   * only the run columns; a plan checkpoint delta holds the whole plan only when one changed.
   */
  | "spec"
  /** Run state: what the narrow run-state UPDATE writes and a plan checkpoint delta holds. */
  | "run";

export interface FieldSpec<V> {
  codec: Codec;
  part: Part;
  /** For fields added after checkpoints were first written: the value a stored checkpoint without it reads as (a new aggregate's). */
  absent?: V;
  /** Completes a value stored before fields were added to it (read from a row or a checkpoint base). */
  upgrade?: (stored: V) => V;
}

/** One entry per field of the model, no more, no less. */
export type FieldMap<M> = { readonly [K in keyof M]-?: FieldSpec<M[K]> };

/** Columns of a table that are not fields of the model, with how they are written. */
export type ExtraColumns<A> = Readonly<Record<string, { part: Part; value: (a: A) => unknown } | { part: "unwritten" }>>;

export const PLAN_FIELDS = {
  id: { codec: "value", part: "key" },
  name: { codec: "value", part: "spec" },
  goal: { codec: "value", part: "spec" },
  state: { codec: "value", part: "run" },
  version: { codec: "value", part: "run" },
  priority: { codec: "priority", part: "spec" },
  labels: { codec: "json", part: "spec" },
  input: { codec: "json", part: "spec" },
  policy: { codec: "json", part: "spec", upgrade: storedPolicy },
  result: { codec: "json", part: "run" },
  error: { codec: "json", part: "run" },
  idempotencyKey: { codec: "value", part: "spec" },
  createdAt: { codec: "time", part: "spec" },
  startedAt: { codec: "time", part: "run" },
  finishedAt: { codec: "time", part: "run" },
  pausedAt: { codec: "time", part: "run" },
  forkedFrom: { codec: "value", part: "spec" },
  lastClaimedAt: { codec: "time", part: "run" },
  templateId: { codec: "value", part: "spec", absent: null },
} as const satisfies FieldMap<PlanModel>;

export const STEP_FIELDS = {
  key: { codec: "value", part: "key" },
  position: { codec: "value", part: "spec" },
  name: { codec: "value", part: "spec" },
  description: { codec: "value", part: "spec" },
  role: { codec: "value", part: "spec" },
  state: { codec: "value", part: "run" },
  dependsOn: { codec: "json", part: "spec" },
  priority: { codec: "priority", part: "spec" },
  input: { codec: "json", part: "spec" },
  output: { codec: "json", part: "run" },
  error: { codec: "json", part: "run" },
  attempts: { codec: "value", part: "run" },
  retry: { codec: "json", part: "spec" },
  timeoutMs: { codec: "value", part: "spec" },
  config: { codec: "json", part: "spec" },
  progress: { codec: "value", part: "run" },
  progressMessage: { codec: "value", part: "run" },
  quality: { codec: "value", part: "run" },
  agentId: { codec: "value", part: "run" },
  leaseId: { codec: "value", part: "run" },
  readyAt: { codec: "time", part: "run" },
  startedAt: { codec: "time", part: "run" },
  finishedAt: { codec: "time", part: "run" },
  retryAt: { codec: "time", part: "run" },
  attemptBase: { codec: "value", part: "run" },
  runAt: { codec: "time", part: "spec" },
  delayMs: { codec: "value", part: "spec" },
  qualityThreshold: { codec: "value", part: "spec" },
  scheduleToStartMs: { codec: "value", part: "spec" },
  onSuccess: { codec: "value", part: "spec", absent: null },
  onFailure: { codec: "value", part: "spec", absent: null },
  compensate: { codec: "value", part: "spec", absent: null },
  when: { codec: "json", part: "spec", absent: null },
  maxVisits: { codec: "value", part: "spec", absent: null },
  skipIfDependencySkipped: { codec: "bool", part: "spec", absent: false },
  visits: { codec: "value", part: "run", absent: 0 },
  trigger: { codec: "json", part: "run", absent: null },
  inputMapping: { codec: "json", part: "spec", absent: null },
  outputMapping: { codec: "json", part: "spec", absent: null },
  mappedInput: { codec: "json", part: "run", absent: null },
} as const satisfies FieldMap<StepModel>;

/** Columns of `plans` outside PlanModel. */
export const PLAN_EXTRA_COLUMNS = {
  /** Denormalised from the policy for the claim query. */
  maxParallel: { part: "spec", value: (a: PlanAggregate) => a.plan.policy.maxParallel },
  /** Denormalised from the steps for the claim query. */
  runningCount: { part: "run", value: (a: PlanAggregate) => runningCount(a) },
  /** Written once, by PlanRepository.setIdempotencyHash. */
  idempotencyHash: { part: "unwritten" },
} as const satisfies ExtraColumns<PlanAggregate>;

/** Columns of `steps` outside StepModel (their values come from the plan). */
export const STEP_EXTRA_COLUMNS = {
  planId: { part: "key", value: (plan: PlanModel) => plan.id },
  /** Denormalised from the plan for the claim queue. */
  claimCrisis: { part: "run", value: (plan: PlanModel) => claimCrisis(plan) },
  claimServed: { part: "run", value: (plan: PlanModel) => claimServed(plan) },
} as const satisfies ExtraColumns<PlanModel>;

/**
 * What orders a plan's READY steps in the claim queue before the steps' own priority, ready time
 * and position: CRISIS plans first (1), then the plan served a claim least recently (fair share).
 */
export const claimCrisis = (plan: PlanModel): number => (plan.policy.complexity === "CRISIS" ? 1 : 0);
export const claimServed = (plan: PlanModel): number => plan.lastClaimedAt ?? 0;

export const runningCount = (a: PlanAggregate): number => a.steps.reduce((n, s) => n + (s.state === "RUNNING" ? 1 : 0), 0);

/** The lists derived from a field map, in the model's key order. */
export interface FieldLists<M> {
  all: readonly (keyof M & string)[];
  key: readonly (keyof M & string)[];
  spec: readonly (keyof M & string)[];
  run: readonly (keyof M & string)[];
  /** Epoch-millisecond fields. */
  time: readonly (keyof M & string)[];
  /** The `absent` values, for fields older checkpoints lack. */
  absent: Readonly<Partial<M>>;
  /** The `upgrade`s, by field. */
  upgrade: readonly (readonly [keyof M & string, (v: never) => unknown])[];
}

export function fieldLists<M>(map: FieldMap<M>): FieldLists<M> {
  const all = Object.keys(map) as (keyof M & string)[];
  const where = (test: (f: { codec: Codec; part: Part }) => boolean) => all.filter((k) => test(map[k]));
  const absent: Partial<M> = {};
  for (const k of all) if ("absent" in map[k]) absent[k] = map[k].absent;
  return {
    all,
    key: where((f) => f.part === "key"),
    spec: where((f) => f.part === "spec"),
    run: where((f) => f.part === "run"),
    time: where((f) => f.codec === "time"),
    absent,
    upgrade: all.flatMap((k) => (map[k].upgrade ? [[k, map[k].upgrade] as const] : [])),
  };
}

export const PLAN = fieldLists<PlanModel>(PLAN_FIELDS);
export const STEP = fieldLists<StepModel>(STEP_FIELDS);

/** The fields of a map stored with codec C. */
export type FieldsWith<F, C extends Codec> = { [K in keyof F]: F[K] extends { codec: C } ? K : never }[keyof F];

/** The step's epoch-millisecond fields (GraphQL shows them as dates). */
export const STEP_TIME_FIELDS = STEP.time as readonly FieldsWith<typeof STEP_FIELDS, "time">[];
