/**
 * A plan scheduled beyond what one Node timer holds (24.8 days), on the real gateway process:
 * Node would fire such a timer after 1 ms, re-arm it forever and print a TimeoutOverflowWarning
 * each time (a fifth of a core, 100 KB/s of stderr). The gateway must stay quiet and idle.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTarget, type Target } from "../helpers/attack.js";

const DAY = 86_400_000;
let target: Target;

beforeAll(async () => {
  target = await startTarget();
});
afterAll(() => target?.stop());

/** CPU time the process has used, in clock ticks (user + system, /proc/<pid>/stat). */
const cpuTicks = (): number => {
  const fields = readFileSync(`/proc/${target.proc.child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
};

describe("a plan scheduled 60 days ahead", () => {
  it("stays IDLE without a timer loop: no TimeoutOverflowWarning, the process stays idle", async () => {
    const runAt = new Date(Date.now() + 60 * DAY).toISOString();
    const r = await target.post(`mutation($runAt: DateTimeISO) { createPlan(input: { name: "later", runAt: $runAt, steps: [{ key: "a", role: "builtin.echo" }] }) { id state } }`, { runAt });
    expect(r.body.errors).toBeUndefined();
    const id = r.body.data!["createPlan"].id as string;
    const before = cpuTicks();
    // A stretch of ordinary traffic: with the overflow, the timer fires every millisecond meanwhile.
    for (let i = 0; i < 100; i++) {
      const p = await target.post(`query($id: ID!) { plan(id: $id) { state } }`, { id });
      expect(p.body.data!["plan"].state).toBe("IDLE");
    }
    expect(target.proc.stderr()).not.toContain("TimeoutOverflowWarning");
    // 100 small queries cost a few ticks (10 ms each); a timer loop would cost far more.
    expect(cpuTicks() - before).toBeLessThan(100);
  });
});
