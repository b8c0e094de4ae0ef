/** What callers hand the coordinator and get back, and the checks made before a transaction. */
import { createHash } from "node:crypto";
import { badInput, type Problem } from "../domain/errors.js";
import type { RetryPolicy } from "../domain/model.js";
import { STEP_OUTPUT_PREFIX, type AttemptModel, type PlanAggregate, type Json, type PlanModel, type StepError, type StepModel, type StepSpec } from "../domain/model.js";
import type { Priority } from "../domain/statuses.js";
import type { EngineEvent } from "../engine/events.js";
import { invalidAdditions, type InterventionRequest } from "../engine/interventions.js";
import { builtinConfigProblems } from "../domain/builtins.js";
import { checkLengths, checkList, MAX_LABEL, MAX_LABELS, MAX_NAME, MAX_STEPS_LISTED, MAX_TEXT, shown } from "../domain/limits.js";
import { checkStepPatch, validateStepDraft, type PolicyDraft, type StepDraft } from "../engine/validate.js";

export interface CreatePlanRequest {
  name: string;
  goal?: string | null;
  steps?: StepDraft[] | null;
  /** Instead of steps: a template, "name" (its latest version) or "name@version". */
  template?: string | null;
  input?: Json;
  policy?: PolicyDraft | null;
  priority?: Priority | null;
  labels?: string[] | null;
  /** Values fetched into the plan's context before its first wave (./prefetch.ts). */
  prefetch?: PrefetchRequest[] | null;
  start?: boolean | null;
  /** Do not start before this time (epoch ms or Date). */
  runAt?: number | Date | null;
  /** Do not start until this long after creation. */
  delayMs?: number | null;
  idempotencyKey?: string | null;
}

/** One value to fetch into a new plan's context before its first wave. */
export interface PrefetchRequest {
  /** The context key the value is written to. */
  key: string;
  /** GET from here (http or https): the JSON body, or the text when it is not JSON. */
  url: string;
  /** Fetches with the same cache key share one request and its value while it is fresh (default: the url). */
  cacheKey?: string | null;
  /** How long the value stays fresh in the cache (default 60000; 0: not cached). */
  ttlMs?: number | null;
  /** The longest wait for the reply (default: the step's timeout). */
  timeoutMs?: number | null;
  /** A failure fails the step, and the plan once retries are spent (default false: the key is set to null, with a warning). */
  required?: boolean | null;
}

export interface RegisterAgentRequest {
  name: string;
  roles: string[];
  concurrency?: number | null;
  metadata?: Json;
  /** The principal registering it: only it may then claim for the agent and report its leases. */
  owner?: string | null;
}

/** A claimed step: the lease, and the step and plan as they were when it was granted. */
export interface LeaseGrant {
  lease: AttemptModel;
  step: StepModel;
  plan: PlanModel;
  /** The plan's context as the agent may see it, pinned to its version at the claim (read on demand). */
  context: () => Promise<{ data: { [key: string]: Json }; version: number }>;
}

/** An error as an agent reports it; omitted fields take defaults (retryable: true). */
export interface ReportedError {
  message: string;
  type?: string | null;
  retryable?: boolean | null;
  details?: Json;
}

/** What an agent reports at the end of an attempt; `addSteps`: steps it adds to the plan (dynamic plans). */
export type Report =
  | { kind: "complete"; leaseId: string; output: Json | null; quality?: number | null; addSteps?: StepDraft[] | null }
  | { kind: "fail"; leaseId: string; error: ReportedError };

/** A step after an agent reported on it. */
export interface StepResult {
  planId: string;
  step: StepModel;
}

export interface LeaseStatus {
  expiresAt: number;
  cancelRequested: boolean;
}

/**
 * A stable hash of what a createPlan request asks for (every field but `idempotencyKey`): SHA-256
 * of its canonical JSON — object keys sorted, null and absent fields alike left out, times as
 * epoch milliseconds. Two requests with the same hash ask for the same plan.
 */
