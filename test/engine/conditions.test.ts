/**
 * Route conditions (`when`): how a condition reads a value (valueAt), how each operator
 * decides (conditionHolds), which rule wins (firstMatch), and how rules as given are checked
 * (normalizeRules: every problem at once, each with its path).
 */
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/domain/errors.js";
import type { Json, RouteRule, RuleOp } from "../../src/domain/model.js";
import { RULE_OPS, conditionHolds, firstMatch, jsonEqual, normalizeRules, valueAt, type RuleScope } from "../../src/engine/conditions.js";

const scope = (output: Json | null, input: Json | null = null, context: Json | null = null): RuleScope => ({ output, input, context });

/** Does `path op value` hold in the scope? */
const holds = (s: RuleScope, path: string, op: RuleOp, value: Json | null = null): boolean => conditionHolds({ path, op, value }, s);

const rule = (path: string, op: RuleOp, value: Json | null, then: RouteRule["then"]): RouteRule => ({ if: { path, op, value }, then });

/** normalizeRules with its problems. */
const norm = (raw: Json | undefined, path = "when"): { rules: RouteRule[] | null; problems: Problem[] } => {
  const problems: Problem[] = [];
  const rules = normalizeRules(raw, path, problems);
  return { rules, problems };
};

/** A rule as given (JSON), `then` a goto unless told. */
const given = (cond: Json, then: Json = { goto: "b" }): Json => ({ if: cond, then });

const DATA = scope(
  {
    approved: true,
    score: 0.8,
    count: 3,
    label: "beta",
    nothing: null,
    review: { verdict: "ok", notes: ["a", "b"] },
    items: [{ name: "first" }, { name: "second", tags: ["x"] }],
    list: [1, 2, 3],
    obj: { a: 1, b: [1, { c: 2 }] },
  },
  { env: "prod", limits: { max: 10 } },
  { attempt: 2, flags: ["fast"] },
);

describe("valueAt", () => {
  it("reads the root itself, nested objects and array indexes", () => {
    expect(valueAt("output", DATA)).toBe(DATA.output);
    expect(valueAt("output.review.verdict", DATA)).toBe("ok");
    expect(valueAt("output.review.notes.1", DATA)).toBe("b");
    expect(valueAt("output.items.1.name", DATA)).toBe("second");
    expect(valueAt("output.items.1.tags.0", DATA)).toBe("x");
    expect(valueAt("output.obj.b.1.c", DATA)).toBe(2);
    expect(valueAt("output.nothing", DATA)).toBeNull();
  });

  it("reads the plan input and the plan context", () => {
    expect(valueAt("input.env", DATA)).toBe("prod");
    expect(valueAt("input.limits.max", DATA)).toBe(10);
    expect(valueAt("context.attempt", DATA)).toBe(2);
    expect(valueAt("context.flags.0", DATA)).toBe("fast");
  });

  it("is undefined for missing keys, indexes out of range, and paths through scalars, null or arrays by name", () => {
    expect(valueAt("output.missing", DATA)).toBeUndefined();
    expect(valueAt("output.review.missing.deeper", DATA)).toBeUndefined();
    expect(valueAt("output.items.2.name", DATA)).toBeUndefined();
    expect(valueAt("output.items.name", DATA)).toBeUndefined(); // a name on an array
    expect(valueAt("output.list.length", DATA)).toBeUndefined();
    expect(valueAt("output.label.length", DATA)).toBeUndefined(); // into a string
    expect(valueAt("output.count.x", DATA)).toBeUndefined();
    expect(valueAt("output.nothing.x", DATA)).toBeUndefined();
    expect(valueAt("output.x", scope(null))).toBeUndefined();
    expect(valueAt("input.env", scope({ env: "prod" }))).toBeUndefined(); // input is null here
  });

  it("does not find prototype keys (own keys only)", () => {
    expect(valueAt("output.constructor", DATA)).toBeUndefined();
    expect(valueAt("output.__proto__", DATA)).toBeUndefined();
    expect(valueAt("output.toString", DATA)).toBeUndefined();
    expect(valueAt("output.hasOwnProperty", DATA)).toBeUndefined();
    expect(valueAt("output.review.constructor.name", DATA)).toBeUndefined();
    expect(valueAt("output.list.constructor", DATA)).toBeUndefined();
    expect(valueAt("output.items.0.__proto__", DATA)).toBeUndefined();
    expect(holds(DATA, "output.constructor", "exists", true)).toBe(false);
    expect(holds(DATA, "output.__proto__", "exists", true)).toBe(false);
  });

  it("does find an own key named like a prototype key (as JSON.parse makes it)", () => {
    const s = scope(JSON.parse('{"__proto__": {"x": 1}, "constructor": "c"}') as Json);
    expect(valueAt("output.__proto__.x", s)).toBe(1);
    expect(valueAt("output.constructor", s)).toBe("c");
  });
});

