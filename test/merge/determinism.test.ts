import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/domain/model.js";
import { mergeOutputs, type MergeInput } from "../../src/merge/merge.js";

// Small pools, so that generated inputs share titles, bodies, citations and sources.
const titles = fc.constantFrom("Executive Summary", " key findings", "EVIDENCE", "Citations", "Warnings", "Alpha", "alpha", "Beta", "Zoë", "Contact");
const bodies = fc.oneof(
  fc.constantFrom(
    "Revenue grew 12.5% in 2024 to $1,234.56 per user, see v2.9.1 notes.",
    "revenue  grew 12.5% in 2024 to $1,234.56 per user — a different ending.",
    "Call 555-123-4567 or mail jane@example.com; card 4111 1111 1111 1111.",
    "SSN 123-45-6789 belongs to Jane Doe.",
    "",
  ),
  fc.string({ maxLength: 60 }),
);
const instant = fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2026-01-01T00:00:00Z"), noInvalidDate: true });
const timestamp = fc.oneof(
  instant.map((d) => d.toISOString()),
  instant.map((d) => d.toISOString().replace(".000Z", "Z")), // the same instant written differently
  fc.constantFrom("2024-05-01", "2024-05-01T03:00:00+03:00", "not a date"),
);
const junk: fc.Arbitrary<Json> = fc.jsonValue() as fc.Arbitrary<Json>;

const report: fc.Arbitrary<Json> = fc.record(
  {
    ok: fc.oneof(fc.boolean(), fc.constant("yes")),
    sections: fc.array(fc.oneof({ weight: 5, arbitrary: fc.record({ title: titles, body: bodies }) }, { weight: 1, arbitrary: junk }), { maxLength: 6 }),
    citations: fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ queryId: fc.constantFrom("q1", "q2"), datasetId: fc.constantFrom("d1", "d2"), title: titles, url: fc.constantFrom("https://a", "https://b"), timestamp }, { requiredKeys: ["queryId", "datasetId"] }) },
        { weight: 1, arbitrary: junk },
      ),
      { maxLength: 4 },
    ),
    freshness: fc.dictionary(fc.constantFrom("web", "db", "api", "__proto__"), timestamp, { maxKeys: 3 }),
    warnings: fc.array(fc.oneof(fc.constantFrom("stale", "partial", "Stale"), junk), { maxLength: 3 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Json>;

const inputs: fc.Arbitrary<MergeInput[]> = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/), { maxLength: 8 })
  .chain((keys) => fc.tuple(...keys.map((key) => fc.oneof({ weight: 6, arbitrary: report }, { weight: 1, arbitrary: junk }).map((output) => ({ key, output })))));

const pii = { names: ["Jane Doe"], patterns: ["Zo\\u00eb"] };

describe("mergeOutputs is deterministic", () => {
  it("gives byte-identical output for the same inputs in any order", () => {
    fc.assert(
      fc.property(
        inputs.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))),
        ([given, shuffled]) => {
          expect(JSON.stringify(mergeOutputs(shuffled, pii))).toBe(JSON.stringify(mergeOutputs(given, pii)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("lists every section and citation with the sorted keys of the inputs that gave it", () => {
    fc.assert(
      fc.property(inputs, (xs) => {
        const r = mergeOutputs(xs, pii);
        for (const { sources } of [...r.sections, ...r.citations]) {
          expect(sources.length).toBeGreaterThan(0);
          expect(sources).toEqual([...sources].sort());
          for (const s of sources) expect(r.inputs).toContain(s);
        }
      }),
      { numRuns: 200 },
    );
  });
});
