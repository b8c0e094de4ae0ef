/**
 * Generators and checks for the GraphQL fuzz test (test/e2e/fuzz.test.ts).
 *
 * The generators are imperative functions over fast-check's `fc.gen()` (so runs are seeded,
 * replayable and shrinkable) that walk the real schema: a random root field of Query, Mutation or
 * Subscription, each argument as a literal or a variable, right-typed most of the time and wrong
 * otherwise (other kinds of values, unknown enum values, unknown input fields, nulls for non-null,
 * huge strings, deeply nested JSON), and a random selection set (unknown fields, selections on
 * leaves, fragments, deep nesting). `findings()` lists what must never be in an answer.
 */
import { createHash } from "node:crypto";
import { request } from "node:http";
import fc from "fast-check";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from "graphql";
import WebSocket from "ws";
import type { Store } from "../../src/store/store.js";
import { packageRoot } from "../../src/store/database.js";
import { sqlRows } from "./database.js";
import { waitFor } from "./fixtures.js";

export type Gen = fc.GeneratorValue;
export type OpKind = "query" | "mutation" | "subscription";
export interface Op {
  kind: OpKind;
  query: string;
  variables: unknown;
  operationName?: unknown;
}
/** Real ids and names (seeded by the test) that arguments use, so that mutations hit real rows. */
export interface Pools {
  ids: string[];
  strings: string[];
}

/** Uniform choices (fast-check's bias towards small values would make every `chance` true). */
const uniform = (min: number, max: number) => fc.noBias(fc.integer({ min, max }));
export const int = (g: Gen, min: number, max: number): number => g(uniform, min, max);
export const chance = (g: Gen, p: number): boolean => g(uniform, 0, 9_999) < p * 10_000;
export const pick = <T>(g: Gen, items: readonly T[]): T => items[int(g, 0, items.length - 1)]!;

/** Hostile strings: injection, control characters, odd Unicode, almost-JSON, huge. */
const NASTY = ["", " ", "null", "undefined", "' OR 1=1 --", "Robert'); DROP TABLE plans;--", "%s%n%x", "../../etc/passwd", "\u0000", "\u202e\u200b",
  "💥".repeat(50), "\ud800", "{\"a\":", "__proto__", "constructor", "$var", "#comment", "a".repeat(1_000), "*"];
export function junkString(g: Gen, pools: Pools): string {
  switch (int(g, 0, 5)) {
    case 0: return pick(g, pools.strings);
    case 1: return pick(g, NASTY);
    case 2: return g(fc.string, { unit: "binary", maxLength: 40 }); // lone surrogates included
    case 3: return "x".repeat(int(g, 10_000, 200_000)); // huge
    default: return g(fc.string, { maxLength: 20 });
  }
}

const INTS = [0, 1, -1, 2, 500, 501, 2_147_483_647, 2_147_483_648, -2_147_483_649, Number.MAX_SAFE_INTEGER + 2];
const FLOATS = ["0.5", "-0.0", "1e308", "3.14159", "2", "1e400", "NaN"]; // valid ones first (the first 5)

/** A JSON value nested `depth` deep (objects or arrays). */
export function deepJson(depth: number, array: boolean): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}
/** The same as GraphQL literal text (built without recursion: any depth). */
const deepLiteral = (depth: number, array: boolean): string => (array ? "[".repeat(depth) + '"leaf"' + "]".repeat(depth) : "{a: ".repeat(depth) + '"leaf"' + "}".repeat(depth));

/** Any JS value (variables of the wrong type, JSON inputs). */
function anyValue(g: Gen, pools: Pools): unknown {
  switch (int(g, 0, 6)) {
    case 0: return deepJson(pick(g, [3, 50, 500, 3_000]), chance(g, 0.5));
    case 1: return junkString(g, pools);
    case 2: return pick(g, INTS);
    case 3: return pick(g, [true, false, null, -0.5, 1e308]);
    default: return g(fc.jsonValue, { maxDepth: 4 });
  }
}

