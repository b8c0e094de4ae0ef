/**
 * What one answer may carry. A query's cost (src/server/guards.ts) counts the fields it asks
 * for, not the data behind them: 100 aliases of one 500-step plan cost little to validate but
 * are 50,000 steps and 14 MB to build and send. Every plan or snapshot a query reads is charged
 * its steps against the answer; past MAX_STEPS_PER_ANSWER the rest is refused with
 * QUERY_TOO_COMPLEX (a 10,000-step plan, the largest there is, just fits).
 */
import { BatonError } from "../domain/errors.js";
import type { Context } from "./context.js";

export const MAX_STEPS_PER_ANSWER = 10_000;

/** Steps charged so far, per request (each HTTP request and each WebSocket operation has its own context). */
const spent = new WeakMap<object, number>();

/** Charges `steps` to the answer being built for `ctx`; QUERY_TOO_COMPLEX once it would hold too many. */
export function chargeSteps(ctx: Context, steps: number): void {
  const total = (spent.get(ctx) ?? 0) + steps;
  spent.set(ctx, total);
  if (total > MAX_STEPS_PER_ANSWER) {
    throw new BatonError(
      "QUERY_TOO_COMPLEX",
      `the answer would hold more than ${MAX_STEPS_PER_ANSWER} steps over its plans and snapshots: ask for fewer plans (first), aliases or snapshots at once`,
      { maxSteps: MAX_STEPS_PER_ANSWER },
    );
  }
}
