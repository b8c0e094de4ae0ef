/**
 * The committed SDL is the contract: schema/schema.graphql (what the code emits, checked by
 * schema.test.ts) is compared with schema/released.graphql (the schema of the last release) by
 * @graphql-inspector/core. A breaking change fails unless CHANGELOG.md lists it (the rule is in
 * test/helpers/schema-release.ts); dangerous and safe changes are printed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, Kind, parse, print, type DocumentNode } from "graphql";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/store/database.js";
import {
  changeKey,
  CHANGELOG_RULE,
  formatReview,
  formatUnlisted,
  listedBreaking,
  reviewSchema,
  unreleasedBreakingBullets,
} from "../helpers/schema-release.js";

const root = packageRoot();
const read = (...path: string[]) => readFileSync(join(root, ...path), "utf8");

describe("the schema against the last release", () => {
  it("the last release in CHANGELOG.md is package.json's version, and schema/released.graphql (its schema) is valid SDL", () => {
    const changelog = read("CHANGELOG.md");
    const versions = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\]/gm)].map((m) => m[1]);
    expect(versions[0]).toBe(JSON.parse(read("package.json")).version);
    const released = buildSchema(read("schema", "released.graphql"));
    expect(released.getQueryType()?.getFields().plan).toBeDefined();
  });

  it("has no breaking change that CHANGELOG.md's Unreleased section does not list under Breaking", async () => {
    const review = await reviewSchema(read("schema", "released.graphql"), read("schema", "schema.graphql"), read("CHANGELOG.md"));
    console.log(formatReview(review));
    expect(review.unlisted.map(changeKey), formatUnlisted(review.unlisted)).toEqual([]);
  });
});

// The rule itself, over small schemas.
const V1 = `
  type Query { plan(id: ID!): Plan, plans(first: Int): [Plan!]! }
  type Plan { id: ID!, goal: String!, steps: [Step!]!, status: PlanStatus! }
  type Step { key: String!, output: String }
  enum PlanStatus { RUNNING DONE }
  input PlanInput { goal: String!, label: String }
  type Mutation { createPlan(input: PlanInput!): Plan! }
`;
const changelog = (breaking: string[], other = "") =>
  ["# Changelog", "", "## [Unreleased]", "", other, "### Breaking", "", ...breaking, "", "## [0.1.0] - 2026-12-06", "", "Text."].join("\n");

describe("the CHANGELOG rule for breaking changes", () => {
  it("a removed field is breaking and fails, naming the change and the rule", async () => {
    const review = await reviewSchema(V1, V1.replace(", goal: String!", ""), changelog([]));
    expect(review.breaking.map(changeKey)).toEqual(["Plan.goal"]);
    expect(review.unlisted.map(changeKey)).toEqual(["Plan.goal"]);
    const message = formatUnlisted(review.unlisted);
    expect(message).toContain("Plan.goal  Field 'goal' was removed from object type 'Plan'");
    expect(message).toContain(CHANGELOG_RULE);
    expect(message).toContain("- `Plan.goal`: ");
  });

  it.each([
    ["a removed type (and the field using it)", V1.replace("steps: [Step!]!, ", "").replace("type Step { key: String!, output: String }", ""), ["Step", "Plan.steps"]],
    ["a renamed field", V1.replace("goal: String!", "title: String!"), ["Plan.goal"]],
    ["a removed argument", V1.replace("plans(first: Int)", "plans"), ["Query.plans.first"]],
    ["a removed enum value", V1.replace("RUNNING DONE", "RUNNING"), ["PlanStatus.DONE"]],
    ["an output made nullable", V1.replace("goal: String!", "goal: String"), ["Plan.goal"]],
    ["a changed output type", V1.replace("output: String", "output: Int"), ["Step.output"]],
    ["a new required argument", V1.replace("plans(first: Int)", "plans(first: Int, owner: String!)"), ["Query.plans.owner"]],
    ["an argument made required", V1.replace("plans(first: Int)", "plans(first: Int!)"), ["Query.plans.first"]],
    ["an input field made required", V1.replace("label: String }", "label: String! }"), ["PlanInput.label"]],
    ["a new required input field", V1.replace("label: String }", "label: String, owner: String! }"), ["PlanInput.owner"]],
  ])("%s is breaking", async (_, next, keys) => {
    const review = await reviewSchema(V1, next, changelog([]));
    expect(review.breaking.map(changeKey).sort()).toEqual([...keys].sort());
    expect(review.unlisted.map(changeKey).sort()).toEqual([...keys].sort());
  });

  it("a breaking change listed under Unreleased → Breaking passes", async () => {
    const log = changelog(["- `Plan.goal` was removed: read `Plan.title`.", "- `PlanStatus.DONE` is now", "  `PlanStatus.SUCCEEDED`."]);
    expect(listedBreaking(log)).toEqual(new Set(["Plan.goal", "Plan.title", "PlanStatus.DONE", "PlanStatus.SUCCEEDED"]));
    const review = await reviewSchema(V1, V1.replace(", goal: String!", "").replace("RUNNING DONE", "RUNNING SUCCEEDED"), log);
    expect(review.breaking.map(changeKey).sort()).toEqual(["Plan.goal", "PlanStatus.DONE"]);
    expect(review.unlisted).toEqual([]);
  });

  it.each([
    ["under another heading of Unreleased", changelog([], "### Changed\n\n- `Plan.goal` was removed.\n")],
    ["under Breaking of a released version", "## [Unreleased]\n\n## [0.1.0] - 2026-12-06\n\n### Breaking\n\n- `Plan.goal` was removed.\n"],
    ["without backticks", changelog(["- Plan.goal was removed."])],
    ["as its type only", changelog(["- `Plan` lost a field."])],
    ["as a longer path", changelog(["- `Plan.goalText` was removed."])],
    ["outside a bullet", changelog(["`Plan.goal` was removed."])],
  ])("a breaking change named %s is not listed", async (_, log) => {
    const review = await reviewSchema(V1, V1.replace(", goal: String!", ""), log);
    expect(review.unlisted.map(changeKey)).toEqual(["Plan.goal"]);
  });

  it("dangerous and safe changes pass and are reported", async () => {
    const next = V1.replace("RUNNING DONE", "RUNNING DONE PAUSED")
      .replace("plans(first: Int)", "plans(first: Int, last: Int)")
      .replace("output: String }", "output: String, version: Int! }");
    const review = await reviewSchema(V1, next, changelog([]));
    expect(review.breaking).toEqual([]);
    expect(review.dangerous.map(changeKey).sort()).toEqual(["PlanStatus.PAUSED", "Query.plans.last"]);
    expect(review.safe.map(changeKey)).toEqual(["Step.version"]);
    const report = formatReview(review);
    expect(report).toMatch(/DANGEROUS[^\n]*: 2\n(  .*\n){2}NON_BREAKING: 1\n  Step\.version/);
    expect(report).toContain("PlanStatus.PAUSED  Enum value 'PAUSED' was added to enum 'PlanStatus'");
  });

  it("removing a field from a copy of today's schema fails the real CHANGELOG", async () => {
    const current = read("schema", "schema.graphql");
    const doc = parse(current);
    const without: DocumentNode = {
      ...doc,
      definitions: doc.definitions.map((d) =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === "Plan" ? { ...d, fields: d.fields?.filter((f) => f.name.value !== "steps") } : d,
      ),
    };
    const review = await reviewSchema(read("schema", "released.graphql"), print(without), read("CHANGELOG.md"));
    expect(review.unlisted.map(changeKey)).toContain("Plan.steps");
    expect(formatUnlisted(review.unlisted)).toContain("Field 'steps' was removed from object type 'Plan'");
  });

  it("reads the real CHANGELOG: an Unreleased section whose Breaking bullets are all code-span keys", () => {
    const log = read("CHANGELOG.md");
    expect(log).toMatch(/^## \[Unreleased\]\s*$/m);
    // Whatever Breaking lists today, the parser sees each bullet (none is lost to formatting).
    for (const bullet of unreleasedBreakingBullets(log)) expect(bullet.length).toBeGreaterThan(0);
  });
});
