/**
 * Plans: creating one (inline steps or a template, prefetches, a delayed start, idempotency
 * keys) and starting it. Plans created in the same moment share one transaction of the runner
 * (./runner.ts; group commit); starting is one transaction. Cancelling, pausing and the other
 * operator changes are interventions (./control.ts).
 */
import { badInput, conflict, problemsOf, type CodedProblem } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import { newStep, type ExecutionPolicy, type Json, type PlanAggregate, type PlanModel, type StepSpec } from "../domain/model.js";
import type { Priority } from "../domain/statuses.js";
import type { EngineEvent } from "../engine/events.js";
import { checkPlanSteps } from "../engine/validate.js";
import type { Store } from "../store/store.js";
import { atStepsPath, type PlanSource, type Templates } from "../templates/templates.js";
import { Batcher } from "./batcher.js";
import type { Clock } from "./clock.js";
import { dispatch } from "./decisions.js";
import { withPrefetch } from "./prefetch.js";
import { createPlanRequestHash, planRequestProblems, type CreatePlanRequest } from "./requests.js";
import type { TransactionRunner } from "./runner.js";
import type { Tx } from "./tx.js";

export interface PlanDeps {
  runner: TransactionRunner;
  /** For reads outside a transaction (a retried idempotency key). */
  store: Store;
  clock: Clock;
  templates: Templates;
}

/** A createPlan request checked: the plan its idempotency key made, or the new plan's parts. */
type Checked =
  | { existing: PlanModel }
  | { existing: null; source: PlanSource; steps: StepSpec[]; policy: ExecutionPolicy; priority: Priority; requestHash: string | null };

export class Plans {
  constructor(private readonly deps: PlanDeps) {}

  async create(req: CreatePlanRequest, actor: string): Promise<PlanModel> {
    const checked = await this.check(req);
    if (checked.existing) return checked.existing;
    const { source, steps, policy, priority, requestHash } = checked;
    const now = this.deps.clock.now();
    const aggregate: PlanAggregate = {
      plan: {
        id: newId("plan"),
        name: req.name,
        goal: req.goal ?? null,
        state: "IDLE",
        version: 1,
        priority,
        labels: [...new Set(req.labels ?? [])],
        input: req.input ?? null,
        policy,
        result: null,
        error: null,
        idempotencyKey: req.idempotencyKey ?? null,
        createdAt: now,
        startedAt: null,
        finishedAt: null,
        pausedAt: null,
        forkedFrom: null,
        lastClaimedAt: null,
        templateId: source.templateId,
      },
      steps: steps.map((s, i) => newStep(s, i)),
    };
    return await this.creations.add({ aggregate, req, requestHash, now, actor });
  }

  /** Plans created in one turn of the event loop commit together (./batcher.ts). */
  private readonly creations = new Batcher<Creation, PlanModel>((cs) => this.insertAll(cs));

