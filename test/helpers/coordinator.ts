/** Small helpers for coordinator tests (on top of fixtures.ts). No timed sleeps. */
import type { Coordinator, CreatePlanRequest } from "../../src/coordinator/coordinator.js";
import type { SignalModel } from "../../src/domain/model.js";
import type { SignalKind } from "../../src/domain/statuses.js";
import type { StepDraft } from "../../src/engine/validate.js";
import type { Store } from "../../src/store/store.js";
import { sqlRows } from "./database.js";
import { waitFor } from "./fixtures.js";

/** Rows in a table. */
export const rows = async (store: Store, table: string): Promise<number> => (await sqlRows<{ n: number }>(store, `SELECT count(*) AS n FROM ${table}`))[0]!.n;

/** Every signal in the log (optionally of one plan), oldest first. */
export const allSignals = (store: Store, planId?: string): Promise<SignalModel[]> => store.queries.signals.read({ planId: planId ?? null }, 0, 1_000_000);

export const kindsOf = async (store: Store, planId?: string): Promise<SignalKind[]> => (await allSignals(store, planId)).map((s) => s.kind);

/** Lets pending promise callbacks and I/O callbacks run (one macrotask turn, no fixed delay). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A promise and whether it has settled yet. */
export function track<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise: p, settled: () => done };
}

/** A promise the test settles when it chooses: holds a unit of work open without a timed wait. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The iterator's next value, failing the test (instead of hanging) if it does not come. */
export async function nextWithin<T>(it: AsyncIterator<T>, timeoutMs = 2_000): Promise<T> {
  let done = false;
  const next = it.next().finally(() => (done = true));
  const r = await Promise.race([next, waitFor(() => done, timeoutMs).then(() => next)]);
  if (r.done) throw new Error("iterator ended");
  return r.value;
}

/** A plan request with steps of role `r` by default. */
export const planReq = (steps: (Partial<StepDraft> & { key: string })[], more: Partial<CreatePlanRequest> = {}): CreatePlanRequest => ({
  name: "plan",
  steps: steps.map((s) => ({ role: "r", ...s })),
  ...more,
});

/** Claims exactly one step now and returns its grant. */
export async function claimOne(c: Coordinator, agentId: string) {
  const grants = await c.claim(agentId, 1);
  if (grants.length !== 1) throw new Error(`expected one grant, got ${grants.length}`);
  return grants[0]!;
}

/** The error a promise rejects with. */
export async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject");
}

/** The thrown error of a synchronous call. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}
