import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import { allowance, configured, msUntilToken, takeToken, tokensAt } from "../../src/coordinator/limits.js";
import type { RoleLimitSpec } from "../../src/domain/limits.js";
import { openStore } from "../../src/store/sqlite-store.js";
import { flush, track } from "../helpers/coordinator.js";
import { makeCoordinator, waitFor } from "../helpers/fixtures.js";

const rate = (role: string, claims: number, intervalMs: number, maxConcurrent: number | null = null): RoleLimitSpec => ({ role, claims, intervalMs, maxConcurrent });
const cap = (role: string, maxConcurrent: number): RoleLimitSpec => ({ role, claims: null, intervalMs: null, maxConcurrent });

/** A coordinator with one running plan of `n` steps per role, and an agent serving the roles. */
async function setup(roles: Record<string, number>, concurrency = 10) {
  const { coordinator: c, clock, store } = await makeCoordinator();
  const steps = Object.entries(roles).flatMap(([role, n]) => Array.from({ length: n }, (_, i) => ({ key: `${role}${i}`, role })));
  const plan = (await c.createPlan({ name: "p", policy: { maxParallel: 100 }, steps }, "t")).id;
  const agent = await c.registerAgent({ name: "w", roles: Object.keys(roles), concurrency });
  const roleCounts = async (max: number, agentId = agent.id) => {
    const counts: Record<string, number> = {};
    for (const g of await c.claim(agentId, max)) counts[g.step.role] = (counts[g.step.role] ?? 0) + 1;
    return counts;
  };
  return { c, clock, store, plan, agent, roleCounts };
}

describe("token bucket math", () => {
  const at = 1_000_000;
  const limit = configured(null, rate("r", 3, 1_000), at, "t");

  it("starts full, refills continuously up to its capacity, and says when the next token is due", () => {
    expect(tokensAt(limit, at)).toBe(3);
    const empty = takeToken(takeToken(takeToken(limit, at), at), at);
    expect(tokensAt(empty, at)).toBe(0);
    expect(allowance(empty, 0, at + 333)).toBe(0); // 0.999 of a token
    expect(msUntilToken(empty, at + 333)).toBe(1);
    expect(allowance(empty, 0, at + 334)).toBe(1);
    expect(tokensAt(empty, at + 60_000)).toBe(3);
    expect(msUntilToken(empty, at)).toBe(334);
  });

  it("a cap counts running leases; without a rate there are no tokens", () => {
    const capped = configured(null, cap("r", 2), at, "t");
    expect(tokensAt(capped, at)).toBeNull();
    expect(msUntilToken(capped, at)).toBe(0);
    expect([0, 1, 2, 3].map((running) => allowance(capped, running, at))).toEqual([2, 1, 0, 0]);
    expect(allowance(configured(null, rate("r", 5, 1_000, 2), at, "t"), 1, at)).toBe(1);
  });

  it("a new rate carries the bucket over, capped at the new capacity", () => {
    const one = takeToken(takeToken(limit, at), at); // 1 token left
    expect(tokensAt(configured(one, rate("r", 10, 1_000), at, "t"), at)).toBe(1);
    expect(tokensAt(configured(limit, rate("r", 2, 1_000), at, "t"), at)).toBe(2);
    expect(tokensAt(configured(configured(null, cap("r", 1), at, "t"), rate("r", 4, 1_000), at, "t"), at)).toBe(4);
  });
});

describe("role rate limits", () => {
  it("2/1s: two claims, then none until a token refills 500 ms later", async () => {
    const { c, clock, roleCounts } = await setup({ coder: 6 });
    await c.setRoleLimit(rate("coder", 2, 1_000), "ops");
    expect(await roleCounts(5)).toEqual({ coder: 2 });
    expect(await roleCounts(5)).toEqual({});
    await clock.advance(499);
    expect(await roleCounts(5)).toEqual({});
    await clock.advance(1);
    expect(await roleCounts(5)).toEqual({ coder: 1 });
    expect(await roleCounts(5)).toEqual({});
    await clock.advance(10_000); // the bucket holds at most 2
    expect(await roleCounts(5)).toEqual({ coder: 2 });
    expect(await c.roleLimits()).toEqual([
      { role: "coder", claims: 2, intervalMs: 1_000, maxConcurrent: null, tokens: 0, running: 5, updatedAt: clock.now() - 10_500, updatedBy: "ops" },
    ]);
  });

  it("other roles of the same agent are still handed out, even behind higher-priority limited steps", async () => {
    const { coordinator: c, clock, store } = await makeCoordinator();
    await c.createPlan(
      {
        name: "p",
        policy: { maxParallel: 100 },
        steps: [
          ...Array.from({ length: 4 }, (_, i) => ({ key: `c${i}`, role: "coder", priority: "URGENT" as const })),
          ...Array.from({ length: 3 }, (_, i) => ({ key: `r${i}`, role: "reviewer" })),
        ],
      },
      "t",
    );
    const agent = await c.registerAgent({ name: "w", roles: ["coder", "reviewer"], concurrency: 10 });
    await c.setRoleLimit(rate("coder", 1, 1_000), "ops");
    expect((await c.claim(agent.id, 3)).map((g) => g.step.key)).toEqual(["c0", "r0", "r1"]);
    expect((await c.claim(agent.id, 3)).map((g) => g.step.key)).toEqual(["r2"]);
    await clock.advance(1_000);
    expect((await c.claim(agent.id, 3)).map((g) => g.step.key)).toEqual(["c1"]);
    expect(await store.queries.attempts.runningOfRole("coder")).toBe(2);
  });

  it("a role without limits is not slowed by another role's", async () => {
    const { c, roleCounts } = await setup({ coder: 3, tester: 3 });
    await c.setRoleLimit(rate("coder", 1, 60_000), "ops");
    expect(await roleCounts(10)).toEqual({ coder: 1, tester: 3 });
  });
});

