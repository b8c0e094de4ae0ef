/**
 * Versions computed as max()+1 stay unique when two gateways write at once: template versions
 * (each name's writers take its lock first) and plan context versions (writers hold the plan's
 * row lock; the unique index on (plan_id, context_version) backs it). Two coordinators, each on
 * its own pool, over one database.
 */
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import { eachSharedDatabase } from "../helpers/database.js";

describe("max()+1 versions with two writers on PostgreSQL", () => {
  const db = eachSharedDatabase();

  const twoGateways = async (): Promise<[Coordinator, Coordinator]> => {
    const [a, b] = [await db.open(), await db.open()];
    const options = { clock: systemClock, agentOfflineMs: 60_000, checkpointKeep: 10 };
    return [new Coordinator(a, options), new Coordinator(b, options)];
  };

  it("gives every template registration its own version", async () => {
    const [a, b] = await twoGateways();
    const register = (c: Coordinator, n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => c.templates.register({ name: "shared", description: `${i}`, steps: [{ key: "a", role: "r" }] })));
    const made = [...(await register(a, 8)), ...(await Promise.all([register(a, 8), register(b, 8)])).flat()];
    expect(made.map((t) => t.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it("gives every context write of a plan its own context version", async () => {
    const [a, b] = await twoGateways();
    const plan = await a.createPlan({ name: "p", steps: [{ key: "s", role: "r" }] }, "test");
    const write = (c: Coordinator, who: string, n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => c.updateContext({ planId: plan.id, key: `${who}${i % 3}`, value: i }, { actor: who })));
    const entries = (await Promise.all([write(a, "a", 10), write(b, "b", 10)])).flat();
    expect(entries.map((e) => e.contextVersion).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // per key: 1, 2, … in write order
    const byKey = new Map<string, number[]>();
    for (const e of entries) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.version]);
    for (const versions of byKey.values()) expect([...versions].sort((x, y) => x - y)).toEqual(versions.map((_, i) => i + 1));
  });
});
