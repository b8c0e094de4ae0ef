/**
 * Builders for engine scripts: plan aggregates made by hand (no store), and a runner that
 * feeds events to the real `decide()` and keeps the decisions, so that a test reads as
 * "given these events, expect these commands and states".
 */
import { expect } from "vitest";
import {
  DEFAULT_POLICY,
  DEFAULT_RETRY,
  newStep,
  type ExecutionPolicy,
  type Json,
  type PlanAggregate,
  type PlanModel,
  type RetryPolicy,
  type SignalModel,
  type StepError,
  type StepModel,
  type StepSpec,
} from "../../src/domain/model.js";
import type { PlanState, Priority, SignalKind, StepState } from "../../src/domain/statuses.js";
import type { EngineCommand } from "../../src/engine/commands.js";
import { decide, type Decision, type Rejection } from "../../src/engine/decide.js";
import type { EngineEvent } from "../../src/engine/events.js";

/** The epoch every script starts at. */
export const T0 = Date.UTC(2026, 0, 1);

/** A signal to append (a CUSTOM one at T0 unless told). */
export const signal = (over: Partial<SignalModel> = {}): Omit<SignalModel, "sequence"> => ({
  kind: "CUSTOM",
  name: "n",
  planId: null,
  stepKey: null,
  agentId: null,
  sender: "test",
  recipient: null,
  payload: null,
  at: T0,
  ...over,
});

/** Any spec field, the retry policy in part. */
export type StepOpts = Partial<Omit<StepSpec, "key" | "retry">> & { retry?: Partial<RetryPolicy> };

/** A fresh PENDING step as createPlan would make it. */
export function step(key: string, opts: StepOpts = {}, position = 0): StepModel {
  return newStep(
    {
      name: null,
      description: null,
      role: "worker",
      dependsOn: [],
      priority: "NORMAL",
      input: null,
      timeoutMs: 60_000,
      config: null,
      runAt: null,
      delayMs: null,
      qualityThreshold: null,
      scheduleToStartMs: null,
      onSuccess: null,
      onFailure: null,
      compensate: null,
      when: null,
      maxVisits: null,
      skipIfDependencySkipped: false,
      inputMapping: null,
      outputMapping: null,
      ...opts,
      key,
      retry: { ...DEFAULT_RETRY, ...opts.retry },
    },
    position,
  );
}

export type StepList = Record<string, StepOpts>;

/** An IDLE plan, version 1, with steps in the order given. `fields` overrides plan fields (id, name, …). */
export function plan(
  steps: StepList,
  policy: Partial<ExecutionPolicy> = {},
  state: PlanState = "IDLE",
  fields: Partial<Omit<PlanModel, "policy" | "state">> = {},
): PlanAggregate {
  const model: PlanModel = {
    id: "plan_test",
    name: "test",
    goal: null,
    state,
    version: 1,
    priority: "NORMAL",
    labels: [],
    input: null,
    policy: { ...DEFAULT_POLICY, heartbeatTimeoutMs: 10_000, ...policy },
    result: null,
    error: null,
    idempotencyKey: null,
    createdAt: T0,
    startedAt: null,
    finishedAt: null,
    pausedAt: null,
    forkedFrom: null,
    lastClaimedAt: null,
    templateId: null,
    ...fields,
  };
  return { plan: model, steps: Object.entries(steps).map(([k, o], i) => step(k, o, i)) };
}

export const ok = (d: Decision | Rejection): Decision => {
  if (!d.ok) throw new Error(`expected a decision, got rejection ${d.code}: ${d.message}`);
  return d;
};

export const rejected = (d: Decision | Rejection): Rejection => {
  if (d.ok) throw new Error("expected a rejection, got a decision");
  return d;
};

export const err = (message = "boom", more: Partial<StepError> = {}): StepError => ({
  message,
  type: null,
  retryable: true,
  details: null,
  ...more,
});

/** A plan run event by event. `now` moves only when told to. */
export class Script {
  agg: PlanAggregate;
  now = T0;
  readonly decisions: Decision[] = [];
  private leases = 0;

  constructor(agg: PlanAggregate, now = T0) {
    this.agg = agg;
    this.now = now;
  }

  /** Decides and, on success, takes the new aggregate. Rejections are returned, not thrown. */
  try(event: EngineEvent): Decision | Rejection {
    const d = decide(this.agg, event, this.now);
    if (d.ok) {
      this.decisions.push(d);
      this.agg = d.aggregate;
    }
    return d;
  }

  do(event: EngineEvent): Decision {
    return ok(this.try(event));
  }

  at(ms: number): this {
    this.now = T0 + ms;
    return this;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  start(): Decision {
    return this.do({ type: "PlanStarted" });
  }

  /** Claims a step with a fresh lease id (lease_1, lease_2, … in claim order). */
  claim(stepKey: string, agentId = "agt_1"): { lease: string; d: Decision } {
    const lease = `lease_${++this.leases}`;
    return { lease, d: this.do({ type: "StepClaimed", stepKey, leaseId: lease, agentId }) };
  }

  complete(stepKey: string, output: Json | null = { from: stepKey }, quality: number | null = null): Decision {
    return this.do({ type: "StepCompleted", stepKey, leaseId: this.lease(stepKey), output, quality });
  }

  fail(stepKey: string, error: StepError = err()): Decision {
    return this.do({ type: "StepFailed", stepKey, leaseId: this.lease(stepKey), error });
  }

  /** Claims and completes in one go. */
  run(stepKey: string, output: Json | null = { from: stepKey }): Decision {
    this.claim(stepKey);
    return this.complete(stepKey, output);
  }

  lease(stepKey: string): string {
    const l = this.step(stepKey).leaseId;
    if (!l) throw new Error(`step ${stepKey} holds no lease`);
    return l;
  }

  step(key: string): StepModel {
    const s = this.agg.steps.find((x) => x.key === key);
    if (!s) throw new Error(`no step ${key}`);
    return s;
  }

  states(): Record<string, StepState> {
    return Object.fromEntries(this.agg.steps.map((s) => [s.key, s.state]));
  }
}

/** The kinds of the signals a decision emits, in order. */
export const signalKinds = (commands: readonly EngineCommand[]): SignalKind[] =>
  commands.flatMap((c) => (c.type === "EmitSignal" ? [c.kind] : []));

/** The commands of one type, narrowed. */
export function commandsOf<T extends EngineCommand["type"]>(commands: readonly EngineCommand[], type: T): Extract<EngineCommand, { type: T }>[] {
  return commands.filter((c): c is Extract<EngineCommand, { type: T }> => c.type === type);
}

/** Freezes a value and everything reachable from it, so that a mutation throws. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Asserts that a decision changed nothing: same aggregate object, no commands. */
export function expectNoOp(d: Decision | Rejection, before: PlanAggregate): void {
  const dec = ok(d);
  expect(dec.changed).toBe(false);
  expect(dec.commands).toEqual([]);
  expect(dec.aggregate.plan).toBe(before.plan);
  expect(dec.aggregate.steps).toHaveLength(before.steps.length);
  dec.aggregate.steps.forEach((s, i) => expect(s).toBe(before.steps[i]));
}

/** The spec part of a fresh step (what addStep takes). */
export function stepSpec(key: string, opts: StepOpts = {}): StepSpec {
  const { position, state, output, error, attempts, progress, progressMessage, quality, agentId, leaseId, readyAt, startedAt, finishedAt, retryAt, attemptBase, visits, trigger, mappedInput, ...spec } =
    step(key, opts);
  return spec;
}
