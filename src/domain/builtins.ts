/**
 * Built-in roles: steps with these roles are run by agents inside the gateway.
 * Their config is checked when the plan is created.
 */
import type { Problem } from "./errors.js";
import type { Json } from "./model.js";

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
} as const;
export type BuiltinRole = (typeof BuiltinRole)[keyof typeof BuiltinRole];

export const isBuiltinRole = (role: string): role is BuiltinRole =>
  role === BuiltinRole.ECHO || role === BuiltinRole.WAIT || role === BuiltinRole.HTTP || role === BuiltinRole.SIGNAL;

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
    const url = c?.["url"];
    if (typeof url !== "string" || !/^https?:\/\//.test(url) || !URL.canParse(url)) {
      return [{ path: `${path}.config.url`, message: "builtin.http needs config.url, an http(s) URL" }];
    }
    const t = c?.["timeoutMs"];
    if (t !== undefined && (typeof t !== "number" || !Number.isInteger(t) || t < 1)) {
      return [{ path: `${path}.config.timeoutMs`, message: "must be a whole number of milliseconds ≥ 1" }];
    }
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
  return [];
}
