/**
 * Built-in roles: steps with these roles are run by agents inside the gateway.
 * Their config is checked when the plan is created.
 */
import type { Problem } from "./errors.js";
import { STEP_OUTPUT_PREFIX, type Json } from "./model.js";
import { MAX_PATTERN_LENGTH, patternProblem, patternTest, userPattern } from "./regex.js";
import { MAX_LIST, MAX_NAME, MAX_TEXT } from "./limits.js";

export const BuiltinRole = {
  /** Returns its input as its output. */
  ECHO: "builtin.echo",
  /** Succeeds after `config.ms` milliseconds, with its input as output. */
  WAIT: "builtin.wait",
  /**
   * POSTs {plan, step, input, context} to `config.url` (with `config.headers`, whose
   * `${secret:NAME}` come from BATON_SECRETS_FILE), through the outbound policy; the JSON reply is
   * the output.
   */
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
   * has not run out: a cached value is bound to the URL and headers that fetched it) and writes
   * the value to the plan's context under `config.key`; createPlan's `prefetch` makes these steps.
   */
  PREFETCH: "builtin.prefetch",
} as const;
export type BuiltinRole = (typeof BuiltinRole)[keyof typeof BuiltinRole];

const ROLES: ReadonlySet<string> = new Set(Object.values(BuiltinRole));
export const isBuiltinRole = (role: string): role is BuiltinRole => ROLES.has(role);

/** The prefix of the roles reserved for the gateway's own agents: no remote agent or token may name one. */
export const RESERVED_ROLE_PREFIX = "builtin.";

/** Whether a role is reserved for the built-in agents (any `builtin.…`, known or not, in any case). */
export const isReservedRole = (role: string): boolean => role.trim().toLowerCase().startsWith(RESERVED_ROLE_PREFIX);

/** The longest role name an agent registers or a token allows, and the most roles in one list. */
export const MAX_ROLE_LENGTH = 200;
export const MAX_ROLES = 100;

/**
 * Problems with a list of roles an agent registers or a token allows, at `path`: at least one,
 * at most MAX_ROLES, each 1 to MAX_ROLE_LENGTH characters. Reserved roles are the caller's to
 * refuse (FORBIDDEN for a registration, BAD_USER_INPUT for a token).
 */
