import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import { openStore } from "../../src/store/sqlite-store.js";

describe("after a restart", () => {
  it("a lease and a retry backoff that fell due while the server was down fire at start-up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-restart-"));
    const file = join(dir, "baton.db");
    const clock = new ManualClock();
    const options = { clock, agentOfflineMs: 600_000, checkpointKeep: 100 };
    try {
      const before = new Coordinator(openStore(file), options);
      await before.start();
      const plan = (
        await before.createPlan(
          {
            name: "p",
            policy: { heartbeatTimeoutMs: 10_000, maxParallel: 2 },
            steps: [
              { key: "leased", role: "r" },
              { key: "waiting", role: "r", retry: { initialIntervalMs: 5_000 } },
            ],
          },
          "t",
        )
      ).id;
      const agent = await before.registerAgent({ name: "w", roles: ["r"], concurrency: 2 });
      const grants = await before.claim(agent.id, 2);
      await before.fail(grants.find((g) => g.step.key === "waiting")!.lease.id, { message: "flaky" });
      await before.stop();
      await before.store.close();

      await clock.advance(60_000); // the server is down: nothing runs
      const after = new Coordinator(openStore(file), options);
      await after.start(); // arms for what fell due: at once
      await clock.advance(0);
      const a = (await after.store.queries.plans.load(plan))!;
      expect(a.steps.map((s) => [s.key, s.state])).toEqual([
        ["leased", "READY"],
        ["waiting", "READY"],
      ]);
      expect((await after.store.queries.attempts.list(plan, "leased")).map((x) => x.outcome)).toEqual(["LOST"]);
      await after.stop();
      await after.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
