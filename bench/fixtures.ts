import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StepDraft } from "../src/engine/validate.js";

/** A new database file in a new folder under `dir` (the system's temporary folder by default). */
export const tempDbFile = (dir = tmpdir()): string => join(mkdtempSync(join(dir, "baton-bench-")), "baton.db");

/** A memory-backed folder (tmpfs) where the system has one, else null. */
export const memoryDir = (): string | null => (existsSync("/dev/shm") ? "/dev/shm" : null);

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
