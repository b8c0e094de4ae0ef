import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../context.js";
import { ApiToken, CreatedToken, CreateTokenInput, Viewer } from "./token.type.js";

@Resolver()
export class TokenResolver {
  @Authorized("viewer")
  @Query(() => Viewer, { description: "Who this request is made as: the token's principal and role." })
  viewer(@Ctx() ctx: Context): Viewer {
    return Viewer.from(ctx.principal!);
  }

  @Authorized("admin")
  @Query(() => [ApiToken], { description: "Every API token, revoked ones included, oldest first (admin)." })
  async tokens(@Ctx() ctx: Context): Promise<ApiToken[]> {
    return (await ctx.coordinator.tokens.list()).map(ApiToken.from);
  }

  @Authorized("admin")
  @Mutation(() => CreatedToken, { description: "Creates an API token (admin). Its secret is in the result only: it is stored as a hash." })
  async createToken(@Ctx() ctx: Context, @Arg("input", () => CreateTokenInput, { description: "The token." }) input: CreateTokenInput): Promise<CreatedToken> {
    const { token, record } = await ctx.coordinator.tokens.create({ name: input.name, role: input.role, expiresAt: input.expiresAt?.getTime() ?? null, roles: input.roles ?? null }, ctx.actor);
    return Object.assign(new CreatedToken(), { token, info: ApiToken.from(record) });
  }

  @Authorized("admin")
  @Mutation(() => ApiToken, { description: "Revokes a token at once (admin): its requests are refused and its open subscriptions end. Revoking it again changes nothing." })
  async revokeToken(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "The token's id." }) id: string): Promise<ApiToken> {
    return ApiToken.from(await ctx.coordinator.tokens.revoke(id));
  }
}
