import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import type { Principal, TokenRole as Role } from "../../auth/tokens.js";
import type { TokenRecord } from "../../store/tokens.js";
import { Node } from "../common.types.js";
import { batonVersion } from "../../version.js";

/** The GraphQL names of the token roles (values are the roles as the CLI and the store write them). */
export const TokenRole = { VIEWER: "viewer", OPERATOR: "operator", AGENT: "agent", ADMIN: "admin", METRICS: "metrics" } as const satisfies Record<string, Role>;

registerEnumType(TokenRole, {
  name: "TokenRole",
  description: "What a token may do. Every role but METRICS may read (queries and subscriptions).",
  valuesConfig: {
    VIEWER: { description: "Queries and subscriptions only." },
    OPERATOR: { description: "Viewer, plus plans, interventions, signals, context, messages, templates, checkpoints and role limits." },
    AGENT: { description: "Viewer, plus registering its agents, claiming steps for them and reporting their leases; context writes and messages under its own leases." },
    ADMIN: { description: "Everything, including tokens, webhooks and /metrics." },
    METRICS: { description: "Only /metrics (for a Prometheus scraper); no GraphQL." },
  },
});

const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

@ObjectType({ simpleResolvers: true, implements: Node, description: "An API token, without its secret (shown once, when created)." })
export class ApiToken {
  @Field(() => ID, { description: "The token's id (tok_…)." })
  id!: string;

  @Field({ description: "The principal: recorded as the actor of everything done with the token." })
  name!: string;

  @Field(() => TokenRole, { description: "What it may do." })
  role!: Role;

  @Field({ description: "The token's first characters, to recognise it." })
  prefix!: string;

  @Field(() => Date, { description: "When it was created." })
  createdAt!: Date;

  @Field({ description: "Who created it (a principal, or system for the first admin token)." })
  createdBy!: string;

  @Field(() => Date, { nullable: true, description: "When it stops working; null: never." })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When it was revoked; null: it was not." })
  revokedAt!: Date | null;

  @Field(() => [String], {
    nullable: true,
    description: "An agent token's role limit: the only roles its agents may register. Null: any role but the reserved builtin.* ones.",
  })
  roles!: string[] | null;

  static from(t: TokenRecord): ApiToken {
    return Object.assign(new ApiToken(), {
      id: t.id,
      name: t.name,
      role: t.role as Role,
      prefix: t.prefix,
      createdAt: new Date(t.createdAt),
      createdBy: t.createdBy,
      expiresAt: toDate(t.expiresAt),
      revokedAt: toDate(t.revokedAt),
      roles: t.roles,
    });
  }
}

@ObjectType({ simpleResolvers: true, description: "A token just created: the secret, shown this once, and the token's record." })
export class CreatedToken {
  @Field({ description: "The token to send as Authorization: Bearer <token>. It is not stored and cannot be shown again." })
  token!: string;

  @Field(() => ApiToken, { description: "The token's record." })
  info!: ApiToken;
}

@InputType({ description: "A new API token." })
export class CreateTokenInput {
  @Field({ description: "The principal's name (1-200 characters), recorded as the actor of what is done with it." })
  name!: string;

  @Field(() => TokenRole, { description: "What it may do." })
  role!: Role;

  @Field(() => Date, { nullable: true, description: "When it stops working (in the future); omitted: never." })
  expiresAt?: Date | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "AGENT tokens only: the roles its agents may register (1 to 100 roles of 1-200 characters; builtin.* roles are reserved). A registration naming another role is FORBIDDEN. Omitted: any role but builtin.*.",
  })
  roles?: string[] | null;
}

@ObjectType({ simpleResolvers: true, description: "Who the request is made as." })
export class Viewer {
  @Field({ description: "The principal's name (the actor recorded for its changes)." })
  name!: string;

  @Field(() => TokenRole, { description: "Its role." })
  role!: Role;

  @Field(() => ID, { nullable: true, description: "The token used; null when authentication is off." })
  tokenId!: string | null;

  @Field(() => [String], { nullable: true, description: "The token's role limit: the only roles its agents may register; null: no limit." })
  roles!: readonly string[] | null;

  @Field({ description: "The version of the Baton gateway answering (its package version, such as 0.1.0): what a client talks to." })
  version!: string;

  static from(p: Principal): Viewer {
    return Object.assign(new Viewer(), { name: p.name, role: p.role, tokenId: p.tokenId, roles: p.roles ?? null, version: batonVersion() });
  }
}
