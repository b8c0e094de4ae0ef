/**
 * Plan validation: turns a draft (what a client sent) into step specs with defaults applied,
 * collecting every problem at once. Nothing is stored unless the list of problems is empty.
 */
import { builtinConfigProblems } from "../domain/builtins.js";
import type { Problem } from "../domain/errors.js";
import { checkLengths, checkList, MAX_NAME, MAX_TEXT, shown } from "../domain/limits.js";
import {
  DEFAULT_POLICY,
  DEFAULT_RETRY,
  type ExecutionPolicy,
  type Json,
  type RetryPolicy,
  type StepSpec,
} from "../domain/model.js";
import type { Complexity, Priority } from "../domain/statuses.js";
import { normalizeRules } from "./conditions.js";
import { findCycle, waves } from "./graph.js";
import { mappingProblems, outputMappingProblems } from "./mappings.js";
import { routeProblems } from "./routes.js";

export interface RetryDraft {
  maxAttempts?: number | null;
  initialIntervalMs?: number | null;
  backoffCoefficient?: number | null;
  maxIntervalMs?: number | null;
  nonRetryableErrorTypes?: string[] | null;
  jitter?: number | null;
}

export interface StepDraft {
  key: string;
  name?: string | null;
  description?: string | null;
  role: string;
  dependsOn?: string[] | null;
  input?: Json;
  priority?: Priority | null;
  timeoutMs?: number | null;
  retry?: RetryDraft | null;
  config?: Json;
  /** Epoch ms or a Date (the GraphQL DateTimeISO scalar). */
  runAt?: number | Date | null;
  delayMs?: number | null;
  qualityThreshold?: number | null;
  scheduleToStartMs?: number | null;
  onSuccess?: string | null;
  onFailure?: string | null;
  compensate?: string | null;
  /** Route rules as given (JSON), checked by normalizeRules. */
  when?: Json;
  maxVisits?: number | null;
  skipIfDependencySkipped?: boolean | null;
  /** JSON templates with JSONPath queries, checked by engine/mappings.ts. */
  inputMapping?: Json;
  outputMapping?: Json;
}

export interface PolicyDraft {
  complexity?: Complexity | null;
  maxParallel?: number | null;
  stepTimeoutMs?: number | null;
  planTimeoutMs?: number | null;
  heartbeatTimeoutMs?: number | null;
  /** The default retry policy of the plan's steps. */
  retry?: RetryDraft | null;
}

export const MAX_STEPS = 10_000;
export const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const INT_MAX = 2_147_483_647;

/** maxParallel by complexity when the policy does not name it. */
export const PARALLEL_BY_COMPLEXITY: Record<Complexity, number> = { SIMPLE: 1, MEDIUM: 2, COMPLEX: 3, CRISIS: 5 };

class Checker {
  readonly problems: Problem[] = [];
  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  int(path: string, value: number | null | undefined, min: number, fallback: number): number {
    if (value === null || value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > INT_MAX) {
      this.add(path, `must be a whole number from ${min} to ${INT_MAX}, got ${value}`);
      return fallback;
    }
    return value;
  }
}

/** CRISIS plans default to shorter step timeouts. */
export const CRISIS_STEP_TIMEOUT_MS = 60_000;

/**
 * The complexity of a plan that names none, from its shape: a short chain (one step per wave,
 * at most 3 steps) is SIMPLE; more than 20 steps, 5 or more side by side, or 8 or more waves
 * is COMPLEX; anything else MEDIUM. CRISIS is never derived: it is an operator's call.
 */
export function deriveComplexity(steps: readonly StepSpec[]): Complexity {
  const levels = waves(steps);
  const width = Math.max(0, ...levels.map((w) => w.length));
  if (width <= 1 && steps.length <= 3) return "SIMPLE";
  if (steps.length > 20 || width >= 5 || levels.length >= 8) return "COMPLEX";
  return "MEDIUM";
}

export function normalizePolicy(draft: PolicyDraft | null | undefined, c = new Checker(), path = "policy", derived?: Complexity): ExecutionPolicy {
  const complexity = draft?.complexity ?? derived ?? DEFAULT_POLICY.complexity;
  const stepTimeoutMs = complexity === "CRISIS" ? CRISIS_STEP_TIMEOUT_MS : DEFAULT_POLICY.stepTimeoutMs;
  return {
    complexity,
    maxParallel: c.int(`${path}.maxParallel`, draft?.maxParallel, 1, PARALLEL_BY_COMPLEXITY[complexity]),
    stepTimeoutMs: c.int(`${path}.stepTimeoutMs`, draft?.stepTimeoutMs, 1, stepTimeoutMs),
    planTimeoutMs: draft?.planTimeoutMs == null ? null : c.int(`${path}.planTimeoutMs`, draft.planTimeoutMs, 1, 0),
    heartbeatTimeoutMs: c.int(`${path}.heartbeatTimeoutMs`, draft?.heartbeatTimeoutMs, 100, DEFAULT_POLICY.heartbeatTimeoutMs),
    retry: normalizeRetry(draft?.retry, c, `${path}.retry`),
  };
}

