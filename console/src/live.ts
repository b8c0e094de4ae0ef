/**
 * Following the signal log live. A view first reads the newest sequence of the log (of its plan,
 * or all), then reads what it shows, and subscribes to the signals after that sequence: a
 * change committed while it read is replayed, never missed. On a reconnection the subscription
 * resumes after the last signal received (./client.ts).
 */
import { useEffect, useMemo, useRef } from "react";
import { useQuery, useSubscription } from "urql";
import { LogHeadQuery, SignalsSubscription } from "./documents.js";
import type { SignalKind } from "./gql/graphql.js";

export interface LiveSignal {
  sequence: number;
  kind: SignalKind;
  planId?: string | null;
  stepKey?: string | null;
}

/**
 * Subscribes to the signals after the log's head (of `planId` when given; only `kinds` when
 * given) and hands each to `onSignal`. `ready` is false until the head is known: the view's own
 * query waits for it.
 */
export function useLiveSignals(options: { planId?: string; kinds?: readonly SignalKind[]; onSignal: (signal: LiveSignal) => void }): { ready: boolean; error: string | null } {
  const { planId, kinds, onSignal } = options;
  const [head] = useQuery({ query: LogHeadQuery, variables: { planId }, requestPolicy: "network-only" });
  const after = head.data ? (head.data.signals.edges[0]?.node.sequence ?? 0) : null;
  const handler = useRef(onSignal);
  useEffect(() => {
    handler.current = onSignal;
  }, [onSignal]);
  const variables = useMemo(() => ({ afterSequence: after, planId, kinds: kinds ? [...kinds] : undefined }), [after, planId, kinds]);
  const [sub] = useSubscription({ query: SignalsSubscription, variables, pause: after === null }, (_previous: unknown, data) => {
    handler.current(data.signals);
    return data;
  });
  return { ready: after !== null, error: head.error?.message ?? sub.error?.message ?? null };
}

/**
 * A function that runs `fn` once for a burst of calls: at once if it has not run for `ms`, else
 * when `ms` has passed since it last ran. A busy plan's signals cost a read per interval. While
 * `busy` (the last read is still on its way), `fn` waits and runs once it is back: a read started
 * meanwhile would cancel it, and a view whose reads take longer than `ms` would never be shown.
 */
export function useCoalesced(fn: () => void, ms: number, busy = false): () => void {
  const latest = useRef(fn);
  useEffect(() => {
    latest.current = fn;
  }, [fn]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(0);
  const busyNow = useRef(busy);
  const held = useRef(false);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const run = useMemo(
    () => () => {
      if (timer.current) return;
      const wait = Math.max(0, last.current + ms - Date.now());
      timer.current = setTimeout(() => {
        timer.current = null;
        if (busyNow.current) {
          held.current = true;
          return;
        }
        last.current = Date.now();
        latest.current();
      }, wait);
    },
    [ms],
  );
  useEffect(() => {
    busyNow.current = busy;
    if (!busy && held.current) {
      held.current = false;
      run();
    }
  }, [busy, run]);
  return run;
}
