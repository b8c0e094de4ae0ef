/**
 * Who may see which shared-context values: ONE rule for every read path of the API. An operator,
 * viewer or admin (or anyone, with authentication off) sees every entry. An agent principal sees
 * the entries without targets and those whose targets name one of its usable agents (see
 * `usableAgent`) by id or by role — as its leases do (`visibleTo`, src/store/context.ts).
 *
 * Every path that shows context values goes through `contextVisibility`: `plan.context`
 * (`data`, `entries`, `entry`, `history`), `snapshot { context }`, `checkpointDiff { context }`,
 * interventions (the `interventions` queries and `node`) and signals (the `signals` query, the
 * plan's `signals` and the `signals` subscription). Values carried by an UPDATE_CONTEXT
 * intervention (`diff.before`, `diff.after`, `args.value`, and the diff in its
 * INTERVENTION_APPLIED signal) are replaced by null for a reader that may not see the entry
 * they belong to, and the redacted fields are named in `redacted`. Keys and targets are not
 * secret (CONTEXT_UPDATED announces them to everyone); values are.
 *
 * A step's `inputMapping` is evaluated at the claim over the context as the claiming agent may
 * see it (src/coordinator), so its result, `Step.mappedInput`, is shown to an agent principal
 * only when one of its usable agents claimed that attempt (`seesAttemptInput`).
 */
import type { AgentModel, Json, SignalModel } from "../domain/model.js";
import { visibleTo, type ContextEntryModel } from "../store/context.js";
import type { InterventionRecord } from "../store/interventions.js";
import { usableAgent } from "./access.js";
import type { Context } from "./context.js";

export interface ContextVisibility {
  /** Whether the caller may see this entry's value. */
  sees(e: ContextEntryModel): Promise<boolean>;
  /** The entries the caller may see. */
  entries(entries: readonly ContextEntryModel[]): Promise<ContextEntryModel[]>;
  /** The signal, with the context values in its payload the caller may not see redacted. */
  signal(s: SignalModel): Promise<SignalModel>;
  /** The intervention, with the context values in its diff and args the caller may not see redacted. */
  intervention(r: InterventionRecord): Promise<InterventionRecord>;
}

/**
 * Whether the caller may see what one attempt of a step was handed: the step's `mappedInput`
 * (and a lease's `input`), which the claim evaluated over the context as the CLAIMING agent may
 * see it, so it can carry entries targeted at that agent or its roles alone. An operator, viewer
 * or admin (or anyone, with authentication off) sees it; an agent principal only when one of its
 * usable agents (`usableAgent`) claimed that attempt. An attempt that cannot be found (e.g. a
 * step copied into a forked plan) is hidden from agents.
 */
export async function seesAttemptInput(ctx: Context, planId: string, stepKey: string, attempt: number): Promise<boolean> {
  const p = ctx.principal;
  if (p?.role !== "agent") return true;
  const { queries } = ctx.coordinator.store;
  // Attempts are listed oldest first; a restore may reuse a number, so the latest holder is the one.
  const claimed = (await queries.attempts.list(planId, stepKey)).findLast((a) => a.attempt === attempt);
  const agent = claimed?.agentId ? await queries.agents.get(claimed.agentId) : null;
  return agent ? usableAgent(p, agent) : false;
}

const ALL: ContextVisibility = { sees: async () => true, entries: async (e) => [...e], signal: async (s) => s, intervention: async (r) => r };

const asRecord = (v: Json | null | undefined): Record<string, Json> | null => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : null);

/**
 * The caller's view of shared context. Cheap to make: the caller's agents are read once, and
 * only when an entry with targets has to be judged. It reads through the read port
 * (`store.queries`), so it is used outside a `store.read`, never inside one.
 */
export function contextVisibility(ctx: Context): ContextVisibility {
  const p = ctx.principal;
  if (p?.role !== "agent") return ALL;
  const { queries } = ctx.coordinator.store;
  // The read of the caller's agents, kept as a promise: judgements made at once share it.
  let readers: Promise<AgentModel[]> | null = null;
  const sees = async (e: ContextEntryModel): Promise<boolean> => {
    if (e.targets.length === 0) return true;
    readers ??= queries.agents.list().then((agents) => agents.filter((a) => usableAgent(p, a)));
    return (await readers).some((a) => visibleTo(e, a));
  };

  /**
   * An UPDATE_CONTEXT diff `{key, before, after, contextVersion}` (and its args `{key, value,
   * targets}`) as the caller may see it: `after` (and `value`) belong to the write that made
   * `contextVersion`, `before` to the key's write before it. When they cannot be found, both are
   * hidden.
   */
  const redactUpdate = async (planId: string | null, diff: Json | null, args: Json | null = null): Promise<{ diff: Json | null; args: Json | null }> => {
    const d = asRecord(diff);
    const key = d?.["key"];
    const version = d?.["contextVersion"];
    const found = planId !== null && typeof key === "string" && typeof version === "number" ? await queries.context.writeAndBefore(planId, key, version) : null;
    const showAfter = found?.write ? await sees(found.write) : false;
    const showBefore = found?.write ? found.before === null || (await sees(found.before)) : false;
    const redacted = [...(showBefore ? [] : ["before"]), ...(showAfter ? [] : ["after"])];
    const newDiff = d && redacted.length > 0 ? { ...d, ...(showBefore ? {} : { before: null }), ...(showAfter ? {} : { after: null }), redacted } : diff;
    const a = asRecord(args);
    const newArgs = a && !showAfter ? { ...a, value: null, redacted: ["value"] } : args;
    return { diff: newDiff, args: newArgs };
  };

  return {
    sees,
    async entries(entries) {
      const seen: ContextEntryModel[] = [];
      for (const e of entries) if (await sees(e)) seen.push(e);
      return seen;
    },
    async signal(s) {
      const payload = asRecord(s.payload);
      if (s.kind !== "INTERVENTION_APPLIED" || payload?.["kind"] !== "UPDATE_CONTEXT") return s;
      const { diff } = await redactUpdate(s.planId, payload["diff"] ?? null);
      return diff === payload["diff"] ? s : { ...s, payload: { ...payload, diff } };
    },
    async intervention(r) {
      if (r.kind !== "UPDATE_CONTEXT") return r;
      const { diff, args } = await redactUpdate(r.planId, r.diff, r.args);
      return diff === r.diff && args === r.args ? r : { ...r, diff, args };
    },
  };
}