describe("jsonEqual", () => {
  it("compares deeply, ignoring key order", () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2], d: null } }, { b: { d: null, c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual([1, { a: "x" }], [1, { a: "x" }])).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false); // array order matters
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual(1, "1")).toBe(false);
    expect(jsonEqual(undefined, null)).toBe(false);
  });
});

describe("conditionHolds: each operator", () => {
  it("eq / ne on scalars", () => {
    expect(holds(DATA, "output.approved", "eq", true)).toBe(true);
    expect(holds(DATA, "output.approved", "eq", false)).toBe(false);
    expect(holds(DATA, "output.count", "eq", 3)).toBe(true);
    expect(holds(DATA, "output.count", "eq", "3")).toBe(false); // no coercion
    expect(holds(DATA, "output.label", "eq", "beta")).toBe(true);
    expect(holds(DATA, "output.nothing", "eq", null)).toBe(true);
    expect(holds(DATA, "output.approved", "ne", false)).toBe(true);
    expect(holds(DATA, "output.approved", "ne", true)).toBe(false);
    expect(holds(DATA, "output.count", "ne", "3")).toBe(true);
  });

  it("eq / ne compare objects and arrays deeply, key order irrelevant", () => {
    expect(holds(DATA, "output.obj", "eq", { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(holds(DATA, "output.obj", "eq", { a: 1, b: [1, { c: 3 }] })).toBe(false);
    expect(holds(DATA, "output.obj", "eq", { a: 1 })).toBe(false);
    expect(holds(DATA, "output.list", "eq", [1, 2, 3])).toBe(true);
    expect(holds(DATA, "output.list", "eq", [3, 2, 1])).toBe(false);
    expect(holds(DATA, "output.list", "eq", [1, 2])).toBe(false);
    expect(holds(DATA, "output.obj", "ne", { b: [1, { c: 2 }], a: 1 })).toBe(false);
    expect(holds(DATA, "output.list", "ne", [1, 2])).toBe(true);
  });

  it("a missing path is not equal to null; ne null holds for it", () => {
    expect(holds(DATA, "output.missing", "eq", null)).toBe(false);
    expect(holds(DATA, "output.missing", "ne", null)).toBe(true);
    expect(holds(DATA, "output.missing", "eq", false)).toBe(false);
    expect(holds(scope(null), "output.x", "eq", null)).toBe(false);
  });

  it("gt / gte / lt / lte on numbers", () => {
    expect(holds(DATA, "output.score", "gt", 0.5)).toBe(true);
    expect(holds(DATA, "output.score", "gt", 0.8)).toBe(false);
    expect(holds(DATA, "output.score", "gte", 0.8)).toBe(true);
    expect(holds(DATA, "output.score", "gte", 0.81)).toBe(false);
    expect(holds(DATA, "output.score", "lt", 1)).toBe(true);
    expect(holds(DATA, "output.score", "lt", 0.8)).toBe(false);
    expect(holds(DATA, "output.score", "lte", 0.8)).toBe(true);
    expect(holds(DATA, "output.score", "lte", 0.79)).toBe(false);
    expect(holds(DATA, "output.count", "gt", -1)).toBe(true);
  });

  it("gt / gte / lt / lte on strings compare as strings (lexically)", () => {
    expect(holds(DATA, "output.label", "gt", "alpha")).toBe(true);
    expect(holds(DATA, "output.label", "gt", "beta")).toBe(false);
    expect(holds(DATA, "output.label", "gte", "beta")).toBe(true);
    expect(holds(DATA, "output.label", "lt", "gamma")).toBe(true);
    expect(holds(DATA, "output.label", "lt", "beta")).toBe(false);
    expect(holds(DATA, "output.label", "lte", "beta")).toBe(true);
    expect(holds(scope({ v: "10" }), "output.v", "lt", "9")).toBe(true); // lexical, not numeric
  });

  it("gt / gte / lt / lte never match across types, nor on null, missing, booleans, objects", () => {
    for (const op of ["gt", "gte", "lt", "lte"] as const) {
      expect(holds(scope({ v: "5" }), "output.v", op, 5), `"5" ${op} 5`).toBe(false);
      expect(holds(scope({ v: 5 }), "output.v", op, "5"), `5 ${op} "5"`).toBe(false);
      expect(holds(scope({ v: true }), "output.v", op, 0), `true ${op} 0`).toBe(false);
      expect(holds(scope({ v: null }), "output.v", op, 0), `null ${op} 0`).toBe(false);
      expect(holds(scope({}), "output.v", op, 0), `missing ${op} 0`).toBe(false);
      expect(holds(scope({ v: [1] }), "output.v", op, 0), `[1] ${op} 0`).toBe(false);
      expect(holds(scope({ v: 5 }), "output.v", op, null), `5 ${op} null`).toBe(false);
    }
    // while the same-type comparisons do match
    expect(holds(scope({ v: 5 }), "output.v", "gte", 5)).toBe(true);
    expect(holds(scope({ v: "5" }), "output.v", "gte", "5")).toBe(true);
  });

  it("in: the value is one of the list (deep equality)", () => {
    expect(holds(DATA, "output.label", "in", ["alpha", "beta"])).toBe(true);
    expect(holds(DATA, "output.label", "in", ["alpha", "gamma"])).toBe(false);
    expect(holds(DATA, "output.label", "in", [])).toBe(false);
    expect(holds(DATA, "output.count", "in", ["3"])).toBe(false);
    expect(holds(DATA, "output.review.notes", "in", [["a"], ["a", "b"]])).toBe(true);
    expect(holds(DATA, "output.obj", "in", [{ b: [1, { c: 2 }], a: 1 }])).toBe(true);
    expect(holds(DATA, "output.nothing", "in", [null])).toBe(true);
    expect(holds(DATA, "output.missing", "in", [null])).toBe(false);
    expect(holds(DATA, "output.label", "in", "beta")).toBe(false); // not a list: never holds
  });

  it("exists: true (or null) asks for a non-null value, false for a null or missing one", () => {
    expect(holds(DATA, "output.label", "exists", true)).toBe(true);
    expect(holds(DATA, "output.label", "exists", null)).toBe(true);
    expect(holds(DATA, "output.label", "exists", false)).toBe(false);
    expect(holds(DATA, "output.missing", "exists", true)).toBe(false);
    expect(holds(DATA, "output.missing", "exists", null)).toBe(false);
    expect(holds(DATA, "output.missing", "exists", false)).toBe(true);
    // a key present with null counts as absent
    expect(holds(DATA, "output.nothing", "exists", true)).toBe(false);
    expect(holds(DATA, "output.nothing", "exists", false)).toBe(true);
    // falsy but present values exist
    expect(holds(scope({ z: 0, e: "", f: false }), "output.z", "exists", true)).toBe(true);
    expect(holds(scope({ z: 0, e: "", f: false }), "output.e", "exists", true)).toBe(true);
    expect(holds(scope({ z: 0, e: "", f: false }), "output.f", "exists", true)).toBe(true);
    expect(holds(scope(null), "output", "exists", true)).toBe(false);
  });

  it("matches: a regular expression tested against a string value only", () => {
    expect(holds(DATA, "output.label", "matches", "^b.t")).toBe(true);
    expect(holds(DATA, "output.label", "matches", "^alpha$")).toBe(false);
    expect(holds(DATA, "output.review.verdict", "matches", "ok|fine")).toBe(true);
    expect(holds(DATA, "output.label", "matches", "ET")).toBe(false); // case-sensitive
    expect(holds(scope({ v: "héllo" }), "output.v", "matches", "^h\\p{L}llo$")).toBe(true); // unicode mode
    expect(holds(DATA, "output.count", "matches", "3")).toBe(false); // a number is not a string
    expect(holds(DATA, "output.missing", "matches", ".*")).toBe(false);
    expect(holds(DATA, "output.nothing", "matches", ".*")).toBe(false);
  });

  it("every operator is covered above", () => {
    expect([...RULE_OPS].sort()).toEqual(["eq", "exists", "gt", "gte", "in", "lt", "lte", "matches", "ne"]);
  });
});

describe("firstMatch", () => {
  const rules: RouteRule[] = [
    rule("output.score", "gt", 0.9, { complete: true }),
    rule("output.label", "eq", "beta", { goto: "deploy" }),
    rule("output.count", "gte", 1, { skip: ["x"] }), // also holds, but comes later
    rule("input.env", "eq", "prod", { fail: null }),
  ];

  it("returns the first rule that holds, its index and the value it read", () => {
    const m = firstMatch(rules, DATA);
    expect(m).toEqual({ index: 1, rule: rules[1], actual: "beta" });
    expect(m!.rule).toBe(rules[1]);
  });

  it("reads input and context paths too", () => {
    const m = firstMatch([rule("context.attempt", "lt", 2, { retry: true }), rule("context.flags", "eq", ["fast"], { retry: true })], DATA);
    expect(m).toEqual({ index: 1, rule: expect.anything(), actual: ["fast"] });
    expect(firstMatch([rule("input.limits.max", "eq", 10, { complete: true })], DATA)).toMatchObject({ index: 0, actual: 10 });
  });

  it("returns null when no rule holds, or there are none", () => {
    expect(firstMatch([rule("output.score", "gt", 0.9, { complete: true }), rule("output.label", "eq", "gamma", { goto: "x" })], DATA)).toBeNull();
    expect(firstMatch([], DATA)).toBeNull();
  });

  it("gives null as the actual value of a missing path that matched", () => {
    expect(firstMatch([rule("output.missing", "exists", false, { goto: "x" })], DATA)).toEqual({
      index: 0,
      rule: expect.anything(),
      actual: null,
    });
  });

  it("gives the same answer every time for the same inputs", () => {
    expect(firstMatch(rules, DATA)).toEqual(firstMatch(rules, DATA));
  });
});

describe("normalizeRules: well-formed rules", () => {
  it("is null for null and undefined, and [] for an empty list", () => {
    expect(norm(null)).toEqual({ rules: null, problems: [] });
    expect(norm(undefined)).toEqual({ rules: null, problems: [] });
    expect(norm([])).toEqual({ rules: [], problems: [] });
  });

  it("keeps each action in its normalized form", () => {
    const c = { path: "output.ok", op: "eq", value: true };
    const { rules, problems } = norm([
      given(c, { goto: "b" }),
      given(c, { retry: true }),
      given(c, { skip: "x" }),
      given(c, { skip: ["x", "y", "x", "y"] }),
      given(c, { fail: true }),
      given(c, { fail: null }),
      given(c, { fail: "bad review" }),
      given(c, { complete: true }),
    ]);
    expect(problems).toEqual([]);
    expect(rules!.map((r) => r.then)).toEqual([
      { goto: "b" },
      { retry: true },
      { skip: ["x"] },
      { skip: ["x", "y"] },
      { fail: null },
      { fail: null },
      { fail: "bad review" },
      { complete: true },
    ]);
    expect(rules![0]!.if).toEqual({ path: "output.ok", op: "eq", value: true });
  });

  it("accepts every operator with a fitting value; exists needs none (null)", () => {
    const { rules, problems } = norm([
      given({ path: "output.a", op: "eq", value: { x: [1] } }),
      given({ path: "output.a", op: "ne", value: null }),
      given({ path: "input.a", op: "gt", value: 1 }),
      given({ path: "input.a", op: "gte", value: "m" }),
      given({ path: "context.a", op: "lt", value: 2.5 }),
      given({ path: "context.a.b.0", op: "lte", value: "z" }),
      given({ path: "output.a", op: "in", value: [1, "x", null] }),
      given({ path: "output.a", op: "exists" }),
      given({ path: "output.a", op: "exists", value: false }),
      given({ path: "output.a", op: "matches", value: "^ok$" }),
      given({ path: "output", op: "exists", value: true }),
    ]);
    expect(problems).toEqual([]);
    expect(rules).toHaveLength(11);
    expect(rules![7]!.if).toEqual({ path: "output.a", op: "exists", value: null });
    expect(rules![8]!.if.value).toBe(false);
  });

  it("accepts a pattern of exactly 200 characters", () => {
    expect(norm([given({ path: "output.a", op: "matches", value: "a".repeat(200) })]).problems).toEqual([]);
  });

  it("accepts 50 rules", () => {
    const r = norm(Array.from({ length: 50 }, () => given({ path: "output.a", op: "exists" })));
    expect(r.problems).toEqual([]);
    expect(r.rules).toHaveLength(50);
  });
});

describe("normalizeRules: malformed rules, each reported with its path", () => {
  const one = (r: Json, path = "when"): Problem[] => norm([r], path).problems;

  it("not a list, or more than 50 rules", () => {
    for (const raw of [{ if: {}, then: {} }, "rules", 3, true] as Json[]) {
      const r = norm(raw, "steps[2].when");
      expect(r.rules).toBeNull();
      expect(r.problems).toEqual([{ path: "steps[2].when", message: expect.stringContaining("must be a list of at most 50 rules") }]);
    }
    const tooMany = norm(Array.from({ length: 51 }, () => given({ path: "output.a", op: "exists" })));
    expect(tooMany.rules).toBeNull();
    expect(tooMany.problems).toEqual([{ path: "when", message: expect.stringContaining("at most 50") }]);
  });

  it("a rule that is not an object", () => {
    const r = norm(["goto b", null, [1], 7]);
    expect(r.rules).toBeNull();
    expect(r.problems).toEqual([
      { path: "when[0]", message: "must be an object { if, then }" },
      { path: "when[1]", message: "must be an object { if, then }" },
      { path: "when[2]", message: "must be an object { if, then }" },
      { path: "when[3]", message: "must be an object { if, then }" },
    ]);
  });

  it("missing if, missing then, both missing", () => {
    expect(one({ then: { goto: "b" } })).toEqual([{ path: "when[0].if", message: "must be an object { path, op, value }" }]);
    expect(one({ if: { path: "output.a", op: "exists" } })).toEqual([
      { path: "when[0].then", message: "must be an object with one of goto, retry, skip, fail, complete" },
    ]);
    expect(one({})).toEqual([
      { path: "when[0].if", message: "must be an object { path, op, value }" },
      { path: "when[0].then", message: "must be an object with one of goto, retry, skip, fail, complete" },
    ]);
    expect(one({ if: "output.a == 1", then: "b" })).toEqual([
      { path: "when[0].if", message: "must be an object { path, op, value }" },
      { path: "when[0].then", message: "must be an object with one of goto, retry, skip, fail, complete" },
    ]);
  });

  it("an unknown or missing op", () => {
    expect(one(given({ path: "output.a", op: "contains", value: "x" }))).toEqual([
      { path: "when[0].if.op", message: 'must be one of eq, ne, gt, gte, lt, lte, in, exists, matches, got "contains"' },
    ]);
    const missing = one(given({ path: "output.a", value: 1 }));
    expect(missing).toEqual([{ path: "when[0].if.op", message: expect.stringContaining("must be one of eq, ne") }]);
  });

  it("a bad path: wrong root, empty segment, empty, not a string, missing", () => {
    const bad = (path: Json | undefined): Problem[] => one(given(path === undefined ? { op: "exists" } : { path, op: "exists" }));
    expect(bad("foo.x")).toEqual([
      { path: "when[0].if.path", message: 'must be a dotted path starting with output, input, context (e.g. output.approved), got "foo.x"' },
    ]);
    for (const p of ["output..x", "output.", ".output", "", "outputs.x", "Output.x", "constructor", "__proto__.x"]) {
      expect(bad(p), p).toEqual([{ path: "when[0].if.path", message: expect.stringContaining(`got ${JSON.stringify(p)}`) }]);
    }
    expect(bad(3)).toEqual([{ path: "when[0].if.path", message: expect.stringContaining("got 3") }]);
    expect(bad(undefined)).toEqual([{ path: "when[0].if.path", message: expect.stringContaining("must be a dotted path") }]);
  });

  it("a missing value (for every op but exists)", () => {
    for (const op of ["eq", "ne", "matches"] as const) {
      expect(one(given({ path: "output.a", op })), op).toContainEqual({ path: "when[0].if.value", message: `is required with op ${op}` });
    }
    // explicit null is a value
    expect(one(given({ path: "output.a", op: "eq", value: null }))).toEqual([]);
  });

  it("in without a list", () => {
    expect(one(given({ path: "output.a", op: "in", value: "x" }))).toEqual([{ path: "when[0].if.value", message: "must be a list with op in" }]);
    expect(one(given({ path: "output.a", op: "in", value: { a: 1 } }))).toEqual([{ path: "when[0].if.value", message: "must be a list with op in" }]);
    expect(one(given({ path: "output.a", op: "in" }))).toEqual([
      { path: "when[0].if.value", message: "is required with op in" },
      { path: "when[0].if.value", message: "must be a list with op in" },
    ]);
  });

  it("gt / gte / lt / lte with a boolean, null, list or object", () => {
    for (const op of ["gt", "gte", "lt", "lte"] as const) {
      for (const value of [true, null, [1], { n: 1 }] as Json[]) {
        expect(one(given({ path: "output.a", op, value })), `${op} ${JSON.stringify(value)}`).toEqual([
          { path: "when[0].if.value", message: `must be a number or a string with op ${op}` },
        ]);
      }
    }
    expect(one(given({ path: "output.a", op: "gt" }))).toEqual([
      { path: "when[0].if.value", message: "is required with op gt" },
      { path: "when[0].if.value", message: "must be a number or a string with op gt" },
    ]);
  });

  it("exists with a value that is not a boolean", () => {
    expect(one(given({ path: "output.a", op: "exists", value: "yes" }))).toEqual([
      { path: "when[0].if.value", message: "must be true or false with op exists" },
    ]);
    expect(one(given({ path: "output.a", op: "exists", value: 1 }))).toEqual([
      { path: "when[0].if.value", message: "must be true or false with op exists" },
    ]);
  });

  it("matches with an invalid, too long or non-string pattern", () => {
    expect(one(given({ path: "output.a", op: "matches", value: "(" }))).toEqual([
      { path: "when[0].if.value", message: expect.stringMatching(/^is not a valid regular expression: .*Unterminated group/) },
    ]);
    // patterns are compiled in unicode mode, where a needless escape is an error
    expect(one(given({ path: "output.a", op: "matches", value: "\\-" }))).toEqual([
      { path: "when[0].if.value", message: expect.stringContaining("is not a valid regular expression") },
    ]);
    const tooLong = { path: "when[0].if.value", message: "must be a regular expression of at most 200 characters" };
    expect(one(given({ path: "output.a", op: "matches", value: "a".repeat(201) }))).toEqual([tooLong]);
    expect(one(given({ path: "output.a", op: "matches", value: 5 }))).toEqual([tooLong]);
  });

  it("then with two keys, none, or an unknown one", () => {
    const c = { path: "output.a", op: "exists" };
    expect(one(given(c, { goto: "b", retry: true }))).toEqual([
      { path: "when[0].then", message: "must have exactly one of goto, retry, skip, fail, complete, got goto, retry" },
    ]);
    expect(one(given(c, {}))).toEqual([{ path: "when[0].then", message: "must have exactly one of goto, retry, skip, fail, complete, got none" }]);
    expect(one(given(c, { jump: "b" }))).toEqual([{ path: "when[0].then", message: "must have exactly one of goto, retry, skip, fail, complete, got jump" }]);
    expect(one(given(c, ["goto", "b"]))).toEqual([
      { path: "when[0].then", message: "must be an object with one of goto, retry, skip, fail, complete" },
    ]);
  });

  it("goto that is not a (non-empty) string", () => {
    const c = { path: "output.a", op: "exists" };
    for (const goto of [5, "", null, ["b"], true] as Json[]) {
      expect(one(given(c, { goto })), JSON.stringify(goto)).toEqual([{ path: "when[0].then.goto", message: "must be a step key" }]);
    }
  });

  it("skip that is empty or holds something other than keys", () => {
    const c = { path: "output.a", op: "exists" };
    for (const skip of [[], "", [""], [1], ["a", 2], null, { a: 1 }] as Json[]) {
      expect(one(given(c, { skip })), JSON.stringify(skip)).toEqual([
        { path: "when[0].then.skip", message: "must be a step key or a non-empty list of step keys" },
      ]);
    }
  });

  it("fail that is neither true, null nor a message", () => {
    const c = { path: "output.a", op: "exists" };
    for (const fail of [false, 0, ["x"], { m: "x" }] as Json[]) {
      expect(one(given(c, { fail })), JSON.stringify(fail)).toEqual([{ path: "when[0].then.fail", message: "must be true or a message" }]);
    }
  });

  it("retry and complete must be true", () => {
    const c = { path: "output.a", op: "exists" };
    for (const v of [false, null, "yes", 1] as Json[]) {
      expect(one(given(c, { retry: v })), `retry ${JSON.stringify(v)}`).toEqual([{ path: "when[0].then.retry", message: "must be true" }]);
      expect(one(given(c, { complete: v })), `complete ${JSON.stringify(v)}`).toEqual([{ path: "when[0].then.complete", message: "must be true" }]);
    }
  });

  it("reports every problem of several bad rules at once, in order, and refuses the list whole", () => {
    const { rules, problems } = norm(
      [
        given({ path: "output.ok", op: "eq", value: true }, { goto: "deploy" }), // good
        given({ path: "foo.x", op: "near", value: 1 }, { goto: 5 }),
        "oops",
        given({ path: "output..x", op: "gt", value: false }, { retry: true, complete: true }),
        given({ path: "input.x", op: "in" }, { fail: false }),
        given({ path: "context.x", op: "matches", value: "[" }, { skip: [] }),
        given({ path: "context.y", op: "exists" }, { skip: ["a", "a"] }), // good
      ],
      "steps[3].when",
    );
    expect(problems).toEqual([
      { path: "steps[3].when[1].if.path", message: expect.stringContaining('got "foo.x"') },
      { path: "steps[3].when[1].if.op", message: expect.stringContaining('got "near"') },
      { path: "steps[3].when[1].then.goto", message: "must be a step key" },
      { path: "steps[3].when[2]", message: "must be an object { if, then }" },
      { path: "steps[3].when[3].if.path", message: expect.stringContaining('got "output..x"') },
      { path: "steps[3].when[3].if.value", message: "must be a number or a string with op gt" },
      { path: "steps[3].when[3].then", message: expect.stringContaining("got retry, complete") },
      { path: "steps[3].when[4].if.value", message: "is required with op in" },
      { path: "steps[3].when[4].if.value", message: "must be a list with op in" },
      { path: "steps[3].when[4].then.fail", message: "must be true or a message" },
      { path: "steps[3].when[5].if.value", message: expect.stringContaining("is not a valid regular expression") },
      { path: "steps[3].when[5].then.skip", message: "must be a step key or a non-empty list of step keys" },
    ]);
    expect(rules).toBeNull();
  });

  it("appends to the problems already collected", () => {
    const problems: Problem[] = [{ path: "earlier", message: "x" }];
    normalizeRules([given({ path: "nope", op: "exists" })], "when", problems);
    expect(problems.map((p) => p.path)).toEqual(["earlier", "when[0].if.path"]);
  });
});
