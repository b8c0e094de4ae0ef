/**
 * Regular expressions written by users (`when` rules with op `matches`, builtin.merge's
 * `config.pii.patterns`) run on RE2 (the `re2js` package, pure JavaScript): matching takes time
 * linear in the pattern and the text, whatever the pattern, so no pattern can hold the event loop
 * (ReDoS). JavaScript's own RegExp backtracks, and is kept for Baton's own constant patterns only.
 *
 * A user pattern is written in JavaScript syntax and must also be valid there; it is translated
 * to RE2 syntax (named groups, `\u{…}` and `\uXXXX` escapes, `\cX`). What RE2 cannot match in
 * linear time — backreferences (`\1`, `\k<name>`), lookahead and lookbehind — is refused when the
 * plan, template or added step is checked. Matching is by code point, as with JavaScript's `u`
 * flag; the classes `\d`, `\w`, `\s` and `\b` are ASCII (RE2's).
 */
import { RE2JS } from "re2js";

export type UserPattern = RE2JS;

/** The longest pattern source accepted. */
export const MAX_PATTERN_LENGTH = 200;

/** Why RE2 refuses a pattern that JavaScript accepts. */
export const UNSUPPORTED_FEATURE = "uses a feature not supported (RE2 syntax: no backreferences, lookahead or lookbehind)";

/** Thrown for a pattern that cannot be used; `message` says why (see patternProblem). */
export class PatternError extends Error {
  override readonly name = "PatternError";
}

/** `\k<name>` (a named backreference), which translateRegExp would turn into the literal text "k<name>". */
function hasNamedBackreference(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== "\\") continue;
    if (source[i + 1] === "k") return true;
    i++; // skip the escaped character
  }
  return false;
}

/**
 * Compiles a user pattern for RE2, or throws a PatternError. `unicode`: the pattern is read as
 * JavaScript reads it with the `u` flag (route rules) or without (PII patterns), for the syntax check.
 */
function compileUncached(source: string, unicode: boolean): UserPattern {
  try {
    new RegExp(source, unicode ? "u" : ""); // syntax only: compiling a JavaScript RegExp never runs it
  } catch (e) {
    throw new PatternError(`is not a valid regular expression: ${(e as Error).message}`);
  }
  if (hasNamedBackreference(source)) throw new PatternError(`${UNSUPPORTED_FEATURE}: \\k<name>`);
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source));
  } catch (e) {
    throw new PatternError(`${UNSUPPORTED_FEATURE}: ${(e as Error).message.replace(/^error parsing regexp: /, "")}`);
  }
}

/** Compiled patterns, by source; bounded, oldest out first (plans may bring any number of patterns). */
const MAX_CACHED = 512;
const cache = new Map<string, UserPattern>();

/** The RE2 pattern of a user's source (cached); throws a PatternError when it cannot be used. */
export function userPattern(source: string, unicode = true): UserPattern {
  const key = `${unicode ? "u" : "-"}${source}`;
  let p = cache.get(key);
  if (!p) {
    p = compileUncached(source, unicode);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, p);
  }
  return p;
}

/** What is wrong with a user's pattern source, or null: too long, invalid, or beyond RE2. */
export function patternProblem(source: string, unicode = true): string | null {
  if (source.length > MAX_PATTERN_LENGTH) return `must be a regular expression of at most ${MAX_PATTERN_LENGTH} characters, got ${source.length}`;
  try {
    userPattern(source, unicode);
    return null;
  } catch (e) {
    if (e instanceof PatternError) return e.message;
    throw e;
  }
}

/** Whether the pattern matches somewhere in the text (unanchored, like RegExp.test). */
export const patternTest = (p: UserPattern, text: string): boolean => p.test(text);

/** Every match of the pattern in the text replaced by what `replace` returns for it (the text as is: no `$` expansion). */
export const patternReplaceAll = (p: UserPattern, text: string, replace: (match: string) => string): string =>
  p.matcher(text).replaceAll((m: string) => replace(m));
