/**
 * Conditional routing (`when`): rules checked when a step succeeds, in order; the first whose
 * condition holds decides the route. Conditions read a path into the step's output, the
 * plan's input or the plan's context, so the same inputs always give the same route.
 */
import type { Problem } from "../domain/errors.js";
import type { Json, RouteAction, RouteRule, RuleOp } from "../domain/model.js";
import { MAX_NAME, MAX_PATH, MAX_TEXT, shown } from "../domain/limits.js";
import { MAX_PATTERN_LENGTH, PatternError, patternProblem, patternTest, userPattern } from "../domain/regex.js";

export const RULE_OPS: readonly RuleOp[] = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "exists", "matches"];
const ROOTS = ["output", "input", "context"] as const;
const ACTIONS = ["goto", "retry", "skip", "fail", "complete"] as const;
const MAX_RULES = 50;

export interface RuleScope {
  /** The step's output. */
  output: Json | null;
  /** The plan's input. */
  input: Json | null;
  /** The plan's shared context. */
  context: Json | null;
}

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The value at a dotted path (`output.review.score`, `input.items.0`); undefined when absent. */
export function valueAt(path: string, scope: RuleScope): Json | undefined {
  const [root, ...rest] = path.split(".");
  let v: Json | undefined = scope[root as keyof RuleScope];
  for (let i = 0; i < rest.length; i++) {
    const part = rest[i]!;
    if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
    else if (isObject(v)) {
      // Keys may hold dots themselves (context keys such as steps.a.output): the longest one present wins.
      let j = rest.length;
      while (j > i + 1 && !Object.hasOwn(v, rest.slice(i, j).join("."))) j--;
      const key = rest.slice(i, j).join(".");
      v = Object.hasOwn(v, key) ? v[key] : undefined;
      i = j - 1;
    } else return undefined;
  }
  return v;
}

export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Whether `text` matches the rule's pattern, on RE2 (src/domain/regex.ts: linear time, whatever
 * the pattern). A pattern RE2 cannot compile (stored before patterns were checked for RE2) never matches.
 */
function matches(pattern: string, text: string): boolean {
  try {
    return patternTest(userPattern(pattern), text);
  } catch (e) {
    if (e instanceof PatternError) return false;
    throw e;
  }
}

/** Numbers compare with numbers and strings with strings; anything else never matches. */
function compare(a: Json | undefined, b: Json | null): number | null {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

export function conditionHolds(c: RouteRule["if"], scope: RuleScope): boolean {
  const actual = valueAt(c.path, scope);
  switch (c.op) {
    case "eq":
      return jsonEqual(actual, c.value);
    case "ne":
      return !jsonEqual(actual, c.value);
    case "in":
      return Array.isArray(c.value) && c.value.some((v) => jsonEqual(actual, v));
    case "exists":
      return (actual !== undefined && actual !== null) === (c.value !== false);
    case "matches":
      return typeof actual === "string" && matches(String(c.value), actual);
    default: {
      const d = compare(actual, c.value);
      if (d === null) return false;
      return c.op === "gt" ? d > 0 : c.op === "gte" ? d >= 0 : c.op === "lt" ? d < 0 : d <= 0;
    }
  }
}

/** The first rule whose condition holds, with its index, or null. */
export function firstMatch(rules: readonly RouteRule[], scope: RuleScope): { index: number; rule: RouteRule; actual: Json | null } | null {
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    if (conditionHolds(rule.if, scope)) return { index, rule, actual: valueAt(rule.if.path, scope) ?? null };
  }
  return null;
}

/** True when one of the step's rules reads the plan's context. */
export const readsContext = (s: { when: RouteRule[] | null }): boolean => (s.when ?? []).some((r) => r.if.path === "context" || r.if.path.startsWith("context."));

/** The step keys a rule's action names (goto target, skipped steps). */
export const ruleTargets = (a: RouteAction): string[] => ("goto" in a ? [a.goto] : "skip" in a ? a.skip : []);