function normalizeRetry(draft: RetryDraft | null | undefined, c: Checker, path: string, base: RetryPolicy = DEFAULT_RETRY): RetryPolicy {
  const coefficient = draft?.backoffCoefficient ?? base.backoffCoefficient;
  if (!Number.isFinite(coefficient) || coefficient < 1 || coefficient > 100) {
    c.add(`${path}.backoffCoefficient`, `must be from 1 to 100, got ${coefficient}`);
  }
  const retry: RetryPolicy = {
    maxAttempts: c.int(`${path}.maxAttempts`, draft?.maxAttempts, 1, base.maxAttempts),
    initialIntervalMs: c.int(`${path}.initialIntervalMs`, draft?.initialIntervalMs, 0, base.initialIntervalMs),
    backoffCoefficient: coefficient,
    maxIntervalMs: c.int(`${path}.maxIntervalMs`, draft?.maxIntervalMs, 0, base.maxIntervalMs),
    nonRetryableErrorTypes: draft?.nonRetryableErrorTypes ?? base.nonRetryableErrorTypes,
    jitter: draft?.jitter ?? base.jitter ?? 0,
  };
  checkList(c.problems, `${path}.nonRetryableErrorTypes`, draft?.nonRetryableErrorTypes);
  if (!(retry.jitter >= 0 && retry.jitter <= 1)) c.add(`${path}.jitter`, `must be from 0 to 1, got ${retry.jitter}`);
  if (retry.maxIntervalMs < retry.initialIntervalMs) {
    c.add(`${path}.maxIntervalMs`, `must not be below initialIntervalMs (${retry.initialIntervalMs})`);
  }
  return retry;
}

