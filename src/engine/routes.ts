/**
 * The routing graph of a plan: dependencies, transitions (onSuccess, onFailure, `when` goto)
 * and compensations. Used by validation (every problem at once) and by the engine to know
 * which steps wait for a transition or a compensation instead of running by themselves.
 */
import type { Problem } from "../domain/errors.js";
import type { StepSpec } from "../domain/model.js";
import { ruleTargets } from "./conditions.js";
import { dependentsIndex, dependentsOf } from "./graph.js";

type RouteSpec = Pick<StepSpec, "key" | "dependsOn" | "onSuccess" | "onFailure" | "compensate" | "when" | "maxVisits">;

/** Steps a transition can route to. */
function transitionTargets(s: RouteSpec): string[] {
  const out: string[] = [];
  if (s.onSuccess) out.push(s.onSuccess);
  if (s.onFailure) out.push(s.onFailure);
  for (const r of s.when ?? []) if ("goto" in r.then) out.push(r.then.goto);
  return out;
}

/** Steps a success leads on to: dependents aside, onSuccess and the goto targets. */
const successTargets = (s: RouteSpec): string[] => [...(s.onSuccess ? [s.onSuccess] : []), ...(s.when ?? []).flatMap((r) => ("goto" in r.then ? [r.then.goto] : []))];

/** True when the step runs only when a transition or a compensation makes it READY. */
export type Held = (s: Pick<StepSpec, "key">) => boolean;

/**
 * Which steps are held: a compensation step (named by some step's `compensate`) runs only
 * while the plan compensates; a transition target with no dependencies runs only when a
 * transition fires — unless every transition to it comes back from itself or its own downstream
 * (a loop back to it, like review → code), which makes it a start step like any other. A target that has
 * dependencies also runs when they are done.
 */
export function heldSteps(steps: readonly RouteSpec[]): Held {
  let sources: Map<string, Set<string>> | null = null; // target → steps with a transition to it
  let compensations: Set<string> | null = null;
  for (const s of steps) {
    if (s.compensate) (compensations ??= new Set()).add(s.compensate);
    if (s.onSuccess || s.onFailure || s.when) {
      for (const t of transitionTargets(s)) {
        sources ??= new Map();
        if (!sources.has(t)) sources.set(t, new Set());
        sources.get(t)!.add(s.key);
      }
    }
  }
  if (!sources && !compensations) return () => false;
  const held = new Set(compensations);
  let index: Map<string, string[]> | undefined;
  for (const s of steps) {
    const from = sources?.get(s.key);
    if (!from || s.dependsOn.length > 0) continue;
    index ??= dependentsIndex(steps);
    const loopBack = new Set([s.key, ...dependentsOf(steps, s.key, index)]);
    if ([...from].some((k) => !loopBack.has(k))) held.add(s.key);
  }
  return (s) => held.has(s.key);
}

/** Routing problems of a step list whose keys and dependencies are already checked. */
export function routeProblems(steps: readonly RouteSpec[], path = "steps"): Problem[] {
  const problems: Problem[] = [];
  if (steps.length === 0) return problems;
  const keys = new Set(steps.map((s) => s.key));
  steps.forEach((s, i) => {
    const ref = (field: string, key: string | null): void => {
      if (key !== null && !keys.has(key)) problems.push({ path: `${path}[${i}].${field}`, message: `unknown step "${key}"` });
    };
    ref("onSuccess", s.onSuccess);
    ref("onFailure", s.onFailure);
    ref("compensate", s.compensate);
    if (s.compensate === s.key) problems.push({ path: `${path}[${i}].compensate`, message: `"${s.key}" cannot compensate itself` });
    (s.when ?? []).forEach((r, j) => {
      for (const k of ruleTargets(r.then)) ref(`when[${j}].then`, k);
      if ("skip" in r.then && r.then.skip.includes(s.key)) problems.push({ path: `${path}[${i}].when[${j}].then.skip`, message: `"${s.key}" cannot skip itself` });
    });
  });
  if (problems.length > 0) return problems; // the graph checks below need every reference to resolve

  const byKey = new Map(steps.map((s) => [s.key, s] as const));
  const dependents = new Map<string, string[]>(steps.map((s) => [s.key, []]));
  for (const s of steps) for (const d of s.dependsOn) dependents.get(d)?.push(s.key);

  // Loops: a transition back to a step re-runs it and everything depending on it, so a cycle
  // of transitions and dependencies must pass through a step with a visit limit.
  const loopEdges = (k: string): string[] => [...dependents.get(k)!, ...transitionTargets(byKey.get(k)!)];
  for (const component of cycles(steps.map((s) => s.key), loopEdges)) {
    if (!component.some((k) => byKey.get(k)!.maxVisits !== null)) {
      problems.push({ path, message: `loop ${[...component, component[0]].join(" -> ")} has no bound: give one of its steps maxVisits` });
    }
  }

  // Reachability from the start steps (no dependencies, not held), along every kind of edge.
  const held = heldSteps(steps);
  const starts = steps.filter((s) => s.dependsOn.length === 0 && !held(s)).map((s) => s.key);
  if (starts.length === 0) {
    problems.push({ path, message: "no start step: every step waits for a dependency, a transition or a compensation" });
    return problems;
  }
  const reached = reach(starts, (k) => {
    const s = byKey.get(k)!;
    return [...loopEdges(k), ...(s.compensate ? [s.compensate] : [])];
  });
  steps.forEach((s, i) => {
    if (!reached.has(s.key)) problems.push({ path: `${path}[${i}]`, message: `"${s.key}" is unreachable from any start step` });
  });

  // Every start step must be able to end: reach a step after which nothing else must run.
  const ends = (s: RouteSpec): boolean =>
    (dependents.get(s.key)!.length === 0 && !s.onSuccess) || (s.when ?? []).some((r) => "complete" in r.then);
  for (const start of starts) {
    const forward = reach([start], (k) => [...dependents.get(k)!, ...successTargets(byKey.get(k)!)]);
    if (![...forward].some((k) => ends(byKey.get(k)!))) {
      problems.push({ path, message: `no terminal path from "${start}": every way on from it loops` });
    }
  }
  return problems;
}

function reach(from: readonly string[], edges: (k: string) => string[]): Set<string> {
  const seen = new Set(from);
  const stack = [...from];
  while (stack.length) for (const n of edges(stack.pop()!)) if (!seen.has(n)) seen.add(n), stack.push(n);
  return seen;
}

/**
 * The cycles of a directed graph: strongly connected components of more than one node, or
 * one node with an edge to itself (Tarjan's algorithm, iterative so 10,000 steps need no deep stack).
 */
export function cycles(nodes: readonly string[], edges: (k: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; targets: string[]; i: number }[] = [];
    const open = (n: string): void => {
      index.set(n, next);
      low.set(n, next++);
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, targets: edges(n), i: 0 });
    };
    open(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      if (top.i < top.targets.length) {
        const t = top.targets[top.i++]!;
        if (!index.has(t)) open(t);
        else if (onStack.has(t)) low.set(top.node, Math.min(low.get(top.node)!, index.get(t)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) !== index.get(top.node)) continue;
      const component: string[] = [];
      let n: string;
      do {
        n = stack.pop()!;
        onStack.delete(n);
        component.push(n);
      } while (n !== top.node);
      if (component.length > 1 || top.targets.includes(top.node)) out.push(component.reverse());
    }
  }
  return out;
}
