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
