/**
 * `baton plan watch` across a gateway restart: the compiled CLI follows a plan on a real gateway
 * process, the gateway is SIGKILLed and restarted on the same port and database, and the watch
 * carries on to the plan's end — saying on stderr that it lost the gateway and got it back.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayDatabase } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";
import { CLI, freePort, startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

let server: ServerProcess | null = null;
afterEach(() => {
  server?.child.kill("SIGKILL");
  server = null;
});

/** One GraphQL request to the gateway (authentication is off on this loopback gateway). */
async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

describe("baton plan watch when the gateway restarts", () => {
  it("reconnects, misses nothing and still ends with the plan's summary", async () => {
    const env = { BATON_PORT: String(await freePort()), ...gatewayDatabase(tempDb()) };
    server = await startServerProcess(env);
    const { url } = server;
    const { createPlan } = await gql<{ createPlan: { id: string } }>(
      url,
      `mutation { createPlan(input: { name: "outlived", steps: [{ key: "first", role: "manual" }, { key: "second", role: "manual", dependsOn: ["first"] }] }) { id } }`,
    );
    const id = createPlan.id;
    const { registerAgent } = await gql<{ registerAgent: { id: string } }>(url, `mutation { registerAgent(input: { name: "hand", roles: ["manual"] }) { id } }`);
    const finishOne = async (key: string): Promise<void> => {
      const { claimSteps } = await gql<{ claimSteps: { id: string; stepKey: string }[] }>(url, `mutation($a: ID!) { claimSteps(input: { agentId: $a, max: 1 }) { id stepKey } }`, { a: registerAgent.id });
      expect(claimSteps.map((l) => l.stepKey)).toEqual([key]);
      await gql(url, `mutation($l: ID!) { completeStep(leaseId: $l, output: { done: true }) { key } }`, { l: claimSteps[0]!.id });
    };

    const watch = spawn(process.execPath, [CLI, "plan", "watch", id], { env: { ...process.env, ...env, BATON_URL: url, BATON_TOKEN: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    watch.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    watch.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => watch.on("close", resolve));

    await finishOne("first");
    await waitFor(() => stdout.includes("wave 1/2 [####################] 1/1"), 20_000);
    server.child.kill("SIGKILL");
    await server.exited;
    await waitFor(() => stderr.includes("lost the gateway"), 20_000);

    server = await startServerProcess(env);
    await waitFor(() => stderr.includes("reconnected\n"), 20_000);
    await finishOne("second");

    expect(await exited).toBe(0);
    expect(stderr).toMatch(/^lost the gateway \(.+\); reconnecting\nreconnected\n$/);
    const lines = stdout.trimEnd().split("\n");
    expect(lines.filter((l) => l === "wave 2/2 [####################] 1/1")).toHaveLength(1); // shown once: nothing replayed twice
    expect(lines.find((l) => l.startsWith("COMPLETED in "))).toBeDefined();
    expect(lines).toContain("steps: 2 succeeded, 0 failed, 0 skipped of 2; retries: 0");
  });
});
