import { describe, expect, it } from "vitest";
import { builtinConfigProblems, MAX_PII_PATTERN_LENGTH } from "../../src/domain/builtins.js";
import type { Json } from "../../src/domain/model.js";
import { mergeOutputs } from "../../src/merge/merge.js";
import { noPii } from "../../src/merge/pii.js";

const merge = (outputs: Record<string, Json>, pii = {}) => mergeOutputs(Object.entries(outputs).map(([key, output]) => ({ key, output })), pii);
const section = (title: string, body = `${title} body`) => ({ title, body });

describe("mergeOutputs", () => {
  it("an empty merge: ok, nothing merged, a warning", () => {
    expect(mergeOutputs([])).toEqual({
      ok: true,
      sections: [],
      citations: [],
      freshness: {},
      warnings: ["nothing to merge: the step has no dependencies"],
      pii: noPii(),
      inputs: [],
    });
  });

  it("orders the canonical sections first (any case, trimmed), then the others by title and body", () => {
    const r = merge({
      a: { sections: [section("zeta"), section("  WARNINGS "), section("Alpha", "second"), section("Evidence")] },
      b: { sections: [section("Key findings"), section("alpha", "first"), section("Citations"), section("Beta")] },
      c: { sections: [section("Reproducibility"), section("executive summary"), section("Évolution")] },
    });
    expect(r.sections.map((s) => `${s.title}|${s.body}`)).toEqual([
      "executive summary|executive summary body",
      "Key findings|Key findings body",
      "Evidence|Evidence body",
      "Citations|Citations body",
      "Reproducibility|Reproducibility body",
      "  WARNINGS |  WARNINGS  body",
      "alpha|first",
      "Alpha|second",
      "Beta|Beta body",
      "zeta|zeta body",
      "Évolution|Évolution body",
    ]);
  });

  it("merges sections with the same title and the same first 40 characters of body (normalized), keeping the smallest body and all sources", () => {
    const start = "The market grew   strongly in the third quarter";
    const r = merge({
      c: { sections: [{ title: "Key Findings", body: `${start}, led by exports.` }] },
      a: { sections: [{ title: " key  findings", body: `  ${start.toUpperCase()} and more.` }] },
      b: { sections: [{ title: "Key Findings", body: "Something else entirely." }, { title: "Other", body: start }] },
    });
    expect(r.sections).toEqual([
      { title: " key  findings", body: `  ${start.toUpperCase()} and more.`, sources: ["a", "c"] },
      { title: "Key Findings", body: "Something else entirely.", sources: ["b"] },
      { title: "Other", body: start, sources: ["b"] },
    ]);
  });

  it("compares exactly the first 40 characters of the normalized body", () => {
    const x39 = "x".repeat(39);
    const r = merge({
      a: { sections: [{ title: "T", body: `${x39}a and a tail` }, { title: "T", body: `\n ${"y \t ".repeat(20)}one` }] },
      b: { sections: [{ title: "T", body: `${x39.toUpperCase()}A, another tail` }, { title: "T", body: `${"Y ".repeat(20)}two` }] },
      c: { sections: [{ title: "T", body: `${x39}b` }, { title: "T", body: `${"y ".repeat(19)}yy` }] },
    });
    expect(r.sections.map((s) => [s.body.slice(0, 3), s.sources.join()])).toEqual([["\n y", "a,b"], ["XXX", "a,b"], ["xxx", "c"], ["y y", "c"]]);
  });

  it("de-duplicates citations by (queryId, datasetId), sorted, with fields chosen by rule and sources unioned", () => {
    const r = merge({
      b: { citations: [{ queryId: "q2", datasetId: "d1", title: "Zed", url: "https://b", timestamp: "2024-01-02T00:00:00Z" }, { queryId: "q1", datasetId: "d2" }] },
      a: { citations: [{ queryId: "q2", datasetId: "d1", title: "Alpha", timestamp: "2024-03-01" }, { queryId: "q1", datasetId: "d1", url: "https://a" }] },
    });
    expect(r.citations).toEqual([
      { queryId: "q1", datasetId: "d1", title: null, url: "https://a", timestamp: null, sources: ["a"] },
      { queryId: "q1", datasetId: "d2", title: null, url: null, timestamp: null, sources: ["b"] },
      { queryId: "q2", datasetId: "d1", title: "Alpha", url: "https://b", timestamp: "2024-03-01", sources: ["a", "b"] },
    ]);
  });

  it("keeps the latest freshness per source, compared as instants", () => {
    const r = merge({
      a: { freshness: { web: "2024-05-01T10:00:00Z", db: "2024-01-01T00:00:00Z" } },
      b: { freshness: { web: "2024-05-01T12:00:00+03:00", db: "2024-06-01" } },
      c: { freshness: { web: "2024-05-01T08:00:00.000Z", api: "2023-12-31T23:59:59Z" } },
    });
    expect(r.freshness).toEqual({ api: "2023-12-31T23:59:59Z", db: "2024-06-01", web: "2024-05-01T10:00:00Z" });
    expect(Object.keys(r.freshness)).toEqual(["api", "db", "web"]);
  });

  it("collects warnings de-duplicated and sorted, with its own for malformed parts, which it skips", () => {
    const r = merge({
      a: { warnings: ["stale data", "partial results", 7], sections: [{ title: "" }, section("Ok")], citations: [{ queryId: 1 }], freshness: { web: "yesterday", db: "2024-01-01T10:00:00" } },
      b: { warnings: ["stale data"], sections: "nope", citations: [{ queryId: "q", datasetId: "d", title: 5, timestamp: "May 1" }], freshness: [] },
      c: "not a report",
      d: null,
    });
    expect(r.warnings).toEqual([
      "dependency a: citations[0] skipped: needs queryId and datasetId, both strings",
      "dependency a: freshness.db skipped: not an ISO timestamp",
      "dependency a: freshness.web skipped: not an ISO timestamp",
      "dependency a: sections[0] skipped: needs a non-empty title and a body, both strings",
      "dependency a: warnings[2] skipped: not a string",
      "dependency b: citations[0].timestamp ignored: not an ISO timestamp",
      "dependency b: citations[0].title ignored: not a string",
      "dependency b: freshness skipped: not an object",
      "dependency b: sections skipped: not a list",
      "dependency c output is not an object",
      "dependency d output is not an object",
      "partial results",
      "stale data",
    ]);
    expect(r.sections).toEqual([{ title: "Ok", body: "Ok body", sources: ["a"] }]);
    expect(r.citations).toEqual([{ queryId: "q", datasetId: "d", title: null, url: null, timestamp: null, sources: ["b"] }]);
    expect(r.inputs).toEqual(["a", "b", "c", "d"]);
  });

  it("is ok when every input is an object whose ok is true or missing", () => {
    expect(merge({ a: { ok: true }, b: {} }).ok).toBe(true);
    expect(merge({ a: { ok: true }, b: { ok: false } }).ok).toBe(false);
    expect(merge({ a: { ok: true }, b: [] }).ok).toBe(false);
    const odd = merge({ a: { ok: "yes" } });
    expect(odd.ok).toBe(false);
    expect(odd.warnings).toEqual(["dependency a: ok is not a boolean: counted as not ok"]);
  });

  it("masks PII in section titles and bodies and in citation titles, after merging, and counts it", () => {
    const r = merge(
      {
        a: {
          sections: [{ title: "Contact jane@example.com", body: "Call 555-123-4567 or write to jane@example.com." }],
          citations: [{ queryId: "q", datasetId: "d", title: "Card 4111 1111 1111 1111 of Jane Doe", url: "https://x/jane@example.com" }],
          warnings: ["jane@example.com is unmasked here"],
        },
        b: { sections: [{ title: "Contact jane@example.com", body: "Call 555-123-4567 or write to jane@example.com." }, section("SSN", "123-45-6789")] },
      },
      { names: ["Jane Doe"] },
    );
    expect(r.sections).toEqual([
      { title: "Contact ***", body: "Call *** or write to ***.", sources: ["a", "b"] },
      { title: "SSN", body: "***", sources: ["b"] },
    ]);
    expect(r.citations[0]).toMatchObject({ title: "Card *** of ***", url: "https://x/jane@example.com" });
    expect(r.pii).toEqual({ email: 2, phone: 1, nationalId: 1, card: 1, custom: 1 });
    expect(r.warnings).toEqual(["jane@example.com is unmasked here"]);
  });
});

