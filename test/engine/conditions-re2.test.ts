/** `matches` rules run on RE2 (src/domain/regex.ts): linear time whatever the pattern; what RE2 cannot run is refused up front. */
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/domain/errors.js";
import type { Json, RouteRule } from "../../src/domain/model.js";
import { conditionHolds, normalizeRules } from "../../src/engine/conditions.js";

const holds = (value: string, text: Json): boolean => conditionHolds({ path: "output.s", op: "matches", value } as RouteRule["if"], { output: { s: text }, input: null, context: null });
const problemsOf = (value: string): Problem[] => {
  const problems: Problem[] = [];
  normalizeRules([{ if: { path: "output.s", op: "matches", value }, then: { fail: true } }], "steps[0].when", problems);
  return problems;
};

describe("matches on RE2", () => {
  it("evaluates (a+)+$ over 40 a's and a '!' in well under 100 ms (a backtracking engine takes minutes)", () => {
    expect(problemsOf("(a+)+$")).toEqual([]);
    const t0 = performance.now();
    expect(holds("(a+)+$", "a".repeat(40) + "!")).toBe(false);
    expect(holds("(a|aa)+$", "a".repeat(5_000) + "!")).toBe(false);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(holds("(a+)+$", "a".repeat(40))).toBe(true);
  });

  it("keeps the JavaScript semantics that matter: unanchored, Unicode (code points, \\p{…}, \\u{…}), named groups, the empty pattern", () => {
    expect(holds("b", "abc")).toBe(true);
    expect(holds("^b", "abc")).toBe(false);
    expect(holds("^\\p{L}+$", "héllo")).toBe(true);
    expect(holds("^.$", "😀")).toBe(true);
    expect(holds("\\u{1F600}", "x😀")).toBe(true);
    expect(holds("\\u0041", "A")).toBe(true);
    expect(holds("(?<year>\\d{4})-\\d{2}", "on 2024-05")).toBe(true);
    expect(holds("", "anything")).toBe(true);
    expect(holds("x", 42 as Json)).toBe(false);
  });

  it.each([
    ["a backreference", "(a)\\1"],
    ["a named backreference", "(?<n>a)\\k<n>"],
    ["a lookahead", "a(?=b)"],
    ["a negative lookahead", "a(?!b)"],
    ["a lookbehind", "(?<=a)b"],
    ["a negative lookbehind", "(?<!a)b"],
  ])("refuses %s, naming the path and RE2", (_what, pattern) => {
    expect(problemsOf(pattern)).toEqual([{ path: "steps[0].when[0].if.value", message: expect.stringContaining("uses a feature not supported (RE2 syntax") }]);
  });

  it("still refuses invalid and over-long patterns as before", () => {
    expect(problemsOf("(")[0]!.message).toMatch(/^is not a valid regular expression/);
    expect(problemsOf("a".repeat(201))[0]!.message).toMatch(/at most 200 characters/);
  });

  it("a pattern stored before the RE2 check (one RE2 cannot compile) never matches and never throws", () => {
    expect(holds("(a)\\1", "aa")).toBe(false);
  });
});
