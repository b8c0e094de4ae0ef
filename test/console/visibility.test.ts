/** The context entries a step's agent sees (console/src/plan/visibility.ts): plain functions, no browser. */
import { describe, expect, it } from "vitest";
import { visibleToStep } from "../../console/src/plan/visibility.js";

const entries = [
  { key: "all", targets: [] },
  { key: "coders", targets: ["coder"] },
  { key: "reviewers", targets: ["reviewer"] },
  { key: "agent-1", targets: ["agent_1"] },
  { key: "agent-2", targets: ["agent_2"] },
  { key: "either", targets: ["reviewer", "agent_1"] },
];
const keys = (list: readonly { key: string }[]) => list.map((e) => e.key);

describe("visibleToStep", () => {
  it("shows a step not yet claimed the entries for everyone and for its role", () => {
    expect(keys(visibleToStep(entries, { role: "coder" }))).toEqual(["all", "coders"]);
    expect(keys(visibleToStep(entries, { role: "coder", agent: null }))).toEqual(["all", "coders"]);
  });

  it("adds the entries naming the agent that claimed it, by id or by another of its roles", () => {
    expect(keys(visibleToStep(entries, { role: "coder", agent: { id: "agent_1", roles: ["coder"] } }))).toEqual(["all", "coders", "agent-1", "either"]);
    expect(keys(visibleToStep(entries, { role: "coder", agent: { id: "agent_2", roles: ["coder", "reviewer"] } }))).toEqual(["all", "coders", "reviewers", "agent-2", "either"]);
  });

  it("hides an entry targeted only at other roles and agents", () => {
    expect(keys(visibleToStep([{ key: "other", targets: ["ops", "agent_9"] }], { role: "coder", agent: { id: "agent_1", roles: ["coder"] } }))).toEqual([]);
  });
});