describe("max concurrent leases per role", () => {
  it("maxConcurrent 1: a second claim is refused until the first lease ends", async () => {
    const { c, roleCounts } = await setup({ coder: 3 });
    const other = await c.registerAgent({ name: "other", roles: ["coder"], concurrency: 5 });
    await c.setRoleLimit(cap("coder", 1), "ops");
    const [first] = await c.claim(other.id, 3);
    expect(first).toBeDefined();
    expect(await roleCounts(3)).toEqual({});
    await c.complete(first!.lease.id, null);
    expect(await roleCounts(3)).toEqual({ coder: 1 });
    expect(await roleCounts(3)).toEqual({});
    expect((await c.roleLimits())[0]).toMatchObject({ role: "coder", maxConcurrent: 1, tokens: null, running: 1 });
  });

  it("maxConcurrent 0 holds the role back until the limit is removed", async () => {
    const { c, roleCounts } = await setup({ coder: 1 });
    await c.setRoleLimit(cap("coder", 0), "ops");
    expect(await roleCounts(1)).toEqual({});
    expect(await c.removeRoleLimit("coder")).toBe(true);
    expect(await c.removeRoleLimit("coder")).toBe(false);
    expect(await roleCounts(1)).toEqual({ coder: 1 });
  });
});

describe("long-polling claims of a limited role", () => {
  it("are woken when the next token is due", async () => {
    const { c, clock, agent } = await setup({ coder: 3 });
    await c.setRoleLimit(rate("coder", 1, 1_000), "ops");
    expect(await c.claim(agent.id, 1)).toHaveLength(1);
    const armed = clock.scheduled;
    const waiting = track(c.claim(agent.id, 1, 10_000));
    // Parked once its first attempt is over: its timeout and the wake for the next token are armed.
    await waitFor(() => clock.scheduled === armed + 2);
    await clock.advance(999);
    await flush();
    expect(waiting.settled()).toBe(false);
    expect(c.waitingClaims).toBe(1);
    await clock.advance(1);
    expect((await waiting.promise).map((g) => g.step.key)).toEqual(["coder1"]);
    expect(c.waitingClaims).toBe(0);
  });

  it("are woken when a lease of a capped role ends", async () => {
    const { c, agent } = await setup({ coder: 2 });
    const other = await c.registerAgent({ name: "other", roles: ["coder"] });
    await c.setRoleLimit(cap("coder", 1), "ops");
    const [held] = await c.claim(other.id, 1);
    const waiting = track(c.claim(agent.id, 1, 10_000));
    await flush();
    expect(waiting.settled()).toBe(false);
    await c.complete(held!.lease.id, null);
    expect((await waiting.promise).map((g) => g.step.key)).toEqual(["coder1"]);
  });

  it("are woken when the limit is loosened", async () => {
    const { c, agent } = await setup({ coder: 1 });
    await c.setRoleLimit(cap("coder", 0), "ops");
    const waiting = track(c.claim(agent.id, 1, 10_000));
    await flush();
    expect(waiting.settled()).toBe(false);
    await c.setRoleLimit(cap("coder", 1), "ops");
    expect(await waiting.promise).toHaveLength(1);
  });
});

describe("role limits across a restart", () => {
  it("the bucket is kept: a restart does not refill it; limits set at run time stay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-limits-"));
    const file = join(dir, "baton.db");
    const clock = new ManualClock();
    const options = (roleLimits: RoleLimitSpec[]) => ({ clock, agentOfflineMs: 600_000, checkpointKeep: 100, roleLimits });
    const open = async (roleLimits: RoleLimitSpec[]) => {
      const c = new Coordinator(openStore(file), options(roleLimits));
      await c.start();
      return c;
    };
    const close = async (c: Coordinator) => {
      await c.stop();
      await c.store.close();
    };
    try {
      const before = await open([rate("coder", 2, 1_000)]);
      await before.createPlan({ name: "p", policy: { maxParallel: 100 }, steps: Array.from({ length: 5 }, (_, i) => ({ key: `s${i}`, role: "coder" })) }, "t");
      const agentId = (await before.registerAgent({ name: "w", roles: ["coder"], concurrency: 10 })).id;
      await before.setRoleLimit(cap("reviewer", 3), "ops");
      expect(await before.claim(agentId, 5)).toHaveLength(2);
      await close(before);

      const after = await open([rate("coder", 2, 1_000)]);
      expect(await after.roleLimits()).toEqual([
        { role: "coder", claims: 2, intervalMs: 1_000, maxConcurrent: null, tokens: 0, running: 2, updatedAt: clock.now(), updatedBy: "system" },
        { role: "reviewer", claims: null, intervalMs: null, maxConcurrent: 3, tokens: null, running: 0, updatedAt: clock.now(), updatedBy: "ops" },
      ]);
      expect(await after.claim(agentId, 5)).toHaveLength(0);
      await clock.advance(500);
      expect(await after.claim(agentId, 5)).toHaveLength(1);
      await close(after);

      // A new rate at start-up carries the bucket over instead of starting full.
      const changed = await open([rate("coder", 4, 1_000)]);
      expect((await changed.roleLimits())[0]).toMatchObject({ role: "coder", claims: 4, tokens: 0 });
      await close(changed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
