/** PII patterns of builtin.merge run on RE2; Baton's own rules stay JavaScript RegExps, shown here to be linear. */
import { describe, expect, it } from "vitest";
import { builtinConfigProblems } from "../../src/domain/builtins.js";
import { masker, noPii } from "../../src/merge/pii.js";

const mergeProblems = (pii: unknown) => builtinConfigProblems("builtin.merge", { pii } as never, "steps[0]");

describe("custom PII patterns on RE2", () => {
  it("masks with (a+)+$ over 40 a's and a '!' in well under 100 ms", () => {
    expect(mergeProblems({ patterns: ["(a+)+$"] })).toEqual([]);
    const mask = masker({ patterns: ["(a+)+$"] });
    const counts = noPii();
    const t0 = performance.now();
    expect(mask("a".repeat(40) + "!", counts)).toBe("a".repeat(40) + "!");
    expect(mask("b".repeat(20_000) + "a".repeat(20_000) + "!", counts)).toHaveLength(40_001);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(mask("x aaaa", counts)).toBe("x ***");
    expect(counts.custom).toBe(1);
  });

  it("replaces every match (global), literally ($ in the text or the match is not expanded), and ignores empty matches", () => {
    const counts = noPii();
    expect(masker({ patterns: ["ID-\\d+"] })("ID-1, ID-22 and $& ID-333$1", counts)).toBe("***, *** and $& ***$1");
    expect(counts.custom).toBe(3);
    const empties = noPii();
    expect(masker({ patterns: ["b*"] })("abba", empties)).toBe("a***a"); // an unchecked pattern: its empty matches are left alone
    expect(empties.custom).toBe(1);
    expect(masker({ patterns: ["\\p{Lu}{3}"] })("code ÉTÉ", noPii())).toBe("code ***");
  });

  it("refuses backreferences and lookaround (RE2 syntax), empty matches, and too many or too long entries, with their paths", () => {
    const problems = mergeProblems({ patterns: ["(a)\\1", "(?=x)y", "a*", "ok"], names: ["n".repeat(201)] });
    expect(problems).toEqual([
      { path: "steps[0].config.pii.names[0]", message: "must be at most 200 characters, got 201" },
      { path: "steps[0].config.pii.patterns[0]", message: expect.stringContaining("uses a feature not supported (RE2 syntax") },
      { path: "steps[0].config.pii.patterns[1]", message: expect.stringContaining("uses a feature not supported (RE2 syntax") },
      { path: "steps[0].config.pii.patterns[2]", message: "must not match the empty string" },
    ]);
    expect(mergeProblems({ patterns: Array.from({ length: 101 }, (_, i) => `p${i}`) })).toEqual([{ path: "steps[0].config.pii.patterns", message: "must be a list of at most 100 strings" }]);
  });

  it("names are escaped: their regex characters are literal text", () => {
    const counts = noPii();
    expect(masker({ names: ["(a+)+$", "J.R. Smith"] })("by (a+)+$ and J.R.  Smith, not JxRx Smith", counts)).toBe("by *** and ***, not JxRx Smith");
    expect(counts.custom).toBe(2);
  });
});

describe("Baton's own PII rules are linear", () => {
  // Text built to make a backtracking engine work hard on each rule; 300 000 characters each.
  const N = 300_000;
  const fill = (unit: string): string => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
  it.each([
    ["plus and digits (phone)", fill(" +123456789012345678901234567890")],
    ["spaced digits (phone)", fill(" +1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8")],
    ["an email-like run", fill("a".repeat(50) + "@" + "b.".repeat(50) + "-")],
    ["one long local part", "a".repeat(N) + "!"],
    ["one long domain", "x@" + fill("a.") + "1"],
    ["digits", "1".repeat(N)],
    ["digit groups (cards)", fill("1234 ")],
    ["@ runs", fill("a@")],
    ["national ids", fill("AB 12 34 56 ")],
    ["a name then spaces", "John" + " ".repeat(N) + "x"],
  ])("%s: under 1 s", (_what, text) => {
    const mask = masker({ names: ["John Smith"] });
    const t0 = performance.now();
    mask(text, noPii());
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
