/**
 * Template drafts as data. Template files and pipeline stages are untyped JSON: their shape is
 * checked here (types, unknown fields) before the drafts are validated like any plan's steps.
 * Templates store drafts as JSON: nulls dropped, a DateTime runAt as an ISO string.
 */
import type { Problem } from "../domain/errors.js";
import type { Json } from "../domain/model.js";
import { Complexity, Priority } from "../domain/statuses.js";
import type { PolicyDraft, RetryDraft, StepDraft } from "../engine/validate.js";

/** A template as registered: the GraphQL RegisterTemplateInput, or the content of a template file. */
export interface TemplateInput {
  name: string;
  description?: string | null;
  steps: StepDraft[];
  policy?: PolicyDraft | null;
}

/** Checks one value, adding problems; returns it converted (a date string becomes a Date). */
type Check = (value: unknown, path: string, problems: Problem[]) => unknown;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const fail = (problems: Problem[], path: string, message: string): undefined => void problems.push({ path, message });

const str: Check = (v, path, p) => (typeof v === "string" ? v : fail(p, path, "must be a string"));
const num: Check = (v, path, p) => (typeof v === "number" ? v : fail(p, path, "must be a number"));
const bool: Check = (v, path, p) => (typeof v === "boolean" ? v : fail(p, path, "must be true or false"));
const json: Check = (v) => v;
const oneOf =
  (values: Record<string, string>): Check =>
  (v, path, p) =>
    typeof v === "string" && Object.hasOwn(values, v) ? v : fail(p, path, `must be one of ${Object.keys(values).join(", ")}`);
const list =
  (item: Check): Check =>
  (v, path, p) =>
    Array.isArray(v) ? v.map((x, i) => item(x, `${path}[${i}]`, p)) : fail(p, path, "must be a list");
const date: Check = (v, path, p) =>
  typeof v === "string" && !Number.isNaN(Date.parse(v)) ? new Date(v) : fail(p, path, "must be a date and time (ISO 8601)");

/** An object with these fields (null counts as absent); unknown fields are problems. */
const object =
  (fields: Record<string, Check>, required: readonly string[] = []): Check =>
  (v, path, p) => {
    if (!isObject(v)) return fail(p, path, "must be an object");
    const at = (k: string): string => (path ? `${path}.${k}` : k);
    const out: Record<string, unknown> = {};
    for (const k of required) if (v[k] == null) p.push({ path: at(k), message: "is required" });
    for (const [k, x] of Object.entries(v)) {
      const check = fields[k];
      if (!check) p.push({ path: at(k), message: `unknown field (expected one of ${Object.keys(fields).join(", ")})` });
      else if (x != null) out[k] = check(x, at(k), p);
    }
    return out;
  };

const RETRY_FIELDS: Record<keyof RetryDraft, Check> = {
  maxAttempts: num,
  initialIntervalMs: num,
  backoffCoefficient: num,
  maxIntervalMs: num,
  nonRetryableErrorTypes: list(str),
  jitter: num,
};

const STEP_FIELDS: Record<keyof StepDraft, Check> = {
  key: str,
  name: str,
  description: str,
  role: str,
  dependsOn: list(str),
  input: json,
  priority: oneOf(Priority),
  timeoutMs: num,
  retry: object(RETRY_FIELDS),
  config: json,
  runAt: date,
  delayMs: num,
  qualityThreshold: num,
  scheduleToStartMs: num,
  onSuccess: str,
  onFailure: str,
  compensate: str,
  when: json,
  maxVisits: num,
  skipIfDependencySkipped: bool,
  inputMapping: json,
  outputMapping: json,
};

const POLICY_FIELDS: Record<keyof PolicyDraft, Check> = {
  complexity: oneOf(Complexity),
  maxParallel: num,
  stepTimeoutMs: num,
  planTimeoutMs: num,
  heartbeatTimeoutMs: num,
  retry: object(RETRY_FIELDS),
};

const TEMPLATE: Check = object(
  { name: str, description: str, steps: list(object(STEP_FIELDS, ["key", "role"])), policy: object(POLICY_FIELDS) },
  ["name", "steps"],
);

/** A template file's content as a TemplateInput, or the problems of its shape. */
export function templateInputOf(raw: unknown): { input: TemplateInput; problems: Problem[] } {
  const problems: Problem[] = [];
  const input = TEMPLATE(raw, "", problems) as TemplateInput;
  return { input, problems };
}

/** What a pipeline stage may be besides a role. */
export const STAGE_SHAPE = "{ key?, name?, role, input?, config?, timeoutMs?, retry? }";

/** The fields a pipeline stage object may have. */
export type StageDraft = Pick<StepDraft, "name" | "role" | "input" | "config" | "timeoutMs" | "retry"> & { key?: string | null };

const { key, name, role, input, config, timeoutMs, retry } = STEP_FIELDS;
const STAGE: Check = object({ key, name, role, input, config, timeoutMs, retry }, ["role"]);

/** A pipeline stage: a role, or an object of STAGE_SHAPE. */
export function stageOf(raw: unknown, path: string, problems: Problem[]): StageDraft {
  if (typeof raw === "string") return { role: raw };
  if (isObject(raw)) return STAGE(raw, path, problems) as StageDraft;
  problems.push({ path, message: `must be a role or an object ${STAGE_SHAPE}` });
  return { role: "" };
}

/** The object's fields that are set (neither null nor undefined). */
export const withoutNulls = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null)) as Partial<T>;

/** A step draft as stored: JSON, nulls dropped (a missing input and a null one mean the same). */
export const storedStep = (d: StepDraft): Json => JSON.parse(JSON.stringify(withoutNulls({ ...d, retry: d.retry ? withoutNulls(d.retry) : null }))) as Json;

/** A policy draft as stored; null when it sets nothing. */
export function storedPolicy(p: PolicyDraft | null | undefined): Json {
  const set = withoutNulls(p ?? {});
  return Object.keys(set).length ? (set as Json) : null;
}

/** A stored step draft, ready to validate again (its runAt a Date). */
export function stepOf(stored: Json): StepDraft {
  const d = stored as unknown as StepDraft & { runAt?: string | null };
  return typeof d.runAt === "string" ? { ...d, runAt: new Date(d.runAt) } : d;
}
