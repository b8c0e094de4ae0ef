/**
 * completeSteps and failSteps (src/graphql/agents/report-batch.resolver.ts): many reports in one
 * request, answered one by one in order, committed together (completions of one plan share one
 * STEP checkpoint); a refused report is refused alone with its code and changes nothing.
 */
import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";
import { claimedLeases, stepCheckpoints } from "../helpers/reports.js";

const api = useApi();
const RETRY = { maxAttempts: 2, initialIntervalMs: 60_000 };

const COMPLETE = `mutation($reports: [StepCompletionInput!]!) { completeSteps(reports: $reports) { leaseId step { key state output } refusal { code message } } }`;
const FAIL = `mutation($reports: [StepFailureInput!]!) { failSteps(reports: $reports) { leaseId step { key state attempts } refusal { code } } }`;

describe("completeSteps", () => {
  it("answers each report in order with its step, and commits them together", async () => {
    const { planId, leases } = await claimedLeases(api, 3, RETRY);
    const r = await api.ok(COMPLETE, { reports: leases.map((l, i) => ({ leaseId: l.id, output: { i }, quality: 0.5 })) });
    expect(r.completeSteps).toEqual(leases.map((l, i) => ({ leaseId: l.id, step: { key: l.stepKey, state: "SUCCEEDED", output: { i } }, refusal: null })));
    expect(await stepCheckpoints(api, planId)).toBe(1);
  });

  it("refuses a bad report alone, with the code completeStep would answer; the others are saved", async () => {
    const { planId, leases } = await claimedLeases(api, 2, RETRY);
    const r = await api.ok(COMPLETE, {
      reports: [
        { leaseId: leases[0]!.id, output: 1 },
        { leaseId: "lease_unknown" },
        { leaseId: leases[1]!.id, quality: 7 }, // out of range
        { leaseId: leases[0]!.id, output: 2 }, // reported already
      ],
    });
    expect(r.completeSteps.map((a: { leaseId: string; refusal: { code: string } | null }) => [a.leaseId, a.refusal?.code ?? null])).toEqual([
      [leases[0]!.id, null],
      ["lease_unknown", "CONFLICT"],
      [leases[1]!.id, "BAD_USER_INPUT"],
      [leases[0]!.id, "CONFLICT"],
    ]);
    expect(r.completeSteps[1].step).toBeNull();
    const plan = (await api.ok(`query($id: ID!) { plan(id: $id) { steps { key state output } } }`, { id: planId })).plan;
    expect(plan.steps.slice(0, 2)).toEqual([
      { key: leases[0]!.stepKey, state: "SUCCEEDED", output: 1 },
      { key: leases[1]!.stepKey, state: "RUNNING", output: null },
    ]);
  });

  it("takes 1 to 100 reports: none, or 101, is BAD_USER_INPUT", async () => {
    for (const n of [0, 101]) {
      const r = await api.exec(COMPLETE, { reports: Array.from({ length: n }, (_, i) => ({ leaseId: `lease_${i}` })) });
      expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
  });
});

describe("failSteps", () => {
  it("fails each attempt as failStep would (retried by the retry policy), in order", async () => {
    const { leases } = await claimedLeases(api, 2, RETRY);
    const r = await api.ok(FAIL, { reports: [...leases.map((l) => ({ leaseId: l.id, error: { message: "flaky" } })), { leaseId: leases[0]!.id, error: { message: "again" } }] });
    expect(r.failSteps).toEqual([
      ...leases.map((l) => ({ leaseId: l.id, step: { key: l.stepKey, state: "WAITING", attempts: 1 }, refusal: null })),
      { leaseId: leases[0]!.id, step: null, refusal: { code: "CONFLICT" } },
    ]);
  });
});
