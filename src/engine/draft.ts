import type { Json, PlanAggregate, PlanModel, StepError, StepModel } from "../domain/model.js";
import type { SignalKind } from "../domain/statuses.js";
import type { EngineCommand } from "./commands.js";
import { heldSteps, type Held } from "./routes.js";

/** The step fields the routing graph (held steps) is derived from. */
const ROUTE_FIELDS = new Set<string>(["key", "dependsOn", "onSuccess", "onFailure", "compensate", "when"]);

/**
 * A copy-on-write working copy of a plan aggregate for one decision. Patching a step
 * replaces that step object, so the store can save only the steps whose identity changed.
 */
export class Draft {
  plan: PlanModel;
  steps: StepModel[];
  readonly commands: EngineCommand[] = [];
  private index: Map<string, number>;
  private bumped = false;
  /** Which steps are held, derived from the specs: reused across decisions until a route field changes. */
  private heldCache: Held | undefined;

  constructor(
    readonly base: PlanAggregate,
    readonly now: number,
  ) {
    this.plan = base.plan;
    this.steps = [...base.steps];
    this.index = indexOf(base.steps);
    this.heldCache = helds.get(base.steps);
  }

  /** Which steps wait for a transition or a compensation (see routes.ts heldSteps). */
  held(): Held {
    return (this.heldCache ??= heldSteps(this.steps));
  }

  step(key: string): StepModel | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.steps[i];
  }

  /** Replaces a step with a patched copy; `bump: false` for telemetry (progress) that is not a state change. */
  patchStep(key: string, patch: Partial<StepModel>, { bump = true } = {}): StepModel {
    const i = this.index.get(key);
    if (i === undefined) throw new Error(`engine invariant: no step ${key}`);
    const next = { ...this.steps[i]!, ...patch };
    this.steps[i] = next;
    if (this.heldCache) for (const k in patch) if (ROUTE_FIELDS.has(k)) this.heldCache = undefined;
    if (bump) this.bump();
    return next;
  }

  /**
   * Replaces the list of steps (structural edits: add, remove, reorder). Positions are set
   * from the new order; steps whose position moved are new objects, so they are saved.
   */
  restructure(steps: StepModel[]): void {
    this.steps = steps.map((s, i) => (s.position === i ? s : { ...s, position: i }));
    this.index = new Map(this.steps.map((s, i) => [s.key, i] as const));
    this.heldCache = undefined;
    this.bump();
  }

  patchPlan(patch: Partial<PlanModel>): void {
    this.plan = { ...this.plan, ...patch };
    this.bump();
  }

  /** The plan version rises once per decision that changes state. */
  private bump(): void {
    if (this.bumped) return;
    this.bumped = true;
    this.plan = { ...this.plan, version: this.plan.version + 1 };
  }

  emit(kind: SignalKind, stepKey: string | null = null, payload: Json | null = null, agentId: string | null = null): void {
    this.commands.push({ type: "EmitSignal", kind, stepKey, agentId, payload });
  }

  command(c: EngineCommand): void {
    this.commands.push(c);
  }

  running(): number {
    let n = 0;
    for (const s of this.steps) if (s.state === "RUNNING") n++;
    return n;
  }

  result(): PlanAggregate {
    indexes.set(this.steps, this.index); // patches keep positions: the next decision reuses it
    if (this.heldCache) helds.set(this.steps, this.heldCache);
    return { plan: this.plan, steps: this.steps };
  }
}

/** Key → position of a steps array, built once per array (aggregates are immutable). */
const indexes = new WeakMap<readonly StepModel[], Map<string, number>>();
const helds = new WeakMap<readonly StepModel[], Held>();
function indexOf(steps: readonly StepModel[]): Map<string, number> {
  let index = indexes.get(steps);
  if (!index) indexes.set(steps, (index = new Map(steps.map((s, i) => [s.key, i] as const))));
  return index;
}

export const errorJson = (e: StepError): Json => ({
  message: e.message,
  type: e.type,
  retryable: e.retryable,
  details: e.details,
});
