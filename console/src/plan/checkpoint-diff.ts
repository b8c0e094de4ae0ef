/**
 * Checkpoints as the console shows them: what made each one, in words, and the gateway's
 * `checkpointDiff` (per step key and per context key, `{ from, to }`, null where absent) turned
 * into rows. Plain functions, no browser: test/console/checkpoint-diff.test.ts.
 */

export type CheckpointReason = "INITIAL" | "MANUAL" | "PAUSE" | "RESTORE" | "STEP";

/** What made a checkpoint, in words: "Step review finished", "Taken by hand: before review". */
export function checkpointCause(c: { reason: CheckpointReason; stepKey?: string | null; label?: string | null }): string {
  switch (c.reason) {
    case "INITIAL":
      return "Plan started";
    case "STEP":
      return c.stepKey ? `Step ${c.stepKey} finished` : "A step finished";
    case "PAUSE":
      return "Plan paused";
    case "RESTORE":
      return "Plan restored";
    case "MANUAL":
      return c.label ? `Taken by hand: ${c.label}` : "Taken by hand";
    default:
      return String(c.reason);
  }
}

/** A step at one checkpoint, as the diff gives it. */
export interface StepSide {
  state: string;
  output: unknown;
  attempts: number;
}

/** What changed for one step between the two checkpoints. */
export interface StepChange {
  key: string;
  from: StepSide | null;
  to: StepSide | null;
  /** "added" or "removed" when the step exists on one side only; else the fields that differ. */
  changes: ("added" | "removed" | "state" | "output" | "attempts")[];
}

/** What changed for one context key between the two checkpoints. */
export interface ContextChange {
  key: string;
  change: "added" | "removed" | "changed";
  from: unknown;
  to: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function side(v: unknown): StepSide | null {
  if (!isRecord(v)) return null;
  return { state: String(v["state"] ?? ""), output: v["output"] ?? null, attempts: Number(v["attempts"] ?? 0) };
}

/** The steps of a `checkpointDiff.steps`, by key, with what differs for each. */
export function stepChanges(steps: unknown): StepChange[] {
  if (!isRecord(steps)) return [];
  return Object.keys(steps)
    .sort()
    .map((key) => {
      const entry = steps[key];
      const from = side(isRecord(entry) ? entry["from"] : null);
      const to = side(isRecord(entry) ? entry["to"] : null);
      const changes: StepChange["changes"] = [];
      if (!from && to) changes.push("added");
      else if (from && !to) changes.push("removed");
      else if (from && to) {
        if (from.state !== to.state) changes.push("state");
        if (!same(from.output, to.output)) changes.push("output");
        if (from.attempts !== to.attempts) changes.push("attempts");
      }
      return { key, from, to, changes };
    });
}

/**
 * The keys of a `checkpointDiff.context`: added (absent at the earlier one), removed (absent at
 * the later one) or changed. A null value on a side reads as absent, as the gateway sends it.
 */
export function contextChanges(context: unknown): ContextChange[] {
  if (!isRecord(context)) return [];
  return Object.keys(context)
    .sort()
    .map((key) => {
      const entry = context[key];
      const from = isRecord(entry) ? (entry["from"] ?? null) : null;
      const to = isRecord(entry) ? (entry["to"] ?? null) : null;
      const change = from === null ? "added" : to === null ? "removed" : "changed";
      return { key, change, from, to };
    });
}

/**
 * Two selected checkpoints in time order (earlier first, by signal sequence), or null unless
 * exactly two are selected.
 */
export function orderedPair<T extends { id: string; sequence: number }>(selected: readonly string[], checkpoints: readonly T[]): [T, T] | null {
  if (selected.length !== 2) return null;
  const found = selected.map((id) => checkpoints.find((c) => c.id === id));
  const [a, b] = found;
  if (!a || !b) return null;
  return a.sequence <= b.sequence ? [a, b] : [b, a];
}

/** The selection after a checkbox is toggled: at most two, the oldest choice dropped first. */
export function toggleSelection(selected: readonly string[], id: string): string[] {
  if (selected.includes(id)) return selected.filter((s) => s !== id);
  return [...selected, id].slice(-2);
}