  /**
   * Inserts a group of new plans in one transaction. If one of them fails (an idempotency key
   * taken meanwhile by another request), the group is undone and each plan is inserted in its own
   * transaction, so that the failure reaches its caller alone, as without grouping.
   */
  private async insertAll(cs: readonly Creation[]): Promise<(PlanModel | Error)[]> {
    if (cs.length > 1) {
      try {
        return await this.deps.runner.transact(async (tx) => {
          const made: PlanModel[] = [];
          for (const c of cs) made.push(await insert(tx, c));
          return made;
        });
      } catch {
        // one at a time below
      }
    }
    const results: (PlanModel | Error)[] = [];
    for (const c of cs) results.push(await this.deps.runner.transact((tx) => insert(tx, c)).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    return results;
  }

  /**
   * createPlan's checks, nothing written: the problems it would refuse the request for, each with
   * its code (none when it would make the plan, or return the one its idempotency key made).
   */
  async validate(req: CreatePlanRequest): Promise<CodedProblem[]> {
    try {
      await this.check(req);
      return [];
    } catch (e) {
      const problems = problemsOf(e);
      if (!problems) throw e;
      return problems;
    }
  }

  /**
   * Every check of createPlan, reading only: the plan a retried idempotency key made, or what the
   * new plan is made of. A refusal is thrown: CONFLICT (the key used for another request),
   * NOT_FOUND (an unknown template), BAD_USER_INPUT listing every problem of the request.
   */
  private async check(req: CreatePlanRequest): Promise<Checked> {
    const requestHash = req.idempotencyKey ? createPlanRequestHash(req) : null;
    const existing = await madeBefore(this.deps.store.queries.plans, req.idempotencyKey, requestHash);
    if (existing) return { existing };
    const source = await this.deps.templates.source(req);
    const priority = req.priority ?? "NORMAL";
    const drafts = source.steps.map((d) => (d.priority ? d : { ...d, priority }));
    const { steps, policy, problems } = withPrefetch(checkPlanSteps(drafts, source.policy), req.prefetch, priority);
    if (req.delayMs != null && !(Number.isInteger(req.delayMs) && req.delayMs >= 0)) problems.push({ path: "delayMs", message: `must be a whole number ≥ 0, got ${req.delayMs}` });
    problems.unshift(...planRequestProblems(req)); // name, goal, labels, keys: empty or too long
    if (problems.length > 0) throw badInput(atStepsPath(problems, source.stepsPath));
    return { existing: null, source, steps, policy, priority, requestHash };
  }

  async start(id: string, actor: string): Promise<PlanModel> {
    return await this.deps.runner.transact(async (tx) => (await dispatch(tx, id, { type: "PlanStarted" }, actor)).aggregate.plan);
  }
}

/** A checked createPlan request, ready to insert. */
interface Creation {
  aggregate: PlanAggregate;
  req: CreatePlanRequest;
  requestHash: string | null;
  now: number;
  actor: string;
}

/** Writes a new plan and starts it (now, or by a durable timer at runAt / after delayMs). */
async function insert(tx: Tx, { aggregate, req, requestHash, now, actor }: Creation): Promise<PlanModel> {
  // The same key in a request that came meanwhile (this group's, or committed since the check).
  const existing = await madeBefore(tx.store.plans, req.idempotencyKey, requestHash);
  if (existing) return existing;
  await tx.store.plans.insert(aggregate);
  tx.loadedAs(aggregate);
  if (requestHash) await tx.store.plans.setIdempotencyHash(aggregate.plan.id, requestHash);
  const startsAt = Math.max(req.runAt instanceof Date ? req.runAt.getTime() : (req.runAt ?? 0), req.delayMs ? now + req.delayMs : 0);
  const payload: Json = startsAt > now ? { name: req.name, startsAt } : { name: req.name };
  tx.emit({ kind: "PLAN_CREATED", planId: aggregate.plan.id, sender: actor, payload });
  if (req.start === false) return aggregate.plan;
  // Not started before runAt / delayMs: a durable timer starts it (startPlan may still start it earlier).
  const first: EngineEvent = startsAt > now ? { type: "PlanStartScheduled", at: startsAt } : { type: "PlanStarted" };
  return (await dispatch(tx, aggregate.plan.id, first, actor)).aggregate.plan;
}

/**
 * The plan an idempotency key made, if any: the same key with the same request is a retry,
 * answered with the first plan, written once. With another request it is a mistake that would
 * silently drop the new plan: CONFLICT.
 */
async function madeBefore(
  plans: { findIdempotent(key: string): Promise<{ plan: PlanModel; requestHash: string | null } | null> },
  key: string | null | undefined,
  requestHash: string | null,
): Promise<PlanModel | null> {
  if (!key) return null;
  const existing = await plans.findIdempotent(key);
  if (!existing) return null;
  if (existing.requestHash !== null && existing.requestHash !== requestHash) {
    throw conflict(`idempotencyKey ${JSON.stringify(key)} was used for plan ${existing.plan.id} with a different request`, { planId: existing.plan.id, idempotencyKey: key });
  }
  return existing.plan;
}
