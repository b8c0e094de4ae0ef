/**
 * Who may do what. Every root field carries `@Authorized(role, …)` naming the roles it needs
 * (type-graphql runs `authChecker` before the resolver; a schema test checks that no root field
 * lacks it). Roles: viewer reads; operator and agent read too, plus their own writes; admin may
 * do everything. Agents are further held to their own agents and leases (`ownAgent`, `ownLease`).
 */
import type { AuthChecker } from "type-graphql";
import type { Principal, TokenRole } from "../auth/tokens.js";
import type { AgentModel } from "../domain/model.js";
import { BatonError } from "../domain/errors.js";
import type { Context } from "./context.js";

/** Whether a principal of `role` has what `required` grants. */
export const allows = (role: TokenRole, required: TokenRole): boolean =>
  role === "admin" || role === required || (required === "viewer" && role !== "metrics");

export const authChecker: AuthChecker<Context, TokenRole> = ({ context, info }, roles) => {
  const p = context.principal;
  if (!p) throw new BatonError("UNAUTHENTICATED", "authentication required: send Authorization: Bearer <token>");
  if (roles.some((r) => allows(p.role, r))) return true;
  const needed = [...new Set([...roles, "admin"])].join(" or ");
  throw new BatonError("FORBIDDEN", `${info.fieldName} needs the role ${needed}; this token's role is ${p.role}`, { role: p.role, required: roles });
};

const forbidden = (message: string, details: Record<string, unknown>): BatonError => new BatonError("FORBIDDEN", message, details);

/**
 * Whether an agent principal may act for this agent: one it registered (a remote agent), whose
 * roles are all within the token's role limit when it has one (an agent registered under the
 * same name by a token without, or with a wider, limit is not usable by a restricted token).
 */
export function usableAgent(p: Principal, agent: AgentModel): boolean {
  if (agent.builtin || agent.owner !== p.name) return false;
  const allowed = p.roles;
  return !allowed || agent.roles.every((r) => allowed.includes(r));
}

/**
 * A token with a role limit registers agents only for roles within it: FORBIDDEN (naming the
 * allowed roles) otherwise. Without a limit any role passes here (builtin.* roles are refused
 * by the coordinator, for every remote agent).
 */
export function mayRegisterRoles(ctx: Context, roles: readonly string[]): void {
  const allowed = ctx.principal?.roles;
  if (!allowed) return;
  const refused = roles.filter((r) => !allowed.includes(r));
  if (refused.length > 0) {
    throw forbidden(`this token may register agents only for the roles ${allowed.join(", ")}; not for ${refused.join(", ")}`, { allowedRoles: allowed, refusedRoles: refused });
  }
}

/**
 * An agent principal may act only for agents it registered (within its token's role limit, see
 * usableAgent). Others (operators, admins, no authentication) pass; an unknown agent is left for
 * the coordinator to report (NOT_FOUND).
 */
export async function ownAgent(ctx: Context, agentId: string): Promise<void> {
  const p = ctx.principal;
  if (!p || p.role !== "agent") return;
  const agent = await ctx.coordinator.store.queries.agents.get(agentId);
  if (agent && agent.owner !== p.name) throw forbidden(`agent ${agentId} was registered by another principal`, { agentId });
  if (agent && !usableAgent(p, agent)) throw forbidden(`agent ${agentId} serves roles outside this token's role limit (${(p.roles ?? []).join(", ")})`, { agentId });
}

/** An agent principal may use only leases held by its own agents (see ownAgent); an unknown lease is the coordinator's to report. */
export async function ownLease(ctx: Context, leaseId: string): Promise<void> {
  const p = ctx.principal;
  if (!p || p.role !== "agent") return;
  const { queries } = ctx.coordinator.store;
  const lease = await queries.attempts.get(leaseId);
  if (!lease) return;
  const agent = lease.agentId ? await queries.agents.get(lease.agentId) : null;
  if (agent?.owner !== p.name) throw forbidden(`lease ${leaseId} is held by another principal's agent`, { leaseId });
  if (!usableAgent(p, agent)) throw forbidden(`lease ${leaseId} is held by an agent outside this token's role limit`, { leaseId });
}

/** An agent principal writes to a plan (context, messages) only under a lease of its own in it. */
export async function agentNeedsLease(ctx: Context, leaseId: string | null | undefined): Promise<void> {
  if (ctx.principal?.role !== "agent") return;
  if (!leaseId) throw forbidden("an agent writes to a plan under a lease it holds in that plan: pass leaseId", {});
  await ownLease(ctx, leaseId);
}