/** Any GraphQL literal, whatever the expected type. */
function anyLiteral(g: Gen, pools: Pools): string {
  switch (int(g, 0, 7)) {
    case 0: return deepLiteral(pick(g, [3, 50, 500, 1_500, 3_000, 20_000]), chance(g, 0.5)); // 20,000: past the parser's stack
    case 1: return JSON.stringify(junkString(g, pools));
    case 2: return String(pick(g, INTS));
    case 3: return pick(g, FLOATS);
    case 4: return pick(g, ["true", "null", "NOT_A_VALUE", "running", "[]", "{}", "[1, \"a\", null]", "{bogus: 1}"]);
    default: return print(g(fc.jsonValue, { maxDepth: 3 }));
  }
}

/** A JS value as GraphQL literal text (strings through JSON escapes, which GraphQL shares). */
function print(v: unknown): string {
  if (v === null || typeof v !== "object") return typeof v === "number" && !Number.isFinite(v) ? "0" : JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(print).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : "bad_key"}: ${print(x)}`).join(", ")}}`;
}

/**
 * A literal for an input type: of the right shape, except with probability `w` (the operation's
 * wrongness) at each value. `waitMs` is never positive: a claim long-polls on the test's frozen
 * clock and would never answer.
 */
function literal(g: Gen, type: GraphQLInputType, pools: Pools, w: number, name = ""): string {
  if (name === "waitMs") return pick(g, ["0", "-1", '"soon"']);
  if (chance(g, w)) return anyLiteral(g, pools);
  if (isNonNullType(type)) return chance(g, w / 3) ? "null" : literal(g, type.ofType, pools, w, name);
  if (isListType(type)) {
    if (chance(g, 0.3)) return literal(g, type.ofType, pools, w, name); // a single value stands for a list
    return `[${Array.from({ length: int(g, 0, 3) }, () => literal(g, type.ofType, pools, w, name)).join(", ")}]`;
  }
  if (isEnumType(type)) {
    if (!chance(g, w * 2)) return pick(g, type.getValues()).name;
    return chance(g, 0.7) ? pick(g, ["NOT_A_VALUE", "running", "true", "null_"]) : JSON.stringify(pick(g, type.getValues()).name);
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => chance(g, isNonNullType(f.type) ? 1 - w : 0.4));
    const parts = fields.map((f) => `${f.name}: ${literal(g, f.type, pools, w, f.name)}`);
    if (chance(g, w / 2)) parts.push("bogusField: 1");
    return `{${parts.join(", ")}}`;
  }
  switch (type.name) {
    case "ID": return JSON.stringify(chance(g, 0.7) ? pick(g, pools.ids) : junkString(g, pools));
    case "Int": return String(pick(g, w > 0 ? INTS : INTS.slice(0, 6)));
    case "Float": return pick(g, w > 0 ? FLOATS : FLOATS.slice(0, 5));
    case "Boolean": return pick(g, ["true", "false"]);
    case "DateTimeISO": return JSON.stringify(pick(g, ["2026-01-01T00:00:00Z", "2030-13-45T99:00:00Z", "yesterday", "0", ""]));
    case "JSON": return chance(g, 0.5) ? anyLiteral(g, pools) : print(g(fc.jsonValue, { maxDepth: 3 }));
    default: return JSON.stringify(junkString(g, pools));
  }
}

/** The same for a variable's value (JSON). */
function value(g: Gen, type: GraphQLInputType, pools: Pools, w: number, name = ""): unknown {
  if (name === "waitMs") return pick(g, [0, -1, "soon"]);
  if (chance(g, w)) return anyValue(g, pools);
  if (isNonNullType(type)) return chance(g, w / 3) ? null : value(g, type.ofType, pools, w, name);
  if (isListType(type)) return chance(g, 0.3) ? value(g, type.ofType, pools, w, name) : Array.from({ length: int(g, 0, 3) }, () => value(g, type.ofType, pools, w, name));
  if (isEnumType(type)) return chance(g, 1 - w * 2) ? pick(g, type.getValues()).name : pick(g, ["NOT_A_VALUE", "running", 3, null]);
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (chance(g, isNonNullType(f.type) ? 1 - w : 0.4)) out[f.name] = value(g, f.type, pools, w, f.name);
    if (chance(g, w / 2)) out["bogusField"] = 1;
    return out;
  }
  switch (type.name) {
    case "ID": return chance(g, 0.7) ? pick(g, pools.ids) : junkString(g, pools);
    case "Int": return pick(g, w > 0 ? INTS : INTS.slice(0, 6));
    case "Float": return pick(g, [0.5, -0, 1e308, 3.14]);
    case "Boolean": return chance(g, 0.5);
    case "JSON": return anyValue(g, pools);
    default: return junkString(g, pools);
  }
}

