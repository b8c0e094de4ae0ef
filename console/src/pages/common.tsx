/** What the agents, templates, webhooks, tokens and limits pages share. */
import { useEffect, useState } from "react";
import type { CombinedError } from "urql";
import "./pages.css";

/** The current instant, renewed every `ms`: ages on screen keep counting. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Calls `fn` every `ms` while the page is open (reads of what has no signal of its own). */
export function useInterval(fn: () => void, ms: number): void {
  useEffect(() => {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  }, [fn, ms]);
}

/** A duration in words: "4 s", "3 min 5 s", "2 h 10 min". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

export function ago(at: string | null | undefined, now: number): string {
  return at ? `${duration(now - new Date(at).getTime())} ago` : "never";
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`;
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** A GraphQL error as the gateway's code and message: "Refused (INVALID_PLAN): …". */
export function refusal(error: CombinedError): { code: string | null; message: string } {
  const first = error.graphQLErrors[0];
  if (!first) return { code: null, message: error.networkError?.message ?? error.message };
  const code = first.extensions["code"];
  return { code: typeof code === "string" ? code : null, message: first.message };
}

export function ErrorNote({ error }: { error: CombinedError | undefined }) {
  if (!error) return null;
  const r = refusal(error);
  return (
    <p className="error" role="alert">
      {r.code ? `Refused (${r.code}): ` : ""}
      {r.message}
    </p>
  );
}
