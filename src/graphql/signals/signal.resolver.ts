import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { Field, InputType } from "type-graphql";
import { badInput, notFound } from "../../domain/errors.js";
import type { Json } from "../../domain/model.js";
import { SignalKind } from "../../domain/statuses.js";
import { closable, followSignals } from "../../signals/hub.js";
import type { SignalFilter } from "../../store/signals.js";
import type { Context } from "../context.js";
import { connection, type PageArgs } from "../pagination.js";
import { Plan } from "../plans/plan.type.js";
import { JSONScalar } from "../scalars.js";
import { contextVisibility } from "../visibility.js";
import { Signal, SignalConnection } from "./signal.type.js";

@InputType({ description: "A CUSTOM signal to append to a plan's timeline." })
export class SendSignalInput {
  @Field(() => ID, { description: "The plan." })
  planId!: string;

  @Field({ description: "Free name, e.g. approval_granted." })
  name!: string;

  @Field(() => String, { nullable: true, description: "The step it concerns." })
  stepKey?: string | null;

  @Field(() => JSONScalar, { nullable: true, description: "Details." })
  payload?: Json;

  @Field(() => String, { nullable: true, description: "The agent or role it is addressed to." })
  recipient?: string | null;
}

const isSequenceCursor = (v: unknown): v is { s: number } =>
  typeof v === "object" && v !== null && Number.isInteger((v as { s: number }).s);

/** A page of the signal log (oldest first), either way. */
export function signalConnection(ctx: Context, filter: SignalFilter, args: PageArgs): Promise<SignalConnection> {
  const store = ctx.coordinator.store.queries.signals;
  const visibility = contextVisibility(ctx);
  return connection(
    args,
    {
      isCursor: isSequenceCursor,
      read: (range, limit) => store.read(filter, { after: range.after?.s, before: range.before?.s, backward: range.backward }, limit),
      cursorOf: (s) => ({ s: s.sequence }),
    },
    async (s) => Signal.from(await visibility.signal(s)),
  );
}

interface SignalsArgs {
  planId?: string | null;
  kinds?: SignalKind[] | null;
  names?: string[] | null;
  recipient?: string | null;
  afterSequence?: number | null;
}

function signalStream({ args, context }: SubscribeResolverData<unknown, SignalsArgs, Context>): AsyncIterableIterator<Signal> {
  if (args.afterSequence != null && (!Number.isInteger(args.afterSequence) || args.afterSequence < 0)) {
    throw badInput([{ path: "afterSequence", message: "must be a whole number ≥ 0" }]);
  }
  const { hub, store } = context.coordinator;
  return closable(async function* (signal) {
    // Judged signal by signal: the caller's agents (and so what it may see) can change while it follows.
    for await (const s of followSignals(hub, store, { filter: args, afterSequence: args.afterSequence ?? null, signal, replaySlot: context.replaySlot })) {
      yield Signal.from(await contextVisibility(context).signal(s));
    }
  });
}

/** The plan after each committed change; several changes queued up are folded into the latest. */
async function planStream({ args, context }: SubscribeResolverData<unknown, { id: string }, Context>): Promise<AsyncIterableIterator<Plan>> {
  const { hub, store } = context.coordinator;
  if (!(await store.queries.plans.load(args.id))) throw notFound("plan", args.id);
  return closable(async function* (signal) {
    let changed = false;
    let wake: (() => void) | null = null;
    const stop = hub.listen((batch) => {
      if (!batch.some((s) => s.planId === args.id)) return;
      changed = true;
      wake?.();
    });
    const onAbort = (): void => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        while (!changed && !signal.aborted) await new Promise<void>((r) => (wake = r));
        if (signal.aborted) return;
        changed = false;
        const a = await store.queries.plans.load(args.id);
        if (a) yield Plan.from(a);
      }
    } finally {
      stop();
      signal.removeEventListener("abort", onAbort);
    }
  });
}

@Resolver(() => Signal)
export class SignalResolver {
  @Authorized("viewer")
  @Query(() => SignalConnection, { description: "The signal log, oldest first, optionally filtered." })
  async signals(
    @Ctx() ctx: Context,
    @Arg("planId", () => ID, { nullable: true, description: "Only this plan's signals." }) planId?: string,
    @Arg("kinds", () => [SignalKind], { nullable: true, description: "Only these kinds." }) kinds?: SignalKind[],
    @Arg("names", () => [String], { nullable: true, description: "Only signals with one of these names." }) names?: string[],
    @Arg("first", () => Int, { nullable: true, description: "Page size (default 50, at most 500)." }) first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the last signal of the previous page." }) after?: string,
    @Arg("last", () => Int, { nullable: true, description: "Page backward: the last this many signals before `before` (at most 500; not with first)." }) last?: number,
    @Arg("before", () => String, { nullable: true, description: "Cursor of the first signal of the next page, to page backward from." }) before?: string,
  ): Promise<SignalConnection> {
    return signalConnection(ctx, { planId, kinds, names }, { first, after, last, before });
  }

  @Authorized("operator")
  @Mutation(() => Signal, { description: "Appends a CUSTOM signal to a plan's timeline." })
  async sendSignal(@Arg("input", () => SendSignalInput, { description: "The signal." }) input: SendSignalInput, @Ctx() ctx: Context): Promise<Signal> {
    return Signal.from(await ctx.coordinator.sendSignal(input, ctx.actor));
  }

  @Authorized("viewer")
  @Subscription(() => Signal, {
    name: "signals",
    description:
      "Replays every matching signal after afterSequence (default: only new ones), then follows live ones, with no gap and no duplicate.",
    subscribe: signalStream,
  })
  signalsSubscription(
    @Root() signal: Signal,
    @Arg("planId", () => ID, { nullable: true, description: "Only this plan's signals." }) _planId?: string,
    @Arg("kinds", () => [SignalKind], { nullable: true, description: "Only these kinds." }) _kinds?: SignalKind[],
    @Arg("names", () => [String], { nullable: true, description: "Only signals with one of these names." }) _names?: string[],
    @Arg("recipient", () => String, { nullable: true, description: "Only signals addressed to this agent or role, and messages to every agent (*); with planId, those of that plan." }) _recipient?: string,
    @Arg("afterSequence", () => Int, { nullable: true, description: "Replay signals after this sequence (0 = from the start)." }) _after?: number,
  ): Signal {
    return signal;
  }

  @Authorized("viewer")
  @Subscription(() => Plan, { description: "The plan after each change.", subscribe: planStream })
  planUpdated(@Root() plan: Plan, @Arg("id", () => ID, { description: "The plan." }) _id: string): Plan {
    return plan;
  }
}
