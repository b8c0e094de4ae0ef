/**
 * A plan's page across a restart of its gateway, in Chromium (test/helpers/browser.ts): the
 * WebSocket comes back by itself and the subscription resumes after the last signal the page
 * received (its `afterSequence` is sent again, moved on), so the states that changed while the
 * gateway was down and after show without a reload.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { waitFor } from "../helpers/fixtures.js";
import { freePort, startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, startGatedAgent, watchedContext, type GatedAgent, tearDown } from "../helpers/browser.js";

const ROLE = "console.restart";

describeBrowser("the console across a gateway restart", () => {
  let browser: Browser;
  let agent: GatedAgent | null = null;
  let server: ServerProcess | null = null;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(() => tearDown(browser, agent, server));

  it("resumes the plan's signals after the last one received", { timeout: 150_000 }, async () => {
    const env = { BATON_AUTH: "off", BATON_PORT: String(await freePort()), BATON_DB: join(mkdtempSync(join(tmpdir(), "baton-console-restart-")), "baton.db") };
    server = await startServerProcess(env);
    const base = server.url.replace(/\/graphql$/, "");
    agent = await startGatedAgent(server.url, ROLE, null);
    const { createPlan } = await gql<{ createPlan: { id: string } }>(server.url, null, `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
      input: { name: "across-a-restart", steps: [{ key: "first", role: ROLE }, { key: "second", role: ROLE, dependsOn: ["first"] }] },
    });

    const { context, page, record } = await watchedContext(browser, base);
    /** The afterSequence of each subscribe message the page sent for the plan's signals, and the sequences it received. */
    const resumedAfter: number[] = [];
    const received: number[] = [];
    page.on("websocket", (ws) => {
      ws.on("framesent", (frame) => {
        const message = JSON.parse(String(frame.payload)) as { type?: string; payload?: { variables?: { afterSequence?: number; planId?: string } } };
        const variables = message.payload?.variables;
        if (message.type === "subscribe" && variables?.planId === createPlan.id) resumedAfter.push(variables.afterSequence ?? -1);
      });
      ws.on("framereceived", (frame) => {
        const message = JSON.parse(String(frame.payload)) as { type?: string; payload?: { data?: { signals?: { sequence?: number } } } };
        const sequence = message.payload?.data?.signals?.sequence;
        if (message.type === "next" && typeof sequence === "number") received.push(sequence);
      });
    });
    await page.goto(`${base}/plans/${createPlan.id}`);
    await agent.started("first");
    await page.locator('[data-step="first"][data-state="RUNNING"]').waitFor();
    expect(resumedAfter).toHaveLength(1);
    // A signal the page receives before the restart: the subscription must resume after it.
    const sent = await gql<{ sendSignal: { sequence: number } }>(server.url, null, `mutation($input: SendSignalInput!) { sendSignal(input: $input) { sequence } }`, {
      input: { planId: createPlan.id, name: "before_the_restart" },
    });
    await waitFor(() => received.includes(sent.sendSignal.sequence));

    // The gateway stops and comes back on the same port and database.
    server.child.kill("SIGTERM");
    await server.exited;
    server = await startServerProcess(env);
    agent.finish("first"); // the agent's report reaches the new process (the SDK retries it)
    await page.locator('[data-step="first"][data-state="SUCCEEDED"]').waitFor();
    await agent.started("second");
    await page.locator('[data-step="second"][data-state="RUNNING"]').waitFor();
    agent.finish("second");
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();

    // Subscribed again once, after the last signal received before the restart, and no signal
    // came twice.
    expect(resumedAfter).toEqual([resumedAfter[0], sent.sendSignal.sequence]);
    expect(new Set(received).size).toBe(received.length);
    // While the gateway was down the browser's reconnection attempts were refused, and a read
    // of the plan may have been.
    expectClean(record, [/WebSocket connection to .* failed/, /Failed to load resource: net::ERR_CONNECTION_REFUSED/], [/\/graphql: net::ERR_CONNECTION_REFUSED$/]);
    await context.close();
  });
});
