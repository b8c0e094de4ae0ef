/**
 * PII masking: emails, phone numbers, national-id-like numbers, payment card numbers and
 * configured names or patterns are replaced by "***", counted per kind. Every built-in rule is
 * anchored so that it never starts or ends inside a longer word or number, and the numeric ones
 * check what they match (digit counts, Luhn, card prefixes, SSN ranges) so that years, prices,
 * dates, times, versions, percentages and order numbers are left alone.
 */
import { patternReplaceAll, userPattern, type UserPattern } from "../domain/regex.js";

export type PiiKind = "email" | "phone" | "nationalId" | "card" | "custom";
export type PiiCounts = Record<PiiKind, number>;

/** `config.pii` of a builtin.merge step: names to mask (whole words, any case) and regex sources. */
export interface PiiConfig {
  names?: readonly string[];
  patterns?: readonly string[];
}

const MASK = "***";

export const noPii = (): PiiCounts => ({ email: 0, phone: 0, nationalId: 0, card: 0, custom: 0 });

interface Rule {
  kind: PiiKind;
  /** Baton's own patterns are JavaScript RegExps (linear: see RULES); a user's run on RE2. */
  re: RegExp | UserPattern;
  /** A further check of the matched text; a match it refuses is left as it is. */
  accept?: (match: string) => boolean;
}

const digitsOf = (s: string): string => s.replace(/\D/g, "");
const digitCount = (min: number, max: number) => (s: string) => {
  const n = digitsOf(s).length;
  return n >= min && n <= max;
};

/** The Luhn checksum (cards, Canadian SINs) of a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Prefixes of the major card networks: Visa, Mastercard (51-55, 2221-2720), Amex, Diners, JCB, Discover, UnionPay. */
const CARD_PREFIX = /^(?:4|5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720|3[0-8]|6)/;

/** A valid US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000. */
const ssnValid = (s: string): boolean => {
  const d = digitsOf(s);
  return !/^(?:000|666|9)/.test(d) && d.slice(3, 5) !== "00" && d.slice(5) !== "0000";
};

// Not preceded by a word character, a sign, a decimal point, or a digit and a separator.
const START = String.raw`(?<![\w.,+-]|\d[ .-])`;
// Not followed by a word character, or by a separator or decimal point and a digit.
const END = String.raw`(?![\w]|[ .,-]\d)`;
const rule = (kind: PiiKind, source: string, accept?: (m: string) => boolean): Rule => ({
  kind,
  re: new RegExp(`${START}${source}${END}`, "g"),
  ...(accept ? { accept } : {}),
});

/**
 * In order: earlier rules mask first, so later ones never see (or count) the same text.
 *
 * These stay JavaScript RegExps (they need lookbehind, lookahead and backreferences, which RE2
 * lacks) because each is linear in the text: every quantifier but the email's is bounded, so an
 * attempt at one position does bounded work (at most 19 to 27 characters); the email's runs are
 * of characters that cannot follow each other ambiguously (the local part stops at its only "@",
 * domain labels are split by "." which they cannot hold), and its lookbehind lets an attempt start
 * only where a run starts. test/merge/pii.test.ts times them on adversarial text.
 */
const RULES: readonly Rule[] = [
  {
    kind: "email",
    re: /(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g,
  },
  // 13-19 digits, plain or in 3 to 5 groups split by one kind of separator; Luhn-valid, with a card prefix.
  rule("card", String.raw`(?:\d{13,19}|\d{4,6}([ -])\d{3,6}(?:\1\d{3,6}){1,3})`, (m) => {
    const d = digitsOf(m);
    return d.length >= 13 && d.length <= 19 && CARD_PREFIX.test(d) && luhn(d);
  }),
  // US SSN 123-45-6789 (or spaced), Canadian SIN 123-456-789 (Luhn), UK NINO AB 12 34 56 C.
  rule("nationalId", String.raw`\d{3}([- ])\d{2}\1\d{4}`, ssnValid),
  rule("nationalId", String.raw`\d{3}-\d{3}-\d{3}`, (m) => luhn(digitsOf(m))),
  rule("nationalId", String.raw`[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]`),
  // International (+ and country code, 8-15 digits), North American, national with a trunk 0.
  rule("phone", String.raw`\+[1-9]\d{0,2}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){2,6}`, digitCount(8, 15)),
  rule("phone", String.raw`(?:\(\d{3}\) ?\d{3}[-. ]|\d{3}([-. ])\d{3}\1)\d{4}`),
  rule("phone", String.raw`0[1-9]\d{1,3}[ -]\d{3,4}(?:[ -]?\d{3,4})?`, digitCount(10, 11)),
];

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * One rule for all configured names: whole words, any case, any whitespace between their words.
 * The names are escaped (literal text; user text never becomes regex syntax), and each `\s+`
 * is followed by a non-space, so the rule backtracks at most over one run of spaces per attempt.
 */
function namesRule(names: readonly string[]): Rule | null {
  const words = names.map((n) => n.trim().split(/\s+/).map(escapeRegExp).join(String.raw`\s+`)).filter((n) => n !== "");
  if (words.length === 0) return null;
  words.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)); // longest first
  return { kind: "custom", re: new RegExp(String.raw`(?<![\p{L}\p{N}_])(?:${words.join("|")})(?![\p{L}\p{N}_])`, "giu") };
}

/** Masks text in place of PII and adds what it masked to `counts`. */
export type Masker = (text: string, counts: PiiCounts) => string;

/**
 * The masker for a config (already checked: patterns compile). Configured names and patterns
 * run after the built-in rules; a pattern's empty matches are ignored.
 */
export function masker(config: PiiConfig = {}): Masker {
  const names = namesRule(config.names ?? []);
  // A user's pattern runs on RE2 (linear time); one RE2 cannot compile throws (PatternError): the merge fails rather than leave PII unmasked.
  const rules = [...RULES, ...(names ? [names] : []), ...(config.patterns ?? []).map((p): Rule => ({ kind: "custom", re: userPattern(p, false) }))];
  return (text, counts) =>
    rules.reduce((t, { kind, re, accept }) => {
      const replace = (m: string): string => {
        if (m === "" || (accept && !accept(m))) return m;
        counts[kind]++;
        return MASK;
      };
      return re instanceof RegExp ? t.replace(re, replace) : patternReplaceAll(re, t, replace);
    }, text);
}
