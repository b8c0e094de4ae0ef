/**
 * Scenario 8: the builtin.merge report (src/merge), in process: 50 dependency outputs of 20
 * sections each (bodies of about 500 characters, some with PII, a quarter of them duplicated
 * across inputs), 10 citations and 5 freshness entries each, merged again and again.
 */
import type { Json } from "../src/domain/model.js";
import { mergeOutputs, type MergeInput } from "../src/merge/merge.js";
import { summary } from "./stats.js";

const CANONICAL = ["Executive Summary", "Key Findings", "Evidence", "Citations", "Reproducibility"];
const SENTENCES = [
  "Quarterly revenue grew 12.5% to $1,234,567.89 against the 2023 baseline of $1,097,393.68.",
  "The model (v2.9.1) was re-run on 2024-05-01T10:30:00Z with 3 seeds and 42 parameter sets.",
  "Churn fell from 4.2% to 3.1% in the enterprise segment, while SMB churn held steady at 6%.",
  "Order 1234567890123456 and order #98765432 were excluded as duplicates of earlier entries.",
  "Latency p99 improved from 180 ms to 95 ms after the cache change shipped in release 10.4.",
  "Survey responses (n = 1,200) rank onboarding as the main friction point for new accounts.",
];
const PII = [
  " Contact the analyst at jane.doe@example.com or +44 20 7946 0958 for the raw extracts.",
  " The refund went to card 4111 1111 1111 1111; the customer's SSN 123-45-6789 is on file.",
  " Escalations go to (555) 123-4567, owner Jane Doe.",
];

/** About 500 characters: five sentences chosen by `seed`, and PII in one body of three. */
function body(seed: number): string {
  const parts = Array.from({ length: 5 }, (_, i) => SENTENCES[(seed + i * 7) % SENTENCES.length]!);
  return `Finding ${seed}: ${parts.join(" ")}${seed % 3 === 0 ? PII[(seed / 3) % PII.length]! : ""}`;
}

export function mergeInputs(inputs = 50, sections = 20): MergeInput[] {
  return Array.from({ length: inputs }, (_, i) => {
    const output: Json = {
      ok: i % 17 !== 0,
      sections: Array.from({ length: sections }, (_, j) =>
        j % 4 === 0 // shared by every input: merged into one section with 50 sources
          ? { title: CANONICAL[(j / 4) % CANONICAL.length]!, body: body(j) }
          : { title: `Topic ${(i * sections + j) % 97}`, body: body(i * sections + j) },
      ),
      citations: Array.from({ length: 10 }, (_, k) => ({
        queryId: `q${(i + k) % 40}`,
        datasetId: `d${k % 5}`,
        title: `Dataset ${k} by Jane Doe`,
        timestamp: new Date(Date.UTC(2024, 0, 1 + ((i * 10 + k) % 300))).toISOString(),
      })),
      freshness: Object.fromEntries(Array.from({ length: 5 }, (_, k) => [`source${k}`, new Date(Date.UTC(2024, 0, 1 + ((i + k) % 200))).toISOString()])),
      warnings: [`input ${i % 10} partial`],
    };
    return { key: `step${String(i).padStart(2, "0")}`, output };
  });
}

/** Times `runs` merges of the same inputs (after a few to warm up). */
export function mergeLatency(runs = 50): { p50: number; p99: number; n: number; sectionsPerSecond: number; merged: number } {
  const inputs = mergeInputs();
  const sections = inputs.reduce((n, i) => n + ((i.output as { sections: Json[] }).sections.length), 0);
  const pii = { names: ["Jane Doe"] };
  for (let i = 0; i < 5; i++) mergeOutputs(inputs, pii);
  const samples: number[] = [];
  let merged = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    merged = mergeOutputs(inputs, pii).sections.length;
    samples.push(performance.now() - t0);
  }
  const total = samples.reduce((a, b) => a + b, 0) / 1000;
  return { ...summary(samples), sectionsPerSecond: (sections * runs) / total, merged };
}
