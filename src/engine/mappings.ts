/**
 * Input and output mappings: JSON templates whose strings starting with `$` are JSONPath
 * queries (RFC 9535, the IETF standard; `jsonpath-rfc9535` implements it and passes the whole
 * compliance suite). Everything else is literal: objects and arrays are mapped member by member,
 * and `$$…` is the literal string `$…`. A singular query (names and indexes only) gives its value,
 * or null when nothing matches; any other query (wildcards, slices, filters, `..`) gives the list
 * of its matches. Queries are parsed when the plan is made, so a bad one never reaches a run.
 */
import { query } from "jsonpath-rfc9535";
import parseQuery from "jsonpath-rfc9535/parser";
import type { Problem } from "../domain/errors.js";
import { STEP_OUTPUT_PREFIX, type Json, type StepError, type StepModel } from "../domain/model.js";

const isQuery = (s: string): boolean => s.startsWith("$") && !s.startsWith("$$");
/** Names and indexes only: one value at most. */
const isSingular = (q: string): boolean => !/[*?:,]|\.\./.test(q);

/** Every unparsable query of a mapping, with where it is. */
export function mappingProblems(m: Json, path: string, problems: Problem[] = []): Problem[] {
  if (typeof m === "string" && isQuery(m)) {
    try {
      parseQuery(m);
    } catch (e) {
      problems.push({ path, message: `is not a JSONPath query (RFC 9535): ${(e as Error).message}` });
    }
  } else if (Array.isArray(m)) m.forEach((v, i) => mappingProblems(v, `${path}[${i}]`, problems));
  else if (m !== null && typeof m === "object") for (const [k, v] of Object.entries(m)) mappingProblems(v, `${path}.${k}`, problems);
  return problems;
}

/** An output mapping must be an object of context keys (not under steps.) to templates. */
export function outputMappingProblems(m: Json, path: string): Problem[] {
  if (m === null || typeof m !== "object" || Array.isArray(m)) return [{ path, message: "must be an object: context key → JSONPath query or value" }];
  const problems: Problem[] = [];
  for (const key of Object.keys(m)) {
    if (key.trim() === "" || key.startsWith(STEP_OUTPUT_PREFIX)) problems.push({ path: `${path}.${key}`, message: `context keys must not be empty nor start with "${STEP_OUTPUT_PREFIX}"` });
  }
  return mappingProblems(m, path, problems);
}

/** The mapping evaluated against a document. */
export function evaluateMapping(m: Json, doc: Json): Json {
  if (typeof m === "string") {
    if (!isQuery(m)) return m.startsWith("$$") ? m.slice(1) : m;
    const found = query(doc, m) as Json[];
    return isSingular(m) ? (found[0] ?? null) : found;
  }
  if (Array.isArray(m)) return m.map((v) => evaluateMapping(v, doc));
  if (m !== null && typeof m === "object") return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, evaluateMapping(v, doc)] as const));
  return m;
}

/** What an input mapping reads: `$.input` (the plan's), `$.context`, `$.steps.<key>.output`, `$.step.input` (its own). */
export function inputDocument(planInput: Json | null, context: Json | null, steps: readonly StepModel[], step: StepModel): Json {
  const outputs: { [key: string]: Json } = {};
  for (const s of steps) if (s.state === "SUCCEEDED" || s.state === "SKIPPED") outputs[s.key] = { output: s.output, state: s.state };
  return { input: planInput, context: context ?? {}, steps: outputs, step: { key: step.key, input: step.input } };
}

/** The input an agent receives: the mapped value, merged over the step's own input when both are objects. */
export function agentInput(step: StepModel, mapped: Json): Json {
  const own = step.input;
  const isObj = (v: Json | null): v is { [key: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);
  return isObj(own) && isObj(mapped) ? { ...own, ...mapped } : mapped;
}

/** Evaluates a mapping; a failure is a MAPPING_ERROR (not retried: the same inputs fail the same way). */
export function tryMapping(m: Json, doc: Json, what: string): { value: Json } | { error: StepError } {
  try {
    return { value: evaluateMapping(m, doc) };
  } catch (e) {
    return { error: { message: `${what} failed: ${(e as Error).message}`, type: "MAPPING_ERROR", retryable: false, details: { mapping: m } } };
  }
}

/** The input an attempt works on: the mapped one when the step has an inputMapping, else its own. */
export const attemptInput = (s: StepModel): Json | null => (s.inputMapping !== null ? s.mappedInput : s.input);