export function createPlanRequestHash(req: CreatePlanRequest): string {
  const { idempotencyKey: _key, ...rest } = req;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.getTime());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Problems of a createPlan request's own fields (its steps are checked by checkPlanSteps): name, goal, labels, keys. */
export function planRequestProblems(req: CreatePlanRequest): Problem[] {
  const problems: Problem[] = [];
  if (req.name.trim() === "") problems.push({ path: "name", message: "must not be empty" });
  checkLengths(problems, [
    ["name", req.name],
    ["goal", req.goal, MAX_TEXT],
    ["idempotencyKey", req.idempotencyKey],
    ["template", req.template],
  ]);
  checkList(problems, "labels", req.labels, MAX_LABEL, MAX_LABELS);
  return problems;
}

/** Problems of a CUSTOM signal (sendSignal): its name, recipient and step key, the step one of the plan's `steps`. */
export function signalProblems(req: { name: string; stepKey?: string | null; recipient?: string | null }, steps: readonly { key: string }[]): Problem[] {
  const problems: Problem[] = [];
  if (req.name.trim() === "") problems.push({ path: "name", message: "must not be empty" });
  checkLengths(problems, [
    ["name", req.name],
    ["recipient", req.recipient],
  ]);
  if (req.stepKey && !steps.some((s) => s.key === req.stepKey)) problems.push({ path: "stepKey", message: `plan has no step ${shown(req.stepKey)}` });
  return problems;
}

const LOOSEST_RETRY: RetryPolicy = { maxAttempts: 1, initialIntervalMs: 0, backoffCoefficient: 1, maxIntervalMs: 2_147_483_647, nonRetryableErrorTypes: [], jitter: 0 };

/** An intervention as callers ask for it: a new step comes as a draft, checked with the plan's defaults. */
export type ControlRequest =
  | Exclude<InterventionRequest, { kind: "ADD_STEP" | "RESTORE_CHECKPOINT" }>
  | { kind: "ADD_STEP"; step: StepDraft; after?: string | null }
  | { kind: "RESTORE_CHECKPOINT"; checkpointId: string };

/** Malformed arguments are BAD_USER_INPUT errors, not rejected interventions. */
export function checkRequestShape(r: ControlRequest, reason?: string | null): void {
  const problems: Problem[] = [];
  checkLengths(problems, [
    ["reason", reason, MAX_TEXT],
    ["stepKey", "stepKey" in r ? r.stepKey : null],
    ["after", r.kind === "ADD_STEP" ? r.after : null],
    ["checkpointId", r.kind === "RESTORE_CHECKPOINT" ? r.checkpointId : null],
  ]);
  if (r.kind === "REORDER_STEPS") checkList(problems, "order", r.order, MAX_NAME, MAX_STEPS_LISTED);
  if (r.kind === "MODIFY_STEP") {
    // Each value on its own; whether a retry patch fits the step's own policy is the engine's call.
    problems.push(...checkStepPatch(r.patch, LOOSEST_RETRY).problems);
    if (Object.keys(r.patch).length === 0) problems.push({ path: "patch", message: "names no field to change" });
    if (r.patch.dependsOn?.some((k) => k.trim() === "")) problems.push({ path: "patch.dependsOn", message: "keys must not be empty" });
  }
  if (r.kind === "REORDER_STEPS" && r.order.length === 0) problems.push({ path: "order", message: "must list at least one step" });
  if (problems.length) throw badInput(problems);
}

/** The engine's request: a new step's draft checked on its own with the plan's defaults. */
export async function toInterventionRequest(r: ControlRequest, plan: PlanModel, checkpoint: (id: string) => Promise<PlanAggregate | null>): Promise<InterventionRequest> {
  if (r.kind === "RESTORE_CHECKPOINT") return { ...r, state: await checkpoint(r.checkpointId) };
  if (r.kind !== "ADD_STEP") return r;
  const { spec, problems } = checkStepDraft(r.step, plan, "step");
  if (problems.length) throw badInput(problems);
  return { kind: "ADD_STEP", step: spec, after: r.after ?? null };
}