export function roleListProblems(roles: readonly string[], path: string): Problem[] {
  const problems: Problem[] = [];
  if (roles.length === 0) problems.push({ path, message: "at least one role" });
  if (roles.length > MAX_ROLES) problems.push({ path, message: `at most ${MAX_ROLES} roles, got ${roles.length}` });
  roles.slice(0, MAX_ROLES + 1).forEach((r, i) => {
    if (r.trim() === "" || r.length > MAX_ROLE_LENGTH) problems.push({ path: `${path}[${i}]`, message: `must be 1 to ${MAX_ROLE_LENGTH} characters, not blank` });
  });
  return problems;
}

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
    if (hasCredentials(c?.["url"])) return [{ path: `${path}.config.url`, message: CREDENTIALS_MESSAGE }];
    const timeout = msProblem(c?.["timeoutMs"], 1, `${path}.config.timeoutMs`);
    if (timeout) return [timeout];
    return headersProblems(c?.["headers"], `${path}.config.headers`);
  }
  if (role === BuiltinRole.SIGNAL) {
    const problems: Problem[] = [];
    const name = c?.["name"];
    if (typeof name !== "string" || name.trim() === "") {
      problems.push({ path: `${path}.config.name`, message: "builtin.signal needs config.name, the name of the signal to wait for" });
    } else if (name.length > MAX_NAME) problems.push({ path: `${path}.config.name`, message: `must be at most ${MAX_NAME} characters, got ${name.length}` });
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

/** A URL with a user or password in it: refused, every viewer of the plan would read them. */
const hasCredentials = (url: Json | undefined): boolean => {
  const u = typeof url === "string" && URL.canParse(url) ? new URL(url) : null;
  return u !== null && (u.username !== "" || u.password !== "");
};
const CREDENTIALS_MESSAGE = "must not carry credentials (user:password@): every viewer of the plan reads them; send them with config.headers and a ${secret:NAME}";

/** A secret named in a header value: `${secret:NAME}`, NAME of letters, digits, '_', '.' or '-'. */
export const SECRET_REF = /\$\{secret:([A-Za-z0-9_.-]{1,100})\}/;
/** A secret's name, as BATON_SECRETS_FILE may define it. */
export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** Header names a step may not set: the request's framing and routing are the gateway's. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect", "proxy-connection"]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const MAX_HEADERS = 32;

/**
 * `config.headers` of builtin.http and builtin.prefetch: an object of header name → string, at
 * most 32, values without line breaks, `${secret:NAME}` in a value naming a configured secret
 * (BATON_SECRETS_FILE) that is filled in only when the request is sent.
 */
export function headersProblems(headers: Json | undefined, path: string): Problem[] {
  if (headers === undefined) return [];
  const h = asObject(headers);
  if (!h) return [{ path, message: 'must be an object of header name → string, e.g. { "authorization": "Bearer ${secret:openai}" }' }];
  const entries = Object.entries(h);
  if (entries.length > MAX_HEADERS) return [{ path, message: `must have at most ${MAX_HEADERS} headers, got ${entries.length}` }];
  const problems: Problem[] = [];
  for (const [name, value] of entries) {
    const at = `${path}.${name}`;
    if (!HEADER_NAME.test(name)) problems.push({ path: at, message: "is not a valid header name" });
    else if (RESERVED_HEADERS.has(name.toLowerCase())) problems.push({ path: at, message: "is set by the gateway and may not be given" });
    else if (typeof value !== "string" || value.length > 8192 || /[\r\n\0]/.test(value)) problems.push({ path: at, message: "must be a string of at most 8192 characters without line breaks" });
    else if (/\$\{secret:/.test(value.replace(new RegExp(SECRET_REF.source, "g"), ""))) problems.push({ path: at, message: "names a secret badly: write ${secret:NAME}, NAME of letters, digits, '_', '.' or '-'" });
  }
  return problems;
}

/** A problem when `ms`, if given, is not a whole number of milliseconds ≥ min. */
function msProblem(ms: Json | undefined, min: number, path: string): Problem | null {
  return ms === undefined || (typeof ms === "number" && Number.isInteger(ms) && ms >= min) ? null : { path, message: `must be a whole number of milliseconds ≥ ${min}` };
}

/**
 * Problems with the settings of a builtin.prefetch step, fields at `path` (its config, or an
 * entry of createPlan's `prefetch`): `{ key, url, cacheKey?, ttlMs?, timeoutMs?, required?, headers? }`.
 */
export function prefetchProblems(p: Record<string, Json>, path: string): Problem[] {
  const problems: Problem[] = [];
  const { key, url, cacheKey, required } = p;
  if (typeof key !== "string" || key.trim() === "" || key.length > MAX_NAME) problems.push({ path: `${path}.key`, message: `must be 1 to ${MAX_NAME} characters, not blank: the context key the value is written to` });
  else if (key.startsWith(STEP_OUTPUT_PREFIX)) problems.push({ path: `${path}.key`, message: `must not start with "${STEP_OUTPUT_PREFIX}": those keys hold step outputs` });
  if (!isHttpUrl(url)) problems.push({ path: `${path}.url`, message: "must be an http(s) URL" });
  else if (hasCredentials(url)) problems.push({ path: `${path}.url`, message: CREDENTIALS_MESSAGE });
  problems.push(...headersProblems(p["headers"], `${path}.headers`));
  if (cacheKey !== undefined && (typeof cacheKey !== "string" || cacheKey === "")) problems.push({ path: `${path}.cacheKey`, message: "must be a non-empty string" });
  else if (typeof cacheKey === "string" && cacheKey.length > MAX_TEXT) problems.push({ path: `${path}.cacheKey`, message: `must be at most ${MAX_TEXT} characters, got ${cacheKey.length}` });
  for (const [field, min] of [["ttlMs", 0], ["timeoutMs", 1]] as const) {
    const problem = msProblem(p[field], min, `${path}.${field}`);
    if (problem) problems.push(problem);
  }
  if (required !== undefined && typeof required !== "boolean") problems.push({ path: `${path}.required`, message: "must be true or false" });
  return problems;
}

/** The longest regex source `config.pii.patterns` may hold. */
export const MAX_PII_PATTERN_LENGTH = MAX_PATTERN_LENGTH;

/** `config.pii` of builtin.merge: `{ names?: non-empty strings, patterns?: regex sources }`. */
function piiConfigProblems(value: Json, path: string): Problem[] {
  const pii = asObject(value);
  if (!pii) return [{ path, message: "must be an object: { names?: [string], patterns?: [regex source] }" }];
  const problems: Problem[] = [];
  const list = (field: string, check: (item: Json) => string | null): void => {
    const items = pii[field];
    if (items === undefined) return;
    if (!Array.isArray(items) || items.length > MAX_LIST) {
      problems.push({ path: `${path}.${field}`, message: `must be a list of at most ${MAX_LIST} strings` });
      return;
    }
    items.forEach((item, i) => {
      const message = check(item);
      if (message) problems.push({ path: `${path}.${field}[${i}]`, message });
    });
  };
  list("names", (n) => (typeof n !== "string" || n.trim() === "" ? "must be a non-empty string" : n.length > MAX_NAME ? `must be at most ${MAX_NAME} characters, got ${n.length}` : null));
  list("patterns", (p) => {
    if (typeof p !== "string" || p === "") return "must be a non-empty string: a regular expression";
    if (p.length > MAX_PII_PATTERN_LENGTH) return `must be at most ${MAX_PII_PATTERN_LENGTH} characters, got ${p.length}`;
    // Read as before (JavaScript syntax without the u flag), matched on RE2 (./regex.ts).
    return patternProblem(p, false) ?? (patternTest(userPattern(p, false), "") ? "must not match the empty string" : null);
  });
  return problems;
}
