/**
 * The plans list's filter and page, kept in the URL's query string (a reload or a shared link
 * shows the same list): `?state=RUNNING,FAILED&label=nightly&template=etl&name=report&search=…`
 * `&createdAfter=2026-03-01T00:00:00.000Z&createdBefore=…&after=…` (times as UTC instants, so a
 * shared link means the same range in any time zone).
 * Each PlanFilter field of the API has one parameter; a new filter adds a field here.
 */
import { PLAN_STATES, type PlanState } from "../states.js";

export interface ListParams {
  states: PlanState[];
  labels: string[];
  template: string;
  name: string;
  /** An exact plan id, or text in the name (the search box). */
  search: string;
  /** Created at or after this instant (ISO 8601, UTC), or "". */
  createdAfter: string;
  /** Created before this instant (ISO 8601, UTC), or "". */
  createdBefore: string;
  /** Cursor paging: the page after this cursor, or the page before that one (newer plans). */
  after: string | null;
  before: string | null;
}

export const EMPTY_PARAMS: ListParams = { states: [], labels: [], template: "", name: "", search: "", createdAfter: "", createdBefore: "", after: null, before: null };

const list = (value: string | null): string[] =>
  (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** An instant as the API takes it (ISO 8601 in UTC), or "" for nothing or no valid time. */
function instant(value: string | null | undefined): string {
  const text = value?.trim() ?? "";
  if (!text) return "";
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString();
}

/** A `datetime-local` input's value (the reader's local time, to the minute) for an instant. */
export function localInputFromInstant(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The instant a `datetime-local` input's value (local time) means, or "". */
export function instantFromLocalInput(value: string): string {
  // Without a zone, a date-time is read as local time (ECMAScript Date.parse).
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? instant(value) : "";
}

export function parseListParams(search: string): ListParams {
  const q = new URLSearchParams(search);
  return {
    states: list(q.get("state")).filter((s): s is PlanState => (PLAN_STATES as readonly string[]).includes(s)),
    labels: list(q.get("label")),
    template: q.get("template")?.trim() ?? "",
    name: q.get("name")?.trim() ?? "",
    search: q.get("search")?.trim() ?? "",
    createdAfter: instant(q.get("createdAfter")),
    createdBefore: instant(q.get("createdBefore")),
    after: q.get("after") || null,
    before: q.get("before") || null,
  };
}

/** The query string of `p` ("" when it is the default), with `?`. */
export function formatListParams(p: ListParams): string {
  const q = new URLSearchParams();
  if (p.states.length) q.set("state", p.states.join(","));
  if (p.labels.length) q.set("label", p.labels.join(","));
  if (p.template) q.set("template", p.template);
  if (p.name) q.set("name", p.name);
  if (p.search) q.set("search", p.search);
  if (p.createdAfter) q.set("createdAfter", p.createdAfter);
  if (p.createdBefore) q.set("createdBefore", p.createdBefore);
  if (p.after) q.set("after", p.after);
  else if (p.before) q.set("before", p.before);
  const s = q.toString().replaceAll("%2C", ",");
  return s ? `?${s}` : "";
}

export interface PlanFilterInput {
  states?: PlanState[];
  labels?: string[];
  template?: string;
  nameContains?: string;
  search?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/** The API's PlanFilter for `p`, or undefined when nothing is filtered. */
export function toPlanFilter(p: ListParams): PlanFilterInput | undefined {
  const filter = {
    ...(p.states.length ? { states: p.states } : {}),
    ...(p.labels.length ? { labels: p.labels } : {}),
    ...(p.template ? { template: p.template } : {}),
    ...(p.name ? { nameContains: p.name } : {}),
    ...(p.search ? { search: p.search } : {}),
    ...(p.createdAfter ? { createdAfter: p.createdAfter } : {}),
    ...(p.createdBefore ? { createdBefore: p.createdBefore } : {}),
  };
  return Object.keys(filter).length ? filter : undefined;
}

/** first/after for the newest plans or older ones, last/before for newer ones. */
export function pageVariables(p: ListParams, size: number): { first?: number; after?: string; last?: number; before?: string } {
  if (p.after) return { first: size, after: p.after };
  if (p.before) return { last: size, before: p.before };
  return { first: size };
}

/** A changed filter starts again from the newest plans. */
export function withFilter(p: ListParams, change: Partial<Omit<ListParams, "after" | "before">>): ListParams {
  return { ...p, ...change, after: null, before: null };
}
