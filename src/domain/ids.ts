import { randomBytes } from "node:crypto";

/** Id prefixes: every id says what it names. Ids are otherwise opaque. */
export const IdPrefix = {
  plan: "plan",
  agent: "agt",
  signal: "sig",
  checkpoint: "ckp",
  intervention: "int",
  template: "tpl",
  lease: "lease",
  webhook: "whk",
  token: "tok",
  gateway: "gw",
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

const ID_BYTES = 10;
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A new random id: prefix, underscore, 20 hex digits (80 random bits). Random bytes are drawn
 * from the OS in pools of 256 ids: one call per id costs more than the rest of a claim.
 */
export function newId(kind: keyof typeof IdPrefix): string {
  if (offset >= pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${IdPrefix[kind]}_${hex}`;
}

export const prefixOf = (id: string): string => id.slice(0, Math.max(0, id.indexOf("_")));

/** Signal ids are derived from their sequence, so a signal id and its cursor agree. */
export const signalId = (sequence: number): string => `sig_${sequence}`;
export const sequenceOfSignalId = (id: string): number | null => {
  const m = /^sig_(\d+)$/.exec(id);
  return m ? Number(m[1]) : null;
};

/**
 * Derived ids: objects that have no row of their own get an id made from what identifies them,
 * so it is the same on every read and `node(id:)` can find the object again. Keys are arbitrary
 * strings, so they are base64url-encoded (no ".", which separates the parts).
 */
const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64url");
const unb64 = (s: string): string | null => (/^[A-Za-z0-9_-]*$/.test(s) ? Buffer.from(s, "base64url").toString("utf8") : null);

/**
 * A step's id: `stp_<owner id>.<base64url(step key)>`. The owner is the plan (`plan_…`) for the
 * plan's steps as they are; a checkpoint (`ckp_…`) for the steps of a snapshot taken from it,
 * which are the plan's steps as they were (another object, so a normalised cache never mixes the
 * two); a template version (`tpl_…`) for the steps of a template.
 */
export const stepId = (ownerId: string, key: string): string => `stp_${ownerId}.${b64(key)}`;
export function parseStepId(id: string): { ownerId: string; key: string } | null {
  if (!id.startsWith("stp_")) return null;
  const dot = id.lastIndexOf(".");
  if (dot <= 4) return null;
  const key = unb64(id.slice(dot + 1));
  const ownerId = id.slice(4, dot);
  return key && key.length > 0 && b64(key) === id.slice(dot + 1) ? { ownerId, key } : null;
}

/** An attempt's id (its trace): `att_<lease id>`; the attempt row's id is the lease it ran under. */
export const attemptId = (leaseId: string): string => `att_${leaseId}`;
export const leaseIdOfAttempt = (id: string): string | null => (id.startsWith("att_") && id.length > 4 ? id.slice(4) : null);

/** A role limit's id: `lim_<base64url(role)>` (a role has at most one). */
export const roleLimitId = (role: string): string => `lim_${b64(role)}`;
export function roleOfLimitId(id: string): string | null {
  if (!id.startsWith("lim_")) return null;
  const role = unb64(id.slice(4));
  return role && b64(role) === id.slice(4) ? role : null;
}
