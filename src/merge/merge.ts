/**
 * The builtin.merge report: the outputs of a step's dependencies combined into one, the same
 * whatever order they come in. Every part is a commutative union (sets, maps keyed by identity,
 * choices by a total order), then sorted; nothing depends on the order the inputs are given in.
 * Malformed parts are skipped with a warning; nothing here throws on an odd shape.
 */
import { asObject } from "../domain/builtins.js";
import type { Json } from "../domain/model.js";
import { masker, noPii, type PiiConfig, type PiiCounts } from "./pii.js";

/** One dependency: its step key and its output. */
export interface MergeInput {
  key: string;
  output: Json | null;
}

export type MergedSection = { title: string; body: string; sources: string[] };
export type MergedCitation = {
  queryId: string;
  datasetId: string;
  title: string | null;
  url: string | null;
  timestamp: string | null;
  sources: string[];
};
export type MergeReport = {
  ok: boolean;
  sections: MergedSection[];
  citations: MergedCitation[];
  freshness: { [source: string]: string };
  warnings: string[];
  pii: PiiCounts;
  inputs: string[];
};

/** Sections with these titles (any case, trimmed) come first, in this order. */
const CANONICAL_TITLES = ["executive summary", "key findings", "evidence", "citations", "reproducibility", "warnings"];
/** Two sections with the same title whose bodies start alike over this many characters are one. */
const DEDUP_PREFIX = 40;

/** Code-unit order: the same on every machine and locale. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const normalize = (s: string): string => s.trim().replace(/\s+/g, " ").toLowerCase();
/** The first DEDUP_PREFIX characters of the text trimmed with its whitespace runs as one: read no further. */
const PREFIX = new RegExp(String.raw`^\s*((?:\S|\s+(?=\S)){0,${DEDUP_PREFIX}})`);
const prefix = (s: string): string => normalize(PREFIX.exec(s)![1]!);
const smaller = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a <= b ? a : b);
const sorted = (s: Iterable<string>): string[] => [...s].sort(compare);

/** A date, or a date and time with Z or an offset: no local times, whose instant depends on the machine. */
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const isTimestamp = (v: Json | undefined): v is string => typeof v === "string" && ISO.test(v) && !Number.isNaN(Date.parse(v));
/** The later of two timestamps; of two for the same instant, the smaller string. */
const later = (a: string, b: string): string => {
  const d = Date.parse(a) - Date.parse(b);
  return d > 0 ? a : d < 0 ? b : smaller(a, b)!;
};

interface Section {
  order: [rank: number, title: string];
  title: string;
  body: string;
  sources: Set<string>;
}

type Citation = Omit<MergedCitation, "sources"> & { sources: Set<string> };

class Merger {
  ok = true;
  readonly warnings = new Set<string>();
  readonly sections = new Map<string, Section>();
  readonly citations = new Map<string, Citation>();
  readonly freshness = new Map<string, string>();

  add(key: string, output: Json | null): void {
    const o = asObject(output);
    if (!o) {
      this.ok = false;
      this.warnings.add(`dependency ${key} output is not an object`);
      return;
    }
    const warn = (what: string): void => void this.warnings.add(`dependency ${key}: ${what}`);
    if (o["ok"] === false) this.ok = false;
    else if (o["ok"] !== undefined && o["ok"] !== true) {
      this.ok = false;
      warn("ok is not a boolean: counted as not ok");
    }
    this.list(o, "sections", warn).forEach((s, i) => this.addSection(key, s, `sections[${i}]`, warn));
    this.list(o, "citations", warn).forEach((c, i) => this.addCitation(key, c, `citations[${i}]`, warn));
    this.list(o, "warnings", warn).forEach((w, i) => (typeof w === "string" ? this.warnings.add(w) : warn(`warnings[${i}] skipped: not a string`)));
    if (o["freshness"] !== undefined) {
      const f = asObject(o["freshness"]);
      if (!f) warn("freshness skipped: not an object");
      for (const [source, at] of Object.entries(f ?? {})) {
        if (!isTimestamp(at)) warn(`freshness.${source} skipped: not an ISO timestamp`);
        else this.freshness.set(source, this.freshness.has(source) ? later(this.freshness.get(source)!, at) : at);
      }
    }
  }

