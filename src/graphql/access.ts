/**
 * Who may do what. Every root field carries `@Authorized(role, …)` naming the roles it needs
 * (type-graphql runs `authChecker` before the resolver; a schema test checks that no root field
 * lacks it). Roles: viewer reads; operator and agent read too, plus their own writes; admin may
 * do everything. Agents are further held to their own agents and leases (`ownAgent`, `ownLease`).
 */
import type { AuthChecker } from "type-graphql";
import type { TokenRole } from "../auth/tokens.js";
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
 * An agent principal may act only for agents it registered. Others (operators, admins, no
 * authentication) pass; an unknown agent is left for the coordinator to report (NOT_FOUND).
 */
export function ownAgent(ctx: Context, agentId: string): void {
  const p = ctx.principal;
  if (!p || p.role !== "agent") return;
  const agent = ctx.coordinator.store.agents.get(agentId);
  if (agent && agent.owner !== p.name) throw forbidden(`agent ${agentId} was registered by another principal`, { agentId });
}

/** An agent principal may use only leases held by its own agents (see ownAgent); an unknown lease is the coordinator's to report. */
export function ownLease(ctx: Context, leaseId: string): void {
  const p = ctx.principal;
  if (!p || p.role !== "agent") return;
  const lease = ctx.coordinator.store.attempts.get(leaseId);
  if (!lease) return;
  const agent = lease.agentId ? ctx.coordinator.store.agents.get(lease.agentId) : null;
  if (agent?.owner !== p.name) throw forbidden(`lease ${leaseId} is held by another principal's agent`, { leaseId });
}

/** An agent principal writes to a plan (context, messages) only under a lease of its own in it. */
export function agentNeedsLease(ctx: Context, leaseId: string | null | undefined): void {
  if (ctx.principal?.role !== "agent") return;
  if (!leaseId) throw forbidden("an agent writes to a plan under a lease it holds in that plan: pass leaseId", {});
  ownLease(ctx, leaseId);
}
