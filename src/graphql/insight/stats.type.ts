/** Statistics over history (src/store/stats.ts): attempts per agent and role, plan runs per template. */
import { Field, Float, Int, ObjectType } from "type-graphql";
import type { RunStats, StatsWindow } from "../../store/stats.js";
import { Agent } from "../agents/agent.type.js";

@ObjectType({
  simpleResolvers: true,
  description:
    "How attempts went: those that finished in the window asked for (default: all time), of one agent (Agent.stats), one role (roleStats) or one agent in a role (RoleStats.agents). Attempts still running are not counted.",
})
export class AgentStats {
  @Field(() => Int, { description: "Attempts that SUCCEEDED." })
  completed!: number;

  @Field(() => Int, {
    description: "Attempts that FAILED (reported, or turned into a failure by a rule or a quality gate), TIMED_OUT, or were LOST (lease expired). CANCELLED attempts count as neither.",
  })
  failed!: number;

  @Field(() => Float, { description: "Share of finished runs that succeeded: completed / (completed + failed), 0..1; 0 when there are neither." })
  successRate!: number;

  @Field(() => Int, { nullable: true, description: "Median duration of the completed attempts (claim to completion), in ms: the nearest-rank 50th percentile. Null when none completed." })
  p50Ms!: number | null;

  @Field(() => Int, { nullable: true, description: "95th percentile (nearest rank) of the completed attempts' durations, in ms: at least 95% took this long or less. Null when none completed." })
  p95Ms!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean of the quality (0..1) reported by the completed attempts that reported one; null when none did." })
  meanQuality!: number | null;

  static from({ completed, failed, successRate, p50Ms, p95Ms, meanQuality }: RunStats): AgentStats {
    return Object.assign(new AgentStats(), { completed, failed, successRate, p50Ms, p95Ms, meanQuality });
  }
}

@ObjectType({ simpleResolvers: true, description: "How the attempts of a role went, across every agent, in the window asked for; and per agent registered for the role." })
export class RoleStats {
  @Field({ description: "The role." })
  role!: string;

  @Field(() => AgentStats, { description: "Every agent's attempts of the role, together." })
  stats!: AgentStats;

  /** The window asked for, for the agents field. */
  window!: StatsWindow;

  static of(role: string, window: StatsWindow, s: RunStats): RoleStats {
    return Object.assign(new RoleStats(), { role, window, stats: AgentStats.from(s) });
  }
}

@ObjectType({ simpleResolvers: true, description: "How one agent's attempts of a role went, in the window of the RoleStats." })
export class RoleAgentStats {
  @Field(() => Agent, { description: "The agent." })
  agent!: Agent;

  @Field(() => AgentStats, { description: "Its attempts of the role." })
  stats!: AgentStats;

  static of(agent: Agent, s: RunStats): RoleAgentStats {
    return Object.assign(new RoleAgentStats(), { agent, stats: AgentStats.from(s) });
  }
}

@ObjectType({
  simpleResolvers: true,
  description:
    "How plans made from a template went: those that finished in a window. A run ends COMPLETED (completed), FAILED or COMPENSATED after a failure (failed), or CANCELLED or COMPENSATED on a cancel (cancelled).",
})
export class TemplateRunStats {
  @Field(() => Int, { description: "Plans that finished: completed + failed + cancelled." })
  runs!: number;

  @Field(() => Int, { description: "Plans that COMPLETED." })
  completed!: number;

  @Field(() => Int, { description: "Plans that FAILED, or were COMPENSATED after a failure." })
  failed!: number;

  @Field(() => Int, { description: "Plans CANCELLED, or COMPENSATED because they were cancelled with compensate." })
  cancelled!: number;

  @Field(() => Float, { description: "Share of finished runs that succeeded: completed / (completed + failed), 0..1; 0 when there are neither." })
  successRate!: number;

  @Field(() => Int, { nullable: true, description: "Median duration of the completed plans (start to finish, paused time included), in ms, nearest rank. Null when none completed." })
  p50DurationMs!: number | null;

  @Field(() => Int, { nullable: true, description: "95th percentile (nearest rank) of the completed plans' durations, in ms. Null when none completed." })
  p95DurationMs!: number | null;
}

const runFigures = ({ runs, completed, failed, successRate, p50Ms, p95Ms }: RunStats): TemplateRunStats => ({
  runs,
  completed,
  failed,
  cancelled: runs - completed - failed,
  successRate,
  p50DurationMs: p50Ms,
  p95DurationMs: p95Ms,
});

@ObjectType({ simpleResolvers: true, description: "The runs of a template that finished on one UTC day." })
export class TemplateStatsBucket extends TemplateRunStats {
  @Field(() => Date, { description: "The day's first instant (00:00 UTC)." })
  day!: Date;

  static of(s: RunStats & { start: number }): TemplateStatsBucket {
    return Object.assign(new TemplateStatsBucket(), runFigures(s), { day: new Date(s.start) });
  }
}

@ObjectType({ simpleResolvers: true, description: "How the plans made from a template (one version, or every version) went over a window, in all and day by day." })
export class TemplateStats extends TemplateRunStats {
  @Field({ description: "The template's name." })
  name!: string;

  @Field(() => Int, { nullable: true, description: "The version counted; null when every version of the name is." })
  version!: number | null;

  @Field(() => [TemplateStatsBucket], { description: "The same figures per UTC day of the window that has runs, oldest first: how the template does over time." })
  byDay!: TemplateStatsBucket[];

  static of(name: string, version: number | null, total: RunStats, buckets: (RunStats & { start: number })[]): TemplateStats {
    return Object.assign(new TemplateStats(), runFigures(total), { name, version, byDay: buckets.map(TemplateStatsBucket.of) });
  }
}