/** Checks one step on its own; graph-wide checks come after, in validateGraph. */
function normalizeStep(draft: StepDraft, policy: ExecutionPolicy, c: Checker, path: string): StepSpec {
  const checked = (value: Json, problems: Problem[]): Json => {
    c.problems.push(...problems);
    return value;
  };
  if (!KEY_PATTERN.test(draft.key)) {
    c.add(`${path}.key`, `${shown(draft.key)} is not a valid key: 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  }
  if (draft.role.trim() === "") c.add(`${path}.role`, "must not be empty");
  checkLengths(c.problems, [
    [`${path}.role`, draft.role],
    [`${path}.name`, draft.name],
    [`${path}.description`, draft.description, MAX_TEXT],
    [`${path}.onSuccess`, draft.onSuccess],
    [`${path}.onFailure`, draft.onFailure],
    [`${path}.compensate`, draft.compensate],
  ]);
  checkList(c.problems, `${path}.dependsOn`, draft.dependsOn, MAX_NAME, MAX_STEPS);
  const q = draft.qualityThreshold;
  if (q != null && !(q >= 0 && q <= 1)) c.add(`${path}.qualityThreshold`, `must be from 0 to 1, got ${q}`);
  return {
    key: draft.key,
    name: draft.name ?? null,
    description: draft.description ?? null,
    role: draft.role,
    dependsOn: [...new Set(draft.dependsOn ?? [])],
    priority: draft.priority ?? "NORMAL",
    input: draft.input ?? null,
    timeoutMs: c.int(`${path}.timeoutMs`, draft.timeoutMs, 1, policy.stepTimeoutMs),
    retry: normalizeRetry(draft.retry, c, `${path}.retry`, policy.retry),
    config: draft.config ?? null,
    runAt: draft.runAt instanceof Date ? draft.runAt.getTime() : (draft.runAt ?? null),
    delayMs: draft.delayMs == null ? null : c.int(`${path}.delayMs`, draft.delayMs, 0, 0),
    qualityThreshold: draft.qualityThreshold ?? null,
    scheduleToStartMs: draft.scheduleToStartMs == null ? null : c.int(`${path}.scheduleToStartMs`, draft.scheduleToStartMs, 1, 0),
    onSuccess: draft.onSuccess ?? null,
    onFailure: draft.onFailure ?? null,
    compensate: draft.compensate ?? null,
    when: normalizeRules(draft.when, `${path}.when`, c.problems),
    maxVisits: draft.maxVisits == null ? null : c.int(`${path}.maxVisits`, draft.maxVisits, 1, 1),
    skipIfDependencySkipped: draft.skipIfDependencySkipped ?? false,
    inputMapping: draft.inputMapping == null ? null : checked(draft.inputMapping, mappingProblems(draft.inputMapping, `${path}.inputMapping`)),
    outputMapping: draft.outputMapping == null ? null : checked(draft.outputMapping, outputMappingProblems(draft.outputMapping, `${path}.outputMapping`)),
  };
}

/** One step (for addStep) checked on its own, with the plan's defaults; graph checks come later. */
export function validateStepDraft(draft: StepDraft, policy: ExecutionPolicy, path = "step"): { spec: StepSpec; problems: Problem[] } {
  const c = new Checker();
  const spec = normalizeStep(draft, policy, c, path);
  return { spec, problems: c.problems };
}

export interface StepPatchDraft {
  role?: string;
  timeoutMs?: number;
  retry?: RetryDraft | null;
}

/**
 * A step patch's values checked on their own (the graph is checked by the intervention), and
 * its retry draft merged over the step's current policy.
 */
export function checkStepPatch(patch: StepPatchDraft, current: RetryPolicy, path = "patch"): { retry: RetryPolicy | undefined; problems: Problem[] } {
  const c = new Checker();
  if (patch.role !== undefined && patch.role.trim() === "") c.add(`${path}.role`, "must not be empty");
  checkLengths(c.problems, [[`${path}.role`, patch.role]]);
  if (patch.timeoutMs !== undefined) c.int(`${path}.timeoutMs`, patch.timeoutMs, 1, 0);
  const retry = patch.retry ? normalizeRetry(patch.retry, c, `${path}.retry`, current) : undefined;
  return { retry, problems: c.problems };
}

/**
 * Graph-wide checks: duplicate keys, unknown or self dependencies, cycles (named); then, on a
 * sound dependency graph, the routes (references, unbounded loops, reachability, an end).
 */
export function graphProblems(steps: readonly StepSpec[], path = "steps"): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  steps.forEach((s, i) => {
    if (seen.has(s.key)) problems.push({ path: `${path}[${i}].key`, message: `duplicate key "${s.key}"` });
    seen.add(s.key);
  });
  steps.forEach((s, i) => {
    for (const dep of s.dependsOn) {
      if (dep === s.key) problems.push({ path: `${path}[${i}].dependsOn`, message: `"${s.key}" depends on itself` });
      else if (!seen.has(dep)) problems.push({ path: `${path}[${i}].dependsOn`, message: `unknown step "${dep}"` });
    }
  });
  // Duplicate keys are reported above; their dependencies are merged so a cycle through them still shows.
  const deps = new Map<string, Set<string>>();
  for (const s of steps) {
    const set = deps.get(s.key) ?? new Set<string>();
    for (const d of s.dependsOn) if (d !== s.key) set.add(d);
    deps.set(s.key, set);
  }
  const cycle = findCycle([...deps].map(([key, set]) => ({ key, dependsOn: [...set] })));
  if (cycle) problems.push({ path, message: `dependency cycle: ${cycle.join(" -> ")}` });
  return problems.length > 0 ? problems : routeProblems(steps, path);
}

export interface ValidatedSteps {
  steps: StepSpec[];
  policy: ExecutionPolicy;
  problems: Problem[];
}

/** Normalizes and validates a plan's steps and policy, reporting every problem found. */
export function validatePlanSteps(
  drafts: readonly StepDraft[] | null | undefined,
  policyDraft: PolicyDraft | null | undefined,
): ValidatedSteps {
  const c = new Checker();
  const list = drafts ?? [];
  if (list.length === 0) c.add("steps", "a plan needs at least one step");
  if (list.length > MAX_STEPS) c.add("steps", `at most ${MAX_STEPS} steps, got ${list.length}`);
  // Step timeouts default from the policy, whose complexity may come from the steps' shape:
  // CRISIS (the only complexity that changes timeouts) is never derived, so the order is safe.
  const provisional = normalizePolicy(policyDraft, new Checker());
  const steps = list.map((d, i) => normalizeStep(d, provisional, c, `steps[${i}]`));
  const policy = normalizePolicy(policyDraft, c, "policy", deriveComplexity(steps));
  return { steps, policy, problems: [...c.problems, ...graphProblems(steps)] };
}

/**
 * A plan's steps and policy checked (every problem at once), built-in roles' config included: how
 * createPlan checks inline steps and the template registry checks a template's.
 */
export function checkPlanSteps(drafts: readonly StepDraft[] | null | undefined, policy: PolicyDraft | null | undefined): ValidatedSteps {
  const v = validatePlanSteps(drafts, policy);
  v.steps.forEach((s, i) => v.problems.push(...builtinConfigProblems(s.role, s.config, `steps[${i}]`)));
  return v;
}
