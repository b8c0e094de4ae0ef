/**
 * Built-in roles: steps with these roles are run by agents inside the gateway.
 * Their config is checked when the plan is created.
 */
import type { Problem } from "./errors.js";
import { STEP_OUTPUT_PREFIX, type Json } from "./model.js";

export const BuiltinRole = {
  /** Returns its input as its output. */
  ECHO: "builtin.echo",
  /** Succeeds after `config.ms` milliseconds, with its input as output. */
  WAIT: "builtin.wait",
  /** POSTs {plan, step, input, context} to `config.url`; the JSON reply is the output. */
  HTTP: "builtin.http",
  /**
   * Succeeds when the plan has a CUSTOM signal named `config.name` whose payload contains
   * `config.match` (if given); signals sent before the step started count too.
   */
  SIGNAL: "builtin.signal",
  /**
   * Merges its dependencies' outputs (sections, citations, freshness, warnings) into one report,
   * the same in any order, with PII masked; `config.pii` adds names and patterns to mask.
   */
  MERGE: "builtin.merge",
  /**
   * GETs `config.url` (or takes it from the cache shared by `config.cacheKey` while `config.ttlMs`
   * has not run out) and writes the value to the plan's context under `config.key`; createPlan's
   * `prefetch` makes these steps.
   */
  PREFETCH: "builtin.prefetch",
} as const;
export type BuiltinRole = (typeof BuiltinRole)[keyof typeof BuiltinRole];

const ROLES: ReadonlySet<string> = new Set(Object.values(BuiltinRole));
export const isBuiltinRole = (role: string): role is BuiltinRole => ROLES.has(role);

/** The value as a JSON object, or null when it is not one (an array, a scalar, null). */
export const asObject = (v: Json | null): Record<string, Json> | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;

/** Problems with a built-in step's config; none for other roles. */
export function builtinConfigProblems(role: string, config: Json | null, path: string): Problem[] {
  const c = asObject(config);
  if (role === BuiltinRole.WAIT) {
    const ms = c?.["ms"];
    if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0) {
      return [{ path: `${path}.config.ms`, message: "builtin.wait needs config.ms, a whole number of milliseconds ≥ 0" }];
    }
  }
  if (role === BuiltinRole.HTTP) {
    if (!isHttpUrl(c?.["url"])) return [{ path: `${path}.config.url`, message: "builtin.http needs config.url, an http(s) URL" }];
    const timeout = msProblem(c?.["timeoutMs"], 1, `${path}.config.timeoutMs`);
    if (timeout) return [timeout];
  }
  if (role === BuiltinRole.SIGNAL) {
    const problems: Problem[] = [];
    const name = c?.["name"];
    if (typeof name !== "string" || name.trim() === "") {
      problems.push({ path: `${path}.config.name`, message: "builtin.signal needs config.name, the name of the signal to wait for" });
    }
    const match = c?.["match"];
    if (match !== undefined && asObject(match) === null) {
      problems.push({ path: `${path}.config.match`, message: "must be an object: the keys and values the signal's payload must contain" });
    }
    return problems;
  }
  if (role === BuiltinRole.MERGE && c?.["pii"] !== undefined) return piiConfigProblems(c["pii"], `${path}.config.pii`);
  if (role === BuiltinRole.PREFETCH) return prefetchProblems(c ?? {}, `${path}.config`);
  return [];
}

const isHttpUrl = (url: Json | undefined): boolean => typeof url === "string" && /^https?:\/\//.test(url) && URL.canParse(url);

/** A problem when `ms`, if given, is not a whole number of milliseconds ≥ min. */
function msProblem(ms: Json | undefined, min: number, path: string): Problem | null {
  return ms === undefined || (typeof ms === "number" && Number.isInteger(ms) && ms >= min) ? null : { path, message: `must be a whole number of milliseconds ≥ ${min}` };
}

/**
 * Problems with the settings of a builtin.prefetch step, fields at `path` (its config, or an
 * entry of createPlan's `prefetch`): `{ key, url, cacheKey?, ttlMs?, timeoutMs?, required? }`.
 */
export function prefetchProblems(p: Record<string, Json>, path: string): Problem[] {
  const problems: Problem[] = [];
  const { key, url, cacheKey, required } = p;
  if (typeof key !== "string" || key.trim() === "" || key.length > 200) problems.push({ path: `${path}.key`, message: "must be 1 to 200 characters, not blank: the context key the value is written to" });
  else if (key.startsWith(STEP_OUTPUT_PREFIX)) problems.push({ path: `${path}.key`, message: `must not start with "${STEP_OUTPUT_PREFIX}": those keys hold step outputs` });
  if (!isHttpUrl(url)) problems.push({ path: `${path}.url`, message: "must be an http(s) URL" });
  if (cacheKey !== undefined && (typeof cacheKey !== "string" || cacheKey === "")) problems.push({ path: `${path}.cacheKey`, message: "must be a non-empty string" });
  for (const [field, min] of [["ttlMs", 0], ["timeoutMs", 1]] as const) {
    const problem = msProblem(p[field], min, `${path}.${field}`);
    if (problem) problems.push(problem);
  }
  if (required !== undefined && typeof required !== "boolean") problems.push({ path: `${path}.required`, message: "must be true or false" });
  return problems;
}

/** The longest regex source `config.pii.patterns` may hold. */
export const MAX_PII_PATTERN_LENGTH = 200;

/** `config.pii` of builtin.merge: `{ names?: non-empty strings, patterns?: regex sources }`. */
function piiConfigProblems(value: Json, path: string): Problem[] {
  const pii = asObject(value);
  if (!pii) return [{ path, message: "must be an object: { names?: [string], patterns?: [regex source] }" }];
  const problems: Problem[] = [];
  const list = (field: string, check: (item: Json) => string | null): void => {
    const items = pii[field];
    if (items === undefined) return;
    if (!Array.isArray(items)) {
      problems.push({ path: `${path}.${field}`, message: "must be a list of strings" });
      return;
    }
    items.forEach((item, i) => {
      const message = check(item);
      if (message) problems.push({ path: `${path}.${field}[${i}]`, message });
    });
  };
  list("names", (n) => (typeof n === "string" && n.trim() !== "" ? null : "must be a non-empty string"));
  list("patterns", (p) => {
    if (typeof p !== "string" || p === "") return "must be a non-empty string: a regular expression";
    if (p.length > MAX_PII_PATTERN_LENGTH) return `must be at most ${MAX_PII_PATTERN_LENGTH} characters, got ${p.length}`;
    try {
      return new RegExp(p).test("") ? "must not match the empty string" : null;
    } catch (e) {
      return `is not a valid regular expression: ${(e as Error).message}`;
    }
  });
  return problems;
}
