/**
 * Several reports in one document (aliases, the standard GraphQL way to batch) commit together,
 * in one transaction (src/graphql/agents/report-group.ts): completions of one plan share one STEP
 * checkpoint, as reportMany's do, where one document per report makes one each.
 */
import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";
import { claimedLeases, stepCheckpoints } from "../helpers/reports.js";

const api = useApi();

describe("reports batched with aliases", () => {
  it("commits every report of the document together and answers each alias with its step", async () => {
    const { planId, leases } = await claimedLeases(api, 3);
    const r = await api.ok(
      `mutation($a: ID!, $b: ID!, $c: ID!) {
        a: completeStep(leaseId: $a, output: 1) { key state output }
        b: completeStep(leaseId: $b, output: 2) { key state output }
        c: failStep(leaseId: $c, error: { message: "try again", retryable: true }) { key state }
      }`,
      { a: leases[0]!.id, b: leases[1]!.id, c: leases[2]!.id },
    );
    expect(r).toEqual({
      a: { key: leases[0]!.stepKey, state: "SUCCEEDED", output: 1 },
      b: { key: leases[1]!.stepKey, state: "SUCCEEDED", output: 2 },
      c: { key: leases[2]!.stepKey, state: expect.stringMatching(/^(READY|WAITING)$/) },
    });
    expect(await stepCheckpoints(api, planId)).toBe(1); // one transaction for both completions
  });

  it("one document per report: one STEP checkpoint each (what the test above would see without grouping)", async () => {
    const { planId, leases } = await claimedLeases(api, 2);
    for (const l of leases) await api.ok(`mutation($l: ID!) { completeStep(leaseId: $l) { key } }`, { l: l.id });
    expect(await stepCheckpoints(api, planId)).toBe(2);
  });

  it("a refused report is refused alone: its error carries its code, the others are applied", async () => {
    const { planId, leases } = await claimedLeases(api, 2);
    const r = await api.exec(
      `mutation($a: ID!, $b: ID!) {
        a: completeStep(leaseId: "lease_unknown") { key }
        b: completeStep(leaseId: $a) { key }
        c: completeStep(leaseId: $b) { key }
      }`,
      { a: leases[0]!.id, b: leases[1]!.id },
    );
    expect(r.errors?.map((e) => [e.path, e.extensions?.["code"]])).toEqual([[["a"], "CONFLICT"]]);
    const plan = (await api.ok(`query($id: ID!) { plan(id: $id) { steps { key state } } }`, { id: planId })).plan;
    expect(plan.steps.filter((s: { state: string }) => s.state === "SUCCEEDED").map((s: { key: string }) => s.key).sort()).toEqual(leases.map((l) => l.stepKey).sort());
  });
});
