/**
 * The SDK in a process of its own when the gateway drops connections at once. Node 20's built-in
 * fetch lost such a failure when nothing else kept the process alive, and the agent process exited
 * with code 13 in the middle of its registration; the SDK uses undici's fetch, which delivers it.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const FIXTURE = fileURLToPath(new URL("./fixtures/dropped-connection.mjs", import.meta.url));

describe("an SDK agent whose gateway drops every connection", () => {
  it("keeps retrying its registration instead of exiting", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [FIXTURE], { timeout: 20_000 });
    expect(stdout.trim()).toBe("retried 3");
  });
});
