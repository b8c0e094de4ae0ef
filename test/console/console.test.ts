/**
 * The console in a real browser (Chromium, test/helpers/browser.ts) against a real gateway
 * process with authentication on and a real SDK agent in its own process, which finishes a step
 * when the test says so: sign-in, a plan running live on screen without a reload, a viewer who
 * is offered no action, a revoked token sent back to sign-in. No page may ask anything of
 * another host, fail a request or log an error.
 */
import { waitFor } from "../helpers/fixtures.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, socketAcknowledged, startGatedAgent, storedToken, watchedContext, type GatedAgent, tearDown } from "../helpers/browser.js";

const ADMIN = "console-admin-token-0123456789abcdefghijklmnop";
const ROLE = "console.work";
const ACTIONS = /^(pause|resume|cancel|retry) plan$|^(add|reorder) steps?$|^(retry|skip|modify|remove) step$/i;

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token info { id } } }`;

describeBrowser("the console in a browser, authentication on", () => {
  let server: ServerProcess;
  let base: string;
  let browser: Browser;
  let agent: GatedAgent;

  const token = async (role: "AGENT" | "VIEWER" | "OPERATOR", name: string) =>
    (await gql<{ createToken: { token: string; info: { id: string } } }>(server.url, ADMIN, TOKEN, { input: { name, role } })).createToken;
  const createPlan = async (name: string, steps: unknown[]) => (await gql<{ createPlan: { id: string } }>(server.url, ADMIN, CREATE, { input: { name, labels: ["browser"], steps } })).createPlan.id;

  const signIn = async (page: Page, secret: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
  };

  beforeAll(async () => {
    server = await startServerProcess({ BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN });
    base = server.url.replace(/\/graphql$/, "");
    agent = await startGatedAgent(server.url, ROLE, (await token("AGENT", "console-agent")).token);
    browser = await launchBrowser();
  }, 90_000);

  afterAll(() => tearDown(browser, agent, server));

  it("signs in with a token kept for the tab, and shows a plan running live without a reload", { timeout: 120_000 }, async () => {
    const { context, page, record } = await watchedContext(browser, base);
    await page.goto(`${base}/`);
    await page.getByLabel("API token").waitFor();
    await screenshot(page, "sign-in");
    await page.getByLabel("API token").fill(ADMIN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
    expect(await storedToken(page)).toBe(ADMIN);
    expect(record.urls.some((u) => u.includes(ADMIN))).toBe(false);
    await page.evaluate("window.stillTheSamePage = true");

    // A plan created now appears in the list, running.
    const id = await createPlan("console-live", [
      { key: "a", role: ROLE },
      { key: "b", role: ROLE, dependsOn: ["a"] },
      { key: "c", role: "builtin.echo", input: { echoed: true }, dependsOn: ["a"] },
    ]);
    const row = page.locator(`tr[data-plan-id="${id}"]`);
    await row.locator('[data-state="RUNNING"]').waitFor();
    await screenshot(page, "plans");

    // Its page: the graph, states as words, and the actions an admin may take.
    await row.getByRole("link", { name: "console-live" }).click();
    await agent.started("a");
    await page.locator('[data-step="a"][data-state="RUNNING"]').waitFor();
    await page.locator('[data-step="b"][data-state="PENDING"]').waitFor();
    expect(await page.locator('[data-step="a"]').innerText()).toContain("Running");
    await page.getByRole("button", { name: "Pause plan" }).waitFor();
    await screenshot(page, "plan-running");

    // The agent finishes a: the states change on screen as the signals come.
    agent.finish("a");
    await page.locator('[data-step="a"][data-state="SUCCEEDED"]').waitFor();
    await page.locator('[data-step="c"][data-state="SUCCEEDED"]').waitFor();
    await agent.started("b");
    await page.locator('[data-step="b"][data-state="RUNNING"]').waitFor();
    agent.finish("b");
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();
    expect(await page.getByRole("button", { name: ACTIONS }).count()).toBe(0); // nothing to steer in a finished plan

    // A step's panel: its output and attempts.
    await page.locator('[data-step="c"]').click();
    const panel = page.getByTestId("step-panel");
    await panel.getByText('"echoed": true').first().waitFor();
    await panel.getByRole("cell", { name: "succeeded" }).waitFor();
    // The graph, narrower beside the panel, is fitted to its frame again: every step in sight.
    const inFrame = `(() => {
      const frame = document.querySelector('[data-testid="plan-graph"]').getBoundingClientRect();
      return [...document.querySelectorAll("[data-step]")].every((n) => {
        const r = n.getBoundingClientRect();
        return r.left >= frame.left && r.right <= frame.right && r.top >= frame.top && r.bottom <= frame.bottom;
      });
    })()`;
    await waitFor(() => page.evaluate<boolean>(inFrame));
    await screenshot(page, "plan-completed");

    // Back to the list: the row says Completed; the page was never reloaded.
    await page.getByRole("link", { name: "← Plans" }).click();
    await row.locator('[data-state="COMPLETED"]').waitFor();
    expect(await row.innerText()).toContain("Completed");
    expect(await page.evaluate("window.stillTheSamePage")).toBe(true);
    expectClean(record);
    await context.close();
  });

  it("shows a failed step's error, and an admin retries it from its panel", { timeout: 90_000 }, async () => {
    const id = await createPlan("console-retry", [{ key: "flaky", role: ROLE, retry: { maxAttempts: 1 } }]);
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, ADMIN);
    await page.goto(`${base}/plans/${id}?step=flaky`);
    await agent.started("flaky");
    agent.fail("flaky");
    await page.locator('[data-step="flaky"][data-state="FAILED"]').waitFor();
    await page.locator('.title-row [data-state="FAILED"]').first().waitFor();
    const panel = page.getByTestId("step-panel");
    await panel.getByText("step flaky failed on purpose").first().waitFor();
    await screenshot(page, "plan-failed");

    await panel.getByRole("button", { name: "Retry step" }).click();
    const dialog = page.getByRole("dialog", { name: "Retry step" });
    await dialog.getByLabel("Reason").fill("the failure was a fluke");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.locator('[data-step="flaky"][data-state="RUNNING"]').waitFor();
    agent.finish("flaky");
    await page.locator('[data-step="flaky"][data-state="SUCCEEDED"]').waitFor();
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();
    expect(await panel.locator("table.attempts").getByRole("row").count()).toBe(3); // the header and two attempts
    expectClean(record);
    await context.close();
  });

  it("offers a viewer no action button", { timeout: 90_000 }, async () => {
    const id = await createPlan("console-viewer", [{ key: "waits", role: "console.nobody" }]);
    const viewer = await token("VIEWER", "console-viewer");
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, viewer.token);
    await page.getByTestId("who").getByText("read only").waitFor();
    await page.locator(`tr[data-plan-id="${id}"]`).getByRole("link").click();
    await page.locator('[data-step="waits"][data-state="READY"]').waitFor();
    await page.locator('[data-step="waits"]').click();
    await page.getByTestId("step-panel").waitFor();
    expect(await page.getByRole("button", { name: ACTIONS }).count()).toBe(0);
    await screenshot(page, "plan-viewer");
    expectClean(record);
    await context.close();

    // An admin, on the same plan, is offered them.
    const admin = await watchedContext(browser, base);
    await signIn(admin.page, ADMIN);
    await admin.page.goto(`${base}/plans/${id}?step=waits`);
    await admin.page.getByRole("button", { name: "Pause plan" }).waitFor();
    await admin.page.getByRole("button", { name: "Skip step" }).waitFor();
    expectClean(admin.record);
    await admin.context.close();
  });

  it("returns to sign-in when its token is revoked", { timeout: 90_000 }, async () => {
    const revocable = await token("OPERATOR", "console-revocable");
    const { context, page, record } = await watchedContext(browser, base);
    const acknowledged = socketAcknowledged(page);
    await signIn(page, revocable.token);
    await acknowledged; // the live list's subscription is open

    await gql(server.url, ADMIN, `mutation($id: ID!) { revokeToken(id: $id) { id } }`, { id: revocable.info.id });
    await page.getByText("revoked or has expired").waitFor();
    await page.getByLabel("API token").waitFor();
    expect(await storedToken(page)).toBeNull();
    await screenshot(page, "sign-in-after-revocation");
    // A read racing the revocation may be refused (401) before the socket closes.
    expectClean(record, [/status of 401/]);

    // Opening the console again with the revoked token stored asks to sign in, with the reason.
    const again = await watchedContext(browser, base);
    await again.context.addInitScript(`sessionStorage.setItem("baton.token", ${JSON.stringify(revocable.token)})`);
    await again.page.goto(`${base}/`);
    await again.page.getByText("not accepted").waitFor();
    expectClean(again.record, [/status of 401/]);
    await again.context.close();
    await context.close();
  });

  it("returns to sign-in when its token expires", { timeout: 90_000 }, async () => {
    // Long enough to sign in on a busy machine; the gateway rechecks open sockets' tokens each second.
    const expiresAt = new Date(Date.now() + 10_000).toISOString();
    const { createToken } = await gql<{ createToken: { token: string } }>(server.url, ADMIN, TOKEN, { input: { name: "console-expiring", role: "VIEWER", expiresAt } });
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, createToken.token);
    await page.getByText("revoked or has expired").waitFor({ timeout: 30_000 });
    expect(await storedToken(page)).toBeNull();
    expectClean(record, [/status of 401/]);
    await context.close();
  });
});
