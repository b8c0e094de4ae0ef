/**
 * What a token's role may do in the console, so that what it may not do is not offered
 * (the gateway refuses it anyway: src/graphql/access.ts). Viewers and agents read; operators
 * and admins also steer plans.
 */
export type Role = "ADMIN" | "OPERATOR" | "VIEWER" | "AGENT" | "METRICS";

/** Pause, resume, cancel plans; retry and skip steps. */
export function canSteer(role: Role): boolean {
  return role === "ADMIN" || role === "OPERATOR";
}

/** Whether the role may use the console at all (a metrics token reads only /metrics). */
export function canRead(role: Role): boolean {
  return role !== "METRICS";
}