/**
 * Builds one operation over the schema; see the file comment. Its wrongness `w` (0, 3% or 15% per
 * value or field) lets a third of them through validation to the resolvers. Mutations have one
 * root field: a second one could run after the first failed and change state with `data: null`.
 */
export function operation(g: Gen, schema: GraphQLSchema, pools: Pools): Op {
  const w = pick(g, [0, 0.03, 0.15]);
  const kind = pick<OpKind>(g, ["query", "query", "mutation", "mutation", "subscription"]);
  const root = kind === "query" ? schema.getQueryType()! : kind === "mutation" ? schema.getMutationType()! : schema.getSubscriptionType()!;
  const varDefs: string[] = [];
  const variables: Record<string, unknown> = {};
  const TYPES = ["Int", "String!", "[ID!]!", "JSON", "NoSuchType", "PlanState", "CreatePlanInput!"];

  const args = (field: GraphQLField<unknown, unknown>): string => {
    const parts: string[] = [];
    for (const a of field.args) {
      if (!chance(g, isNonNullType(a.type) ? 1 - w : 0.4)) continue;
      if (chance(g, 0.3)) {
        const v = `v${varDefs.length}`;
        varDefs.push(`$${v}: ${chance(g, 1 - w) ? String(a.type) : pick(g, TYPES)}`);
        if (chance(g, 1 - w / 2)) variables[v] = value(g, a.type, pools, w, a.name);
        parts.push(`${a.name}: $${v}`);
      } else parts.push(`${a.name}: ${literal(g, a.type, pools, w, a.name)}`);
    }
    if (chance(g, w / 3)) parts.push(chance(g, 0.5) ? "bogusArg: 1" : "id: $undeclared");
    return parts.length ? `(${parts.join(", ")})` : "";
  };
  const selection = (type: GraphQLNamedType, depth: number): string => {
    if (isLeafType(type)) return chance(g, w / 3) ? " { id }" : "";
    const parts: string[] = [];
    if (isUnionType(type) || !isObjectType(type)) {
      parts.push("__typename");
      const possible = schema.getPossibleTypes(type as Parameters<GraphQLSchema["getPossibleTypes"]>[0]);
      if (possible.length) parts.push(`... on ${pick(g, possible).name}${selection(pick(g, possible), depth)}`);
    } else {
      const fields = Object.values(type.getFields());
      for (let i = int(g, 1, 4); i > 0; i--) {
        const f = pick(g, fields);
        const named = getNamedType(f.type);
        if (!isLeafType(named) && depth >= 6 && !chance(g, w)) continue; // shallow; sometimes past the depth limit when wrong
        parts.push(`${chance(g, 0.1) ? `a${i}: ` : ""}${f.name}${args(f)}${selection(named, depth + 1)}`);
      }
      if (parts.length === 0 || chance(g, w / 3)) parts.push(w > 0 ? pick(g, ["__typename", "notAField", "id"]) : "__typename");
    }
    return ` { ${parts.join(" ")} }`;
  };

  const fields = Object.values(root.getFields());
  const roots = Array.from({ length: kind === "query" ? int(g, 1, 3) : 1 }, (_, i) => {
    const f = pick(g, fields);
    return `${i > 0 ? `r${i}: ` : ""}${f.name}${args(f)}${selection(getNamedType(f.type), 1)}`;
  });
  const name = chance(g, 0.5) ? "Fuzz" : "";
  let query = `${kind} ${name}${varDefs.length ? `(${varDefs.join(", ")})` : ""} {${roots.join(" ")} }`;
  let operationName: unknown = name || undefined;
  switch (w > 0 ? int(g, 0, 12) : -1) {
    case 0: query += ` ${query}`; break; // the same operation twice
    case 1: query += ` query Other { __typename }`; operationName = undefined; break; // several operations, no operationName
    case 2: query += ` query Other { __typename }`; operationName = pick(g, ["Nope", 5, ["Fuzz"], null, "Other"]); break;
    case 3: query += ` fragment F on ${root.name} { __typename } fragment F on ${root.name} { __typename }`; break;
    case 4: query = query.replace("{", "{ ...Missing "); break;
    case 5: operationName = pick(g, [5, ["Fuzz"], null, true, {}, "Unknown"]); break; // not a string, or a name the document lacks
  }
  const vars = chance(g, w / 2) ? pick(g, [null, "x", [1, 2], 42, deepJson(500, true)]) : variables;
  return { kind, query, variables: vars, operationName };
}

