import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { RoleLimit, RoleLimitInput } from "./limit.type.js";

@Resolver(() => RoleLimit)
export class RoleLimitResolver {
  @Authorized("viewer")
  @Query(() => [RoleLimit], { description: "Every role's queue policy as it stands now, by role." })
  async roleLimits(@Ctx() ctx: Context): Promise<RoleLimit[]> {
    return (await ctx.coordinator.roleLimits()).map(RoleLimit.from);
  }

  @Authorized("operator")
  @Mutation(() => RoleLimit, {
    description:
      "Sets a role's claim rate and/or cap on running leases, replacing its previous limits. The bucket carries over (capped at the new capacity); a new rate starts full. BAD_USER_INPUT for a bad input or one that sets no limit.",
  })
  async setRoleLimit(@Arg("input", () => RoleLimitInput, { description: "The role and its limits." }) input: RoleLimitInput, @Ctx() ctx: Context): Promise<RoleLimit> {
    const spec = { role: input.role, claims: input.claims ?? null, intervalMs: input.intervalMs ?? null, maxConcurrent: input.maxConcurrent ?? null };
    return RoleLimit.from(await ctx.coordinator.setRoleLimit(spec, ctx.actor));
  }

  @Authorized("operator")
  @Mutation(() => Boolean, { description: "Removes a role's limits: its steps are handed out as if it never had any. False if it had none." })
  async removeRoleLimit(@Arg("role", { description: "The role." }) role: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.coordinator.removeRoleLimit(role);
  }
}
