/** The intervention dialogs' plain functions (console/src/plan/edit.ts), no browser. */
import { describe, expect, it } from "vitest";
import { moved, parseJson } from "../../console/src/plan/edit.js";

describe("parseJson", () => {
  it("gives the value of valid JSON, nothing for an empty optional field", () => {
    expect(parseJson('{ "a": [1, null] }', "Input")).toEqual({ value: { a: [1, null] } });
    expect(parseJson("false", "Input")).toEqual({ value: false });
    expect(parseJson("  ", "Input")).toEqual({});
  });

  it("says what is wrong with invalid JSON, and that a required field is empty", () => {
    expect(parseJson("{ oops", "Substitute output").error).toMatch(/^Substitute output is not valid JSON: /);
    expect(parseJson("", "Input", true).error).toBe("Input: JSON is required.");
  });
});

describe("moved", () => {
  it("moves an item down or up, leaving the list given as it was", () => {
    const list = ["a", "b", "c", "d"];
    expect(moved(list, 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moved(list, 3, 0)).toEqual(["d", "a", "b", "c"]);
    expect(moved(list, 1, 1)).toEqual(list);
    expect(list).toEqual(["a", "b", "c", "d"]);
  });
});