/** Random text as a query: noise, GraphQL tokens in any order, deep nesting. */
export function queryText(g: Gen): string {
  const TOKENS = ["{", "}", "(", ")", "[", "]", "query", "mutation", "subscription", "fragment", "on", "...", "plans", "plan", "createPlan", "$x", ":", "!", "@skip", "@include(if: $x)", "@deprecated", '"', '"""', "#", "\\u00", "1e", "__schema", "__type", ",", "=", "|", "&"];
  switch (int(g, 0, 4)) {
    case 0: return g(fc.string, { unit: "binary", maxLength: 200 });
    case 1: return Array.from({ length: int(g, 1, 60) }, () => pick(g, TOKENS)).join(pick(g, [" ", "", "\n"]));
    case 2: { // deeply nested selections, past the depth limit and past the parser's own recursion
      const n = pick(g, [16, 100, 500, 20_000]);
      return `{ ${"plans { ".repeat(n)}id${" }".repeat(chance(g, 0.8) ? n : n - 1)} }`;
    }
    case 3: return `{ plans(filter: { nameContains: ${deepLiteral(pick(g, [10, 500, 20_000]), chance(g, 0.5))} }) { totalCount } }`;
    default: return g(fc.string, { maxLength: 100 });
  }
}

/** The tables of the store's database (on PostgreSQL, of its schema: the first on its search_path). */
const TABLES = {
  sqlite: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  postgres: `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY name`,
};

/** Everything the database holds, per table: row count and a hash of the rows. */
export async function snapshot(store: Store): Promise<Record<string, string>> {
  const tables = await sqlRows<{ name: string }>(store, TABLES[store.dialect]);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const rows = (await sqlRows(store, `SELECT * FROM "${name}"`)).map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).sort();
    out[name] = `${rows.length} rows ${createHash("sha1").update(rows.join("\n")).digest("hex")}`;
  }
  return out;
}

/** Text that must not leave the server: stacks, source locations, SQL, paths, JS error names. */
const LEAKS = [
  ...["    at ", ".ts:", ".js:", "SQLITE", "SqliteError", "SELECT ", "INSERT INTO", "no such table", "node_modules", packageRoot(), "TypeError", "ReferenceError", "Cannot read prop", "is not a function", "stacktrace"],
  // PostgreSQL's own error texts (the fuzz runs on it too)
  ...['relation "', "violates ", "duplicate key", "syntax error at or near", "invalid input syntax"],
];

/**
 * What is wrong with one answer: a 5xx, a leak (a marker in the answer that was not in the
 * request, which GraphQL messages may quote), an error without a string `extensions.code`, or
 * an INTERNAL_SERVER_ERROR (masked, but a bug of the server all the same: bad input has its own codes).
 */
