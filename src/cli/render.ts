/**
 * Text for the `baton plan` and `baton agents` commands: tables, progress bars, a plan's
 * details and a finished plan's summary, and the live view of `baton plan watch` (redrawn in
 * place on a terminal, one plain line per change otherwise). Pure formatting: no I/O but the
 * stream LiveView writes to.
 */
import type { CliAgentsQuery, CliPlanEvaluationQuery, CliPlanFieldsFragment, CliPlanQuery, CliPlansQuery } from "../client/generated/graphql.js";
import { isFinishedStepState } from "../domain/statuses.js";
import { formatMs } from "../insight/regression.js";

export type PlanStatus = CliPlanFieldsFragment;
export type PlanDetails = NonNullable<CliPlanQuery["plan"]>;
export type Evaluation = NonNullable<NonNullable<CliPlanEvaluationQuery["plan"]>["evaluation"]>;
type PlanRow = CliPlansQuery["plans"]["edges"][number]["node"];
type AgentRow = CliAgentsQuery["agents"][number];

/** Rows as columns padded to their widest cell, two spaces apart; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** An ISO time to the second: 2026-01-02T03:04:05Z. */
export const time = (iso: string | null | undefined): string => (iso ? iso.replace(/\.\d+Z$/, "Z") : "-");

export const percent = (fraction: number): string => `${Math.round(fraction * 100)}%`;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** [########------------] for done out of total, `width` cells. */
export function bar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** The plan's steps by key, in wave order; steps no wave names (none, normally) form a last wave. */
function wavesOf(plan: PlanStatus): PlanStatus["steps"][] {
  const byKey = new Map(plan.steps.map((s) => [s.key, s]));
  const waves = plan.waves.map((keys) => keys.flatMap((k) => byKey.get(k) ?? []));
  const placed = new Set(plan.waves.flat());
  const rest = plan.steps.filter((s) => !placed.has(s.key));
  return rest.length > 0 ? [...waves, rest] : waves;
}

/** The step states named after a wave's bar: what runs now, and what finished otherwise than well. */
const NOTED = ["RUNNING", "FAILED", "CANCELLED", "COMPENSATED"] as const;

/** One line per wave: `wave 1/3 [##########----------] 1/2  running: b` (and which failed, were cancelled or compensated). */
export function waveLines(plan: PlanStatus): string[] {
  const waves = wavesOf(plan);
  return waves.map((steps, i) => {
    const done = steps.filter((s) => isFinishedStepState(s.state)).length;
    const notes = NOTED.flatMap((state) => {
      const keys = steps.filter((s) => s.state === state).map((s) => s.key);
      return keys.length > 0 ? [`${state.toLowerCase()}: ${keys.join(", ")}`] : [];
    });
    return [`wave ${i + 1}/${waves.length} ${bar(done, steps.length)} ${done}/${steps.length}`, ...notes].join("  ");
  });
}

/** What `baton plan watch` shows while it follows a plan: a header, then the waves. */
export const watchLines = (plan: PlanStatus): string[] => [`plan ${plan.id} "${plan.name}": ${plan.state}`, ...waveLines(plan)];

/** From start to end, paused time left out when the evaluation says so; null if it never ran to an end. */
function durationMs(plan: PlanStatus, evaluation: Evaluation | null): number | null {
  if (evaluation?.durationMs != null) return evaluation.durationMs;
  return plan.startedAt && plan.finishedAt ? Date.parse(plan.finishedAt) - Date.parse(plan.startedAt) : null;
}

/** Attempts beyond the first of each visit: the evaluation's count when there is one. */
const retriesOf = (plan: PlanStatus, evaluation: Evaluation | null): number =>
  evaluation?.retries ?? plan.steps.reduce((n, s) => n + Math.max(0, s.attempts - Math.max(1, s.visits)), 0);

const describeError = (e: { message: string; type: string | null }): string => (e.type ? `${e.type}: ${e.message}` : e.message);

/** The final summary of `baton plan watch`. */
export function summary(plan: PlanStatus, evaluation: Evaluation | null): string {
  const count = (state: string): number => plan.steps.filter((s) => s.state === state).length;
  const ms = durationMs(plan, evaluation);
  const extra = (["CANCELLED", "COMPENSATED"] as const).filter((s) => count(s) > 0).map((s) => `, ${count(s)} ${s.toLowerCase()}`);
  const lines = [
    `${plan.state}${ms === null ? "" : ` in ${formatMs(ms)}`}`,
    `steps: ${count("SUCCEEDED")} succeeded, ${count("FAILED")} failed, ${count("SKIPPED")} skipped${extra.join("")} of ${plan.steps.length}; retries: ${retriesOf(plan, evaluation)}`,
  ];
  if (evaluation) lines.push(`evaluation: ${evaluation.grade} (score ${evaluation.score.toFixed(1)})`);
  if (plan.error) lines.push(`error: ${describeError(plan.error)}`);
  return lines.join("\n");
}

/** `baton plan get`: the plan, its steps wave by wave, its result or error. */
export function planDetails(plan: PlanDetails, evaluation: Evaluation | null): string {
  const ms = durationMs(plan, evaluation);
  const facts: string[][] = [
    ["plan", `${plan.id} "${plan.name}"`],
    ["state", `${plan.state} (version ${plan.version}, progress ${percent(plan.progress)})`],
    ...(plan.goal ? [["goal", plan.goal]] : []),
    ["created", time(plan.createdAt)],
    ["started", time(plan.startedAt)],
    ["finished", `${time(plan.finishedAt)}${ms === null ? "" : ` (${formatMs(ms)})`}`],
    ...(evaluation ? [["evaluation", `${evaluation.grade} (score ${evaluation.score.toFixed(1)}, retries ${evaluation.retries})`]] : []),
    ...(plan.error ? [["error", describeError(plan.error)]] : []),
  ];
  const steps = [
    ["WAVE", "STEP", "ROLE", "STATE", "ATTEMPTS", "AGENT", "ERROR"],
    ...wavesOf(plan).flatMap((wave, i) =>
      wave.map((s) => [String(i + 1), s.key, s.role, s.state, String(s.attempts), s.agent?.name ?? "-", s.error ? clip(describeError(s.error), 60) : ""]),
    ),
  ];
  const out = [table(facts.map(([k, v]) => [k!.padEnd(10), v!])), "", table(steps)];
  if (plan.result !== null && plan.result !== undefined) out.push("", "result:", JSON.stringify(plan.result, null, 2));
  return out.join("\n");
}

export function planTable(plans: readonly PlanRow[]): string {
  return table([["ID", "NAME", "STATE", "PROGRESS", "CREATED"], ...plans.map((p) => [p.id, clip(p.name, 40), p.state, percent(p.progress), time(p.createdAt)])]);
}

export function agentTable(agents: readonly AgentRow[]): string {
  return table([
    ["ID", "NAME", "ROLES", "STATUS", "LEASES", "LAST SEEN"],
    ...agents.map((a) => [a.id, a.name, clip(a.roles.join(","), 50), a.status, String(a.activeLeases), time(a.lastSeenAt)]),
  ]);
}

/**
 * Lines that change over time. On a terminal they are redrawn in place (the cursor goes back up
 * over the previous drawing, which is cleared); elsewhere (a pipe, a file, a test) each line that
 * changed is printed once, so the output is a plain log of the changes.
 */
export class LiveView {
  private drawn = 0;
  private previous: readonly string[] = [];

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number },
    private readonly tty = out.isTTY === true,
  ) {}

  update(lines: readonly string[]): void {
    if (lines.length === this.previous.length && lines.every((l, i) => l === this.previous[i])) return;
    if (this.tty) {
      // The cursor can only go back over what is still on the screen: lines are clipped to the
      // width (a wrapped line would throw the count off) and the drawing to the height.
      const width = Math.max(20, (this.out.columns || 80) - 1);
      const height = Math.max(3, (this.out.rows || 24) - 1);
      const shown = lines.length > height ? [...lines.slice(0, height - 1), `… ${lines.length - height + 1} more`] : lines;
      const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : "";
      this.out.write(`${up}${shown.map((l) => clip(l, width)).join("\n")}\n`);
      this.drawn = shown.length;
    } else {
      const changed = lines.filter((l, i) => this.previous[i] !== l);
      if (changed.length > 0) this.out.write(`${changed.join("\n")}\n`);
    }
    this.previous = lines;
  }
}