function normalizeAction(raw: unknown, path: string, problems: Problem[]): RouteAction | null {
  if (!isObject(raw)) {
    problems.push({ path, message: `must be an object with one of ${ACTIONS.join(", ")}` });
    return null;
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1 || !ACTIONS.includes(keys[0] as (typeof ACTIONS)[number])) {
    problems.push({ path, message: `must have exactly one of ${ACTIONS.join(", ")}, got ${keys.join(", ") || "none"}` });
    return null;
  }
  const v = raw[keys[0]!];
  switch (keys[0]) {
    case "goto":
      if (typeof v === "string" && v.length > MAX_NAME) problems.push({ path: `${path}.goto`, message: `must be at most ${MAX_NAME} characters, got ${v.length}` });
      else if (typeof v === "string" && v !== "") return { goto: v };
      else problems.push({ path: `${path}.goto`, message: "must be a step key" });
      return null;
    case "skip": {
      const list = typeof v === "string" ? [v] : v;
      if (Array.isArray(list) && list.length > 0 && list.every((k) => typeof k === "string" && k !== "")) {
        const long = (list as string[]).findIndex((k) => k.length > MAX_NAME);
        if (long < 0) return { skip: [...new Set(list as string[])] };
        problems.push({ path: `${path}.skip`, message: `keys must be at most ${MAX_NAME} characters, got ${(list as string[])[long]!.length}` });
        return null;
      }
      problems.push({ path: `${path}.skip`, message: "must be a step key or a non-empty list of step keys" });
      return null;
    }
    case "fail":
      if (v === true || v === null) return { fail: null };
      if (typeof v === "string" && v.length > MAX_TEXT) problems.push({ path: `${path}.fail`, message: `must be at most ${MAX_TEXT} characters, got ${v.length}` });
      else if (typeof v === "string") return { fail: v };
      else problems.push({ path: `${path}.fail`, message: "must be true or a message" });
      return null;
    default: // retry, complete
      if (v === true) return keys[0] === "retry" ? { retry: true } : { complete: true };
      problems.push({ path: `${path}.${keys[0]}`, message: "must be true" });
      return null;
  }
}

function normalizeCondition(raw: unknown, path: string, problems: Problem[]): RouteRule["if"] | null {
  if (!isObject(raw)) {
    problems.push({ path, message: "must be an object { path, op, value }" });
    return null;
  }
  const before = problems.length;
  const p = raw["path"];
  const op = raw["op"] as RuleOp;
  const value = raw["value"] === undefined ? null : raw["value"];
  if (typeof p === "string" && p.length > MAX_PATH) problems.push({ path: `${path}.path`, message: `must be at most ${MAX_PATH} characters, got ${p.length}` });
  else if (typeof p !== "string" || !ROOTS.includes(p.split(".")[0] as (typeof ROOTS)[number]) || p.split(".").some((s) => s === "")) {
    problems.push({ path: `${path}.path`, message: `must be a dotted path starting with ${ROOTS.join(", ")} (e.g. output.approved), got ${JSON.stringify(p)}` });
  }
  if (!RULE_OPS.includes(op)) problems.push({ path: `${path}.op`, message: `must be one of ${RULE_OPS.join(", ")}, got ${typeof op === "string" ? shown(op) : JSON.stringify(op)}` });
  if (op !== "exists" && raw["value"] === undefined) problems.push({ path: `${path}.value`, message: `is required with op ${op}` });
  if (op === "in" && !Array.isArray(value)) problems.push({ path: `${path}.value`, message: "must be a list with op in" });
  if (op === "exists" && typeof value !== "boolean" && value !== null) problems.push({ path: `${path}.value`, message: "must be true or false with op exists" });
  if (["gt", "gte", "lt", "lte"].includes(op) && typeof value !== "number" && typeof value !== "string") {
    problems.push({ path: `${path}.value`, message: `must be a number or a string with op ${op}` });
  }
  if (op === "matches") {
    if (typeof value !== "string" || value.length > MAX_PATTERN_LENGTH) problems.push({ path: `${path}.value`, message: `must be a regular expression of at most ${MAX_PATTERN_LENGTH} characters` });
    else {
      const problem = patternProblem(value);
      if (problem) problems.push({ path: `${path}.value`, message: problem });
    }
  }
  return problems.length === before ? { path: p as string, op, value } : null;
}

/** A `when` value as given (JSON) checked and normalized; null when absent. */
export function normalizeRules(raw: Json | undefined, path: string, problems: Problem[]): RouteRule[] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length > MAX_RULES) {
    problems.push({ path, message: `must be a list of at most ${MAX_RULES} rules { if: { path, op, value }, then: { goto | retry | skip | fail | complete } }` });
    return null;
  }
  const before = problems.length;
  const rules: RouteRule[] = [];
  raw.forEach((r, i) => {
    if (!isObject(r)) {
      problems.push({ path: `${path}[${i}]`, message: "must be an object { if, then }" });
      return;
    }
    const cond = normalizeCondition(r["if"], `${path}[${i}].if`, problems);
    const then = normalizeAction(r["then"], `${path}[${i}].then`, problems);
    if (cond && then) rules.push({ if: cond, then });
  });
  // With a malformed rule the list is refused whole: the graph checks never see rules whose indexes moved.
  return problems.length === before ? rules : null;
}
