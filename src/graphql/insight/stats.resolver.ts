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
  stats(
    @Root() agent: Agent,
    @Ctx() ctx: Context,
    @Arg("since", () => Date, { nullable: true, description: SINCE }) since?: Date | null,
    @Arg("until", () => Date, { nullable: true, description: UNTIL }) until?: Date | null,
    @Arg("role", () => String, { nullable: true, description: "Only its attempts of this role (default: every role)." }) role?: string | null,
  ): AgentStats {
    return AgentStats.from(ctx.coordinator.store.stats.agentTraces(agent.id, statsWindow(since, until), role ?? null));
  }
}

@Resolver(() => RoleStats)
export class RoleStatsResolver {
  @Authorized("viewer")
  @Query(() => RoleStats, {
    description: "How the attempts of a role went, across every agent: those that finished in the window (default: all time). A role nobody ran has zeros.",
  })
  roleStats(
    @Ctx() ctx: Context,
    @Arg("role", { description: "The role." }) role: string,
    @Arg("since", () => Date, { nullable: true, description: SINCE }) since?: Date | null,
    @Arg("until", () => Date, { nullable: true, description: UNTIL }) until?: Date | null,
  ): RoleStats {
    const window = statsWindow(since, until);
    return RoleStats.of(role, window, ctx.coordinator.store.stats.roleTraces(role, window));
  }

  @FieldResolver(() => [RoleAgentStats], {
    description: "Every agent registered for the role, oldest first, with how its attempts of the role went in the same window (zeros for one that ran none).",
  })
  agents(@Root() s: RoleStats, @Ctx() ctx: Context): RoleAgentStats[] {
    const { agents, stats } = ctx.coordinator.store;
    return agents
      .list()
      .filter((a) => a.roles.includes(s.role))
      .map((a) => RoleAgentStats.of(Agent.from(a), stats.agentTraces(a.id, s.window, s.role)));
  }
}

@Resolver(() => TemplateStats)
export class TemplateStatsResolver {
  @Authorized("viewer")
  @Query(() => TemplateStats, {
    description: "How the plans made from a template went: those that finished in the window (default: all time), in all and per UTC day. NOT_FOUND for an unknown name or version.",
  })
  templateStats(
    @Ctx() ctx: Context,
    @Arg("name", { description: "The template's name." }) name: string,
    @Arg("version", () => Int, { nullable: true, description: "Only the plans of this version (default: of every version of the name)." }) version?: number | null,
    @Arg("since", () => Date, { nullable: true, description: SINCE }) since?: Date | null,
    @Arg("until", () => Date, { nullable: true, description: UNTIL }) until?: Date | null,
  ): TemplateStats {
    const window = statsWindow(since, until);
    const { templates, stats } = ctx.coordinator.store;
    const versions = version == null ? templates.list(name) : [templates.get(name, version)].filter((t) => t !== null);
    if (versions.length === 0) throw notFound("template", version == null ? name : `${name}@${version}`);
    const { total, buckets } = stats.templateRuns(
      versions.map((t) => t.id),
      window,
    );
    return TemplateStats.of(name, version ?? null, total, buckets);
  }
}