export function findings(status: number, text: string, sent: string): string[] {
  const out: string[] = [];
  if (status >= 500) out.push(`HTTP ${status}`);
  for (const leak of LEAKS) if (text.includes(leak) && !sent.includes(leak)) out.push(`leaks ${JSON.stringify(leak)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return out; // Apollo's plain-text 4xx answers (bad method, missing body); checked for leaks only
  }
  out.push(...errorFindings((body as { errors?: unknown } | null)?.errors));
  return out;
}

/** Checks a GraphQL `errors` value (HTTP body or graphql-ws payload). */
export function errorFindings(errors: unknown): string[] {
  if (errors === undefined) return [];
  if (!Array.isArray(errors)) return ["errors is not an array"];
  return errors.flatMap((e: { message?: unknown; extensions?: { code?: unknown } }) => {
    const code = e?.extensions?.code;
    if (typeof e?.message !== "string" || typeof code !== "string") return [`error without message or code: ${JSON.stringify(e).slice(0, 300)}`];
    return code === "INTERNAL_SERVER_ERROR" ? [`INTERNAL_SERVER_ERROR: ${JSON.stringify(e).slice(0, 300)}`] : [];
  });
}

/**
 * Whether an answer is a refusal: no data, and no error below a root field. (A mutation that ran
 * and then failed in its selection, say on a bad `after` cursor, answers `data: null` as well,
 * GraphQL's null propagation: its write stands.) Only what is not refused may change state.
 */
export function rejected(body: unknown): boolean {
  const b = body as { data?: unknown; errors?: { path?: unknown[] }[] } | null;
  if (!b || typeof b !== "object") return true;
  return (b.data === null || b.data === undefined) && !(b.errors ?? []).some((e) => (e?.path?.length ?? 0) > 1);
}

export interface Answer {
  status: number;
  text: string;
}

/** Any request through node:http (bytes as they are, any method and header); fails on a hang-up. */
export function raw(url: URL, method: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A raw graphql-transport-ws socket, acknowledged: every message received, and how it closed. */
export interface RawSocket {
  socket: WebSocket;
  messages: { id?: string; type: string; payload?: unknown }[];
  texts: string[];
  closed: { code: number; reason: string } | null;
}

export async function openRaw(wsUrl: string): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl, "graphql-transport-ws");
  const s: RawSocket = { socket, messages: [], texts: [], closed: null };
  socket.on("message", (data: Buffer) => {
    s.texts.push(data.toString());
    s.messages.push(JSON.parse(data.toString()) as RawSocket["messages"][number]);
  });
  socket.on("close", (code, reason) => (s.closed = { code, reason: reason.toString() }));
  socket.on("error", () => undefined); // the close event says it
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.send(JSON.stringify({ type: "connection_init" }));
  await waitFor(() => s.messages.some((m) => m.type === "connection_ack") || s.closed);
  return s;
}

/** Close codes a client's junk may earn: never 1011 / 4500 (internal error) or 1006 (no close frame: a crash). */
export const CLIENT_CLOSES = [1000, 1002, 1003, 1007, 1009, 4400, 4409, 4429];
/** The messages of one operation; whether it has ended (error or complete). */
export const of = (s: RawSocket, id: string) => s.messages.filter((m) => m.id === id);
export const ended = (s: RawSocket, id: string) => of(s, id).some((m) => m.type === "error" || m.type === "complete");

/** Protocol junk: frames that are not graphql-ws messages, or wrong ones (not next / error / connection_ack: see fuzz.test.ts). */
export function junkFrame(g: Gen): { data: string | Buffer; binary?: boolean } {
  const q = { query: "{ __typename }" };
  const messages = [{ type: "subscribe" }, { id: 1, type: "subscribe", payload: q }, { id: "j", type: "subscribe", payload: null }, { id: "j", type: "subscribe", payload: { query: 5 } },
    { id: "j", type: "subscribe", payload: { ...q, variables: "x" } }, { id: "j", type: "subscribe", payload: { ...q, extensions: 5 } }, { type: "bogus" }, { type: "connection_init" },
    { type: "ping" }, { type: "pong" }, { id: "nope", type: "complete" }, [], 1, null];
  switch (int(g, 0, 5)) {
    case 0: return { data: g(fc.string, { unit: "binary", maxLength: 100 }) };
    case 1: return { data: Buffer.concat([Buffer.from('{"type":"ping","payload":"'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}')]) }; // invalid UTF-8 text frame
    case 2: return { data: Buffer.from(g(fc.uint8Array, { maxLength: 100 })), binary: true };
    case 3: return { data: "[".repeat(int(g, 1, 100_000)) };
    default: return { data: JSON.stringify(pick(g, messages)) };
  }
}
