import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StepDraft } from "../src/engine/validate.js";

export const tempDbFile = (): string => join(mkdtempSync(join(tmpdir(), "baton-bench-")), "baton.db");

/**
 * A plan of `waves` × `width` steps: each step depends on the step in its lane and on the
 * first step of the previous wave, so waves run one after another and in parallel inside.
 */
export function waveSteps(role: string, waves: number, width: number): StepDraft[] {
  const steps: StepDraft[] = [];
  for (let w = 0; w < waves; w++) {
    for (let i = 0; i < width; i++) {
      const deps = w === 0 ? [] : [...new Set([`s${w - 1}_${i}`, `s${w - 1}_0`])];
      steps.push({ key: `s${w}_${i}`, role, dependsOn: deps });
    }
  }
  return steps;
}