/** A new step's draft checked on its own with the plan's defaults, built-in config included; it takes the plan's priority unless it names one. */
function checkStepDraft(draft: StepDraft, plan: PlanModel, path: string): { spec: StepSpec; problems: Problem[] } {
  const { spec, problems } = validateStepDraft(draft, plan.policy, path);
  problems.push(...builtinConfigProblems(spec.role, spec.config, path));
  return { spec: { ...spec, priority: draft.priority ?? plan.priority }, problems };
}

/**
 * The engine event of an agent's report on the step `stepKey` of `plan`. Steps it adds are first
 * checked one by one as addStep checks them: any problem makes the completion a failure
 * (INVALID_PLAN) and nothing is added. The engine then checks the whole plan.
 */
export function reportEvent(r: Report, stepKey: string, plan: PlanModel): EngineEvent {
  if (r.kind === "fail") return { type: "StepFailed", stepKey, leaseId: r.leaseId, error: toStepError(r.error) };
  const completed: EngineEvent = { type: "StepCompleted", stepKey, leaseId: r.leaseId, output: r.output, quality: r.quality ?? null };
  if (!r.addSteps?.length) return completed;
  const checked = r.addSteps.map((draft, i) => checkStepDraft(draft, plan, `addSteps[${i}]`));
  const problems = checked.flatMap((c) => c.problems);
  if (problems.length) return { type: "StepFailed", stepKey, leaseId: r.leaseId, error: invalidAdditions(problems, r.output) };
  return { ...completed, addSteps: checked.map((c) => c.spec) };
}

/** The request's arguments, for the audit log. */
export function argsOf(r: ControlRequest): Json | null {
  const { kind: _kind, ...rest } = r;
  return Object.keys(rest).length ? (JSON.parse(JSON.stringify(rest)) as Json) : null;
}

export function checkReport(r: Report): void {
  const problems: Problem[] = [];
  if (r.kind === "complete" && r.quality != null && !(r.quality >= 0 && r.quality <= 1)) {
    problems.push({ path: "quality", message: `must be from 0 to 1, got ${r.quality}` });
  }
  if (r.kind === "fail") {
    if (r.error.message.trim() === "") problems.push({ path: "error.message", message: "must not be empty" });
    checkLengths(problems, [
      ["error.message", r.error.message, MAX_TEXT],
      ["error.type", r.error.type],
    ]);
  }
  if (problems.length) throw badInput(problems);
}

export const toStepError = (e: ReportedError): StepError => ({
  message: e.message,
  type: e.type ?? null,
  retryable: e.retryable ?? true,
  details: e.details ?? null,
});


/** A write of one shared-context key (Coordinator.updateContext). */
export interface ContextUpdate {
  planId: string;
  key: string;
  value?: Json | null;
  targets?: string[] | null;
  /** The whole context's version the write is based on; a stale one is refused. */
  expectedVersion?: number | null;
}

export function checkContextUpdate(r: ContextUpdate, reason?: string | null): void {
  const problems: Problem[] = [];
  if (r.key.trim() === "" || r.key.length > MAX_NAME) problems.push({ path: "key", message: `must be 1 to ${MAX_NAME} characters, not blank` });
  else if (r.key.startsWith(STEP_OUTPUT_PREFIX)) problems.push({ path: "key", message: `keys starting with "${STEP_OUTPUT_PREFIX}" hold step outputs and are written by Baton` });
  (r.targets ?? []).forEach((t, i) => {
    if (t.trim() === "") problems.push({ path: `targets[${i}]`, message: "must not be empty" });
  });
  checkList(problems, "targets", r.targets);
  checkLengths(problems, [["reason", reason, MAX_TEXT]]);
  if (r.expectedVersion != null && !(Number.isInteger(r.expectedVersion) && r.expectedVersion >= 0)) problems.push({ path: "expectedVersion", message: "must be a whole number ≥ 0" });
  if (problems.length) throw badInput(problems);
}
