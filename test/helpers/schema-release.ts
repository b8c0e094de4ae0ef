/**
 * The API contract across releases: the schema of the last release (schema/released.graphql)
 * against the committed schema (schema/schema.graphql), compared by @graphql-inspector/core, and
 * the CHANGELOG rule that lets a breaking change through.
 *
 * The rule: a change the inspector rates BREAKING is allowed only when CHANGELOG.md's
 * `## [Unreleased]` section has a `### Breaking` subsection with a bullet holding a code span
 * equal to the change's key — its inspector `path` (`Plan.steps`, `Query.plans.first` for an
 * argument, `PlanStatus.RUNNING` for an enum value, `Plan` for a type, `@name` for a directive),
 * or, for a change without a path (a schema root type), its inspector `type`
 * (`SCHEMA_QUERY_TYPE_CHANGED`). The span must be exactly the key: `Plan` does not list
 * `Plan.steps`, nor does plain text without backticks. DANGEROUS and NON_BREAKING changes need no
 * entry; they are reported as a readable list.
 */
import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema } from "graphql";

export const CHANGELOG_RULE =
  "A breaking change to the schema since the last release (schema/released.graphql) must be listed in CHANGELOG.md: " +
  "under `## [Unreleased]`, a `### Breaking` heading with a bullet naming the change's path as a code span " +
  "(e.g. \"- `Plan.steps` was removed: read `Plan.stepConnection`.\"). The path is the inspector's: `Type`, " +
  "`Type.field`, `Type.field.argument`, `Input.field`, `Enum.VALUE`, `@directive`.";

/** What a CHANGELOG bullet must name (as a code span) for a breaking change: its path, or its type when it has none. */
export const changeKey = (change: Change): string => change.path ?? change.type;

/** The bullets under `### Breaking` in the `## [Unreleased]` section (continuation lines joined). */
export function unreleasedBreakingBullets(changelog: string): string[] {
  const bullets: string[] = [];
  let inUnreleased = false;
  let inBreaking = false;
  for (const line of changelog.split(/\r?\n/)) {
    if (/^## /.test(line)) {
      inUnreleased = /^## \[Unreleased\]\s*$/i.test(line);
      inBreaking = false;
      continue;
    }
    if (/^#{1,3} /.test(line)) {
      inBreaking = inUnreleased && /^### Breaking\s*$/i.test(line);
      continue;
    }
    if (!inBreaking) continue;
    if (/^[-*] /.test(line)) bullets.push(line.slice(2).trim());
    else if (/^\s+\S/.test(line) && bullets.length > 0) bullets[bullets.length - 1] += ` ${line.trim()}`;
  }
  return bullets;
}

/** The keys listed as breaking: every code span of every bullet under Unreleased → Breaking. */
export function listedBreaking(changelog: string): Set<string> {
  const keys = new Set<string>();
  for (const bullet of unreleasedBreakingBullets(changelog)) {
    for (const m of bullet.matchAll(/`([^`]+)`/g)) keys.add(m[1]!.trim());
  }
  return keys;
}

export interface SchemaReview {
  /** Every change, in the inspector's order. */
  changes: Change[];
  breaking: Change[];
  /** Breaking changes the CHANGELOG does not list: these fail the suite. */
  unlisted: Change[];
  dangerous: Change[];
  safe: Change[];
}

/** Compares two SDL texts (the released schema first) and applies the CHANGELOG rule. */
export async function reviewSchema(releasedSdl: string, currentSdl: string, changelog: string): Promise<SchemaReview> {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  const listed = listedBreaking(changelog);
  const at = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  const breaking = at(CriticalityLevel.Breaking);
  return {
    changes,
    breaking,
    unlisted: breaking.filter((c) => !listed.has(changeKey(c))),
    dangerous: at(CriticalityLevel.Dangerous),
    safe: at(CriticalityLevel.NonBreaking),
  };
}

/** One line per change: "  Plan.steps  Field 'steps' was removed … (reason)". */
export function formatChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return "  (none)";
  return changes.map((c) => `  ${changeKey(c)}  ${c.message}${c.criticality.reason ? ` (${c.criticality.reason})` : ""}`).join("\n");
}

/** The report printed by the test: dangerous and safe changes since the release (and the listed breaking ones). */
export function formatReview(review: SchemaReview): string {
  const listed = review.breaking.filter((c) => !review.unlisted.includes(c));
  return [
    `Schema changes since the last release (schema/released.graphql → schema/schema.graphql): ${review.changes.length}`,
    ...(listed.length ? [`BREAKING, listed in CHANGELOG.md (Unreleased → Breaking): ${listed.length}`, formatChanges(listed)] : []),
    `DANGEROUS (allowed; check clients handle them): ${review.dangerous.length}`,
    formatChanges(review.dangerous),
    `NON_BREAKING: ${review.safe.length}`,
    formatChanges(review.safe),
  ].join("\n");
}

/** The failure message: each unlisted breaking change, a bullet to paste, and the rule. */
export function formatUnlisted(unlisted: readonly Change[]): string {
  const keys = [...new Set(unlisted.map(changeKey))];
  return [
    `${unlisted.length} breaking schema change(s) since the last release not listed in CHANGELOG.md:`,
    formatChanges(unlisted),
    "",
    CHANGELOG_RULE,
    "For these, under `## [Unreleased]` → `### Breaking`:",
    ...keys.map((k) => `- \`${k}\`: <what changed and what clients do instead>`),
    "",
  ].join("\n");
}