  /** The array at `field`, or none (with a warning when something else is there). */
  private list(o: Record<string, Json>, field: string, warn: (what: string) => void): Json[] {
    const v = o[field];
    if (v === undefined || Array.isArray(v)) return v ?? [];
    warn(`${field} skipped: not a list`);
    return [];
  }

  private addSection(key: string, value: Json, path: string, warn: (what: string) => void): void {
    const s = asObject(value);
    const title = s?.["title"];
    const body = s?.["body"];
    if (typeof title !== "string" || title.trim() === "" || typeof body !== "string") {
      warn(`${path} skipped: needs a non-empty title and a body, both strings`);
      return;
    }
    const norm = normalize(title);
    const id = JSON.stringify([norm, prefix(body)]);
    const had = this.sections.get(id);
    if (had) {
      had.title = smaller(had.title, title)!;
      had.body = smaller(had.body, body)!;
      had.sources.add(key);
      return;
    }
    const rank = CANONICAL_TITLES.indexOf(norm);
    this.sections.set(id, { order: [rank < 0 ? CANONICAL_TITLES.length : rank, norm], title, body, sources: new Set([key]) });
  }

  private addCitation(key: string, value: Json, path: string, warn: (what: string) => void): void {
    const c = asObject(value);
    const { queryId, datasetId } = c ?? {};
    if (typeof queryId !== "string" || typeof datasetId !== "string") {
      warn(`${path} skipped: needs queryId and datasetId, both strings`);
      return;
    }
    const field = (name: "title" | "url" | "timestamp"): string | null => {
      const v = c![name];
      if (v === undefined || v === null) return null;
      if (name === "timestamp" ? isTimestamp(v) : typeof v === "string") return v as string;
      warn(`${path}.${name} ignored: not ${name === "timestamp" ? "an ISO timestamp" : "a string"}`);
      return null;
    };
    const [title, url, timestamp] = [field("title"), field("url"), field("timestamp")];
    const id = JSON.stringify([queryId, datasetId]);
    const had = this.citations.get(id);
    if (!had) {
      this.citations.set(id, { queryId, datasetId, title, url, timestamp, sources: new Set([key]) });
      return;
    }
    had.title = smaller(had.title, title);
    had.url = smaller(had.url, url);
    had.timestamp = had.timestamp === null ? timestamp : timestamp === null ? had.timestamp : later(had.timestamp, timestamp);
    had.sources.add(key);
  }
}

/** Canonical rank, then title (normalized), then body: a total order, as merged sections differ in one of those. */
const bySection = (a: Section, b: Section): number => a.order[0] - b.order[0] || compare(a.order[1], b.order[1]) || compare(a.body, b.body);

/**
 * Merges the outputs. `ok` is true when every input is an object whose `ok` is true or missing;
 * the text of sections and citation titles is masked for PII after merging, so `pii` counts what
 * the report would otherwise show.
 */
export function mergeOutputs(inputs: readonly MergeInput[], pii: PiiConfig = {}): MergeReport {
  const m = new Merger();
  for (const { key, output } of inputs) m.add(key, output);
  if (inputs.length === 0) m.warnings.add("nothing to merge: the step has no dependencies");
  const counts = noPii();
  const mask = masker(pii);
  const text = (s: string): string => mask(s, counts);
  const sections = [...m.sections.values()].sort(bySection).map((s) => ({ title: text(s.title), body: text(s.body), sources: sorted(s.sources) }));
  const citations = [...m.citations.values()]
    .sort((a, b) => compare(a.queryId, b.queryId) || compare(a.datasetId, b.datasetId))
    .map((c) => ({ ...c, title: c.title === null ? null : text(c.title), sources: sorted(c.sources) }));
  return {
    ok: m.ok,
    sections,
    citations,
    freshness: Object.fromEntries(sorted(m.freshness.keys()).map((k) => [k, m.freshness.get(k)!])),
    warnings: sorted(m.warnings),
    pii: counts,
    inputs: sorted(new Set(inputs.map((i) => i.key))),
  };
}
