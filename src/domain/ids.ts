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
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

/** A new random id: prefix, underscore, 20 hex digits (80 random bits). */
export const newId = (kind: keyof typeof IdPrefix): string => `${IdPrefix[kind]}_${randomBytes(10).toString("hex")}`;

export const prefixOf = (id: string): string => id.slice(0, Math.max(0, id.indexOf("_")));

/** Signal ids are derived from their sequence, so a signal id and its cursor agree. */
export const signalId = (sequence: number): string => `sig_${sequence}`;
export const sequenceOfSignalId = (id: string): number | null => {
  const m = /^sig_(\d+)$/.exec(id);
  return m ? Number(m[1]) : null;
};
