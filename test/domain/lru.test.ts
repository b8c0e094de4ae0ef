import { describe, expect, it } from "vitest";
import { Lru } from "../../src/domain/lru.js";

describe("Lru", () => {
  it("drops the least recently used entries past its total weight; a read makes an entry recent", () => {
    const lru = new Lru<string, number>(10);
    lru.set("a", 1, 4);
    lru.set("b", 2, 4);
    expect(lru.get("a")).toBe(1); // a is now the most recent
    lru.set("c", 3, 4); // 12 > 10: b goes
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
    expect([lru.size, lru.weight]).toEqual([2, 8]);
    lru.set("a", 9, 1); // replaced, not counted twice
    expect([lru.get("a"), lru.weight]).toEqual([9, 5]);
    lru.delete("c");
    expect([lru.size, lru.weight]).toEqual([1, 1]);
  });

  it("counts entries when each weighs 1, and never keeps one heavier than the bound", () => {
    const lru = new Lru<number, number>(3);
    for (let i = 0; i < 5; i++) lru.set(i, i);
    expect([lru.get(0), lru.get(1), lru.get(2), lru.get(3), lru.get(4)]).toEqual([undefined, undefined, 2, 3, 4]);
    lru.set(9, 9, 4);
    expect([lru.size, lru.weight]).toEqual([0, 0]);
  });
});
