import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { badInput, notFound } from "../../domain/errors.js";
import type { StatsWindow } from "../../store/stats.js";
import { Agent } from "../agents/agent.type.js";
import type { Context } from "../context.js";
import { AgentStats, RoleAgentStats, RoleStats, TemplateStats } from "./stats.type.js";

const SINCE = "Only what finished at or after this instant (default: from the beginning).";
const UNTIL = "Only what finished before this instant (default: up to now).";

/** The window [since, until) in epoch ms; BAD_USER_INPUT unless until is later than since. */
export function statsWindow(since: Date | null | undefined, until: Date | null | undefined): StatsWindow {
  const window = { since: since ? since.getTime() : null, until: until ? until.getTime() : null };
  if (window.since !== null && window.until !== null && window.until <= window.since) {
    throw badInput([{ path: "until", message: `must be later than since (${since!.toISOString()})` }]);
  }
  return window;
}

@Resolver(() => Agent)
export class AgentStatsResolver {
  @FieldResolver(() => AgentStats, {
    nullable: true,
    description: "How its attempts went: those that finished in the window (default: all time), of every role or of one. Computed from its traces.",
  })
  async stats(
    @Root() agent: Agent,
    @Ctx() ctx: Context,
    @Arg("since", () => Date, { nullable: true, description: SINCE }) since?: Date | null,
    @Arg("until", () => Date, { nullable: true, description: UNTIL }) until?: Date | null,
    @Arg("role", () => String, { nullable: true, description: "Only its attempts of this role (default: every role)." }) role?: string | null,
  ): Promise<AgentStats> {
    return AgentStats.from(await ctx.coordinator.store.queries.stats.agentTraces(agent.id, statsWindow(since, until), role ?? null));
  }
}

@Resolver(() => RoleStats)
export class RoleStatsResolver {
  @Authorized("viewer")
  @Query(() => RoleStats, {
    description: "How the attempts of a role went, across every agent: those that finished in the window (default: all time). A role nobody ran has zeros.",
  })
  async roleStats(
    @Ctx() ctx: Context,
    @Arg("role", { description: "The role." }) role: string,
    @Arg("since", () => Date, { nullable: true, description: SINCE }) since?: Date | null,
    @Arg("until", () => Date, { nullable: true, description: UNTIL }) until?: Date | null,
  ): Promise<RoleStats> {
    const window = statsWindow(since, until);
    return RoleStats.of(role, window, await ctx.coordinator.store.queries.stats.roleTraces(role, window));
  }

  @FieldResolver(() => [RoleAgentStats], {
    description: "Every agent registered for the role, oldest first, with how its attempts of the role went in the same window (zeros for one that ran none).",
  })
  async agents(@Root() s: RoleStats, @Ctx() ctx: Context): Promise<RoleAgentStats[]> {
    // One read: the role's agents and the stats of each, as of the same moment.
    return ctx.coordinator.store.read(async ({ agents, stats }) => {
      const serving = (await agents.list()).filter((a) => a.roles.includes(s.role));
      return Promise.all(serving.map(async (a) => RoleAgentStats.of(Agent.from(a), await stats.agentTraces(a.id, s.window, s.role))));
    });
  }
}

@Resolver(() => TemplateStats)
export class TemplateStatsResolver {
  @Authorized("viewer")
  @Query(() => TemplateStats, {
    description: "How the plans made from a template went: those that finished in the window (default: all time), in all and per UTC day. NOT_FOUND for an unknown name or version.",
  })
  async templateStats(
    @Ctx() ctx: Context,
    @Arg("name", { description: "The template's name." }) name: string,
    @Arg("version", () => Int, { nullable: true, description: "Only the plans of this version (default: of every version of the name)." }) version?: number | null,
    @Arg("since", () => Date, { nullable: true, description: SINCE }) since?: Date | null,
    @Arg("until", () => Date, { nullable: true, description: UNTIL }) until?: Date | null,
  ): Promise<TemplateStats> {
    const window = statsWindow(since, until);
    // One read: the template's versions and the runs of those versions.
    const { total, buckets } = await ctx.coordinator.store.read(async ({ templates, stats }) => {
      const versions = version == null ? await templates.list(name) : [await templates.get(name, version)].filter((t) => t !== null);
      if (versions.length === 0) throw notFound("template", version == null ? name : `${name}@${version}`);
      return stats.templateRuns(
        versions.map((t) => t.id),
        window,
      );
    });
    return TemplateStats.of(name, version ?? null, total, buckets);
  }
}
