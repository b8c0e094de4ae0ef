/** The plans list's filter and page in the URL (console/src/plans/filters.ts). */
import { describe, expect, it } from "vitest";
import { EMPTY_PARAMS, formatListParams, pageVariables, parseListParams, toPlanFilter, withFilter } from "../../console/src/plans/filters.js";
import { canSteer } from "../../console/src/roles.js";
import { isFinished, stateWord } from "../../console/src/states.js";

describe("the plans list's parameters", () => {
  it("round-trip through the query string, unknown states left out", () => {
    const p = parseListParams("?state=RUNNING,FAILED,BOGUS&label=a,b&template=etl@2&name=report&after=c1");
    expect(p).toEqual({ ...EMPTY_PARAMS, states: ["RUNNING", "FAILED"], labels: ["a", "b"], template: "etl@2", name: "report", after: "c1" });
    expect(formatListParams(p)).toBe("?state=RUNNING,FAILED&label=a,b&template=etl%402&name=report&after=c1");
    expect(parseListParams(formatListParams(p))).toEqual(p);
    expect(formatListParams(EMPTY_PARAMS)).toBe("");
  });

  it("become the API's PlanFilter and page arguments", () => {
    expect(toPlanFilter(EMPTY_PARAMS)).toBeUndefined();
    expect(toPlanFilter({ ...EMPTY_PARAMS, states: ["PAUSED"], name: "x" })).toEqual({ states: ["PAUSED"], nameContains: "x" });
    expect(pageVariables(EMPTY_PARAMS, 25)).toEqual({ first: 25 });
    expect(pageVariables({ ...EMPTY_PARAMS, after: "c" }, 25)).toEqual({ first: 25, after: "c" });
    expect(pageVariables({ ...EMPTY_PARAMS, before: "c" }, 25)).toEqual({ last: 25, before: "c" });
  });

  it("start again from the newest plans when the filter changes", () => {
    expect(withFilter({ ...EMPTY_PARAMS, after: "c" }, { states: ["FAILED"] })).toEqual({ ...EMPTY_PARAMS, states: ["FAILED"] });
  });
});

describe("states and roles", () => {
  it("writes states as words and offers steering to admins and operators only", () => {
    expect([stateWord("RUNNING"), stateWord("COMPENSATED"), stateWord("WAITING")]).toEqual(["Running", "Compensated", "Waiting"]);
    expect(["COMPLETED", "FAILED", "CANCELLED", "COMPENSATED"].every((s) => isFinished(s as never))).toBe(true);
    expect(isFinished("PAUSED")).toBe(false);
    expect((["ADMIN", "OPERATOR", "VIEWER", "AGENT", "METRICS"] as const).filter(canSteer)).toEqual(["ADMIN", "OPERATOR"]);
  });
});
