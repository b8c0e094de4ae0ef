/**
 * The agent SDK when the gateway cannot save a report (STORAGE_FULL, …): nothing was saved and
 * the lease still runs, so the report is sent again — never turned into a failed step.
 */
import type { DocumentNode, OperationDefinitionNode } from "graphql";
import { describe, expect, it, vi } from "vitest";
import type { BatonClient } from "../../src/client/client.js";
import { BatonClientError } from "../../src/client/errors.js";
import { runTask, type Lease } from "../../src/client/task.js";

const lease: Lease = {
  id: "lease_1",
  planId: "plan_1",
  stepKey: "a",
  role: "r",
  attempt: 1,
  input: null,
  config: null,
  visit: 1,
  trigger: null,
  context: null,
  contextVersion: 0,
  expiresAt: new Date(0).toISOString(),
  heartbeatTimeoutMs: 60_000,
};

/** A client that refuses the first `refusals` requests with `code`, then answers; records operation names. */
function fakeClient(code: string, refusals: number): { client: BatonClient; calls: string[] } {
  const calls: string[] = [];
  const request = async (doc: DocumentNode) => {
    const name = (doc.definitions[0] as OperationDefinitionNode).name!.value;
    calls.push(name);
    if (calls.length <= refusals) throw BatonClientError.fromErrors([{ message: "the database disk is full: the change was not saved", extensions: { code } }]);
    return { completeStep: { key: "a", state: "SUCCEEDED" }, failStep: { key: "a", state: "FAILED" } };
  };
  return { client: { request } as unknown as BatonClient, calls };
}

describe("runTask on a gateway that cannot save", () => {
  it.each(["STORAGE_FULL", "STORAGE_READ_ONLY", "STORAGE_UNAVAILABLE"])("%s: the completion is sent again, no failStep", async (code) => {
    const { client, calls } = fakeClient(code, 1);
    await runTask(lease, { client, agentId: "agt_1", handler: async () => ({ done: true }) });
    expect(calls).toEqual(["CompleteStep", "CompleteStep"]);
  });

  it("a refusal of the output itself still fails the step (INVALID_OUTPUT)", async () => {
    const { client, calls } = fakeClient("BAD_USER_INPUT", 1);
    await runTask(lease, { client, agentId: "agt_1", handler: async () => ({ done: true }) });
    expect(calls).toEqual(["CompleteStep", "FailStep"]);
  });
});

describe("runTask while the gateway cannot be reached (fake timers: the SDK's own backoff)", () => {
  /** Runs one task to its end under fake timers, the gateway refusing the first `refusals` reports. */
  async function run(refusals: number, heartbeatTimeoutMs: number): Promise<string[]> {
    vi.useFakeTimers();
    try {
      const { client, calls } = fakeClient("NETWORK_ERROR", refusals);
      const done = runTask({ ...lease, heartbeatTimeoutMs }, { client, agentId: "agt_1", handler: async () => ({ done: true }) });
      await vi.runAllTimersAsync();
      await done;
      return calls;
    } finally {
      vi.useRealTimers();
    }
  }

  it("keeps sending the report past 5 tries while the gateway would still keep the lease", async () => {
    expect(await run(7, 60_000)).toEqual(Array(8).fill("CompleteStep"));
  });

  it("gives up after 5 tries once the lease would have expired (the step is handed out again)", async () => {
    expect(await run(100, 1_000)).toEqual(Array(5).fill("CompleteStep"));
  });
});