describe("builtin.merge config", () => {
  const problems = (config: Json) => builtinConfigProblems("builtin.merge", config, "steps[2]");

  it("accepts no config, no pii, and valid names and patterns", () => {
    expect(problems(null)).toEqual([]);
    expect(problems({})).toEqual([]);
    expect(problems({ pii: { names: ["Jane Doe"], patterns: ["ACME-\\d{4}"] } })).toEqual([]);
  });

  it("reports every problem with config.pii at its path", () => {
    expect(problems({ pii: [] })).toEqual([{ path: "steps[2].config.pii", message: expect.stringMatching(/must be an object/) }]);
    expect(problems({ pii: { names: "Jane", patterns: ["ok", "(", "", "a*", "x".repeat(MAX_PII_PATTERN_LENGTH + 1), 3] } }).map((p) => p.path)).toEqual([
      "steps[2].config.pii.names",
      "steps[2].config.pii.patterns[1]",
      "steps[2].config.pii.patterns[2]",
      "steps[2].config.pii.patterns[3]",
      "steps[2].config.pii.patterns[4]",
      "steps[2].config.pii.patterns[5]",
    ]);
    expect(problems({ pii: { names: ["ok", " ", 1] } }).map((p) => p.path)).toEqual(["steps[2].config.pii.names[1]", "steps[2].config.pii.names[2]"]);
  });
});
