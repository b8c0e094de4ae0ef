/**
 * GraphiQL as the gateway serves it at GET /graphql for a browser, and the console with
 * authentication off, in Chromium (test/helpers/browser.ts): GraphiQL sends the console's token,
 * runs a query over HTTP and a subscription over graphql-ws; with BATON_AUTH=off on loopback
 * the console asks for no sign-in. Nothing is fetched from anywhere but the gateway.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, watchedContext } from "../helpers/browser.js";

const ADMIN = "graphiql-admin-token-0123456789abcdefghijklmn";

/**
 * Puts `text`, one operation named `name`, in GraphiQL's operation editor in place of what it
 * holds, and runs it. GraphiQL reads the editor's operations 100 ms after an edit; until then
 * Execute acts on the old text (with the default text's two operations, a click opens the menu
 * to pick one, which goes away when the new text is read, and nothing runs). The active tab
 * takes the operation's name once GraphiQL has read it.
 */
async function run(page: Page, name: string, text: string): Promise<void> {
  const editor = page.locator(".graphiql-query-editor .monaco-editor").first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  // Typed as one input, so that the editor does not close brackets by itself.
  await page.keyboard.insertText(text);
  await page.getByRole("tab", { name, exact: true, selected: true }).waitFor();
  await page.getByRole("button", { name: /^Execute query/ }).click();
}

const response = (page: Page) => page.locator(".graphiql-response");

describeBrowser("GraphiQL and the console in a browser", () => {
  let browser: Browser;
  const servers: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startServerProcess(env);
    servers.push(server);
    return { server, base: server.url.replace(/\/graphql$/, "") };
  };

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of servers) s.child.kill("SIGTERM");
    await Promise.all(servers.map((s) => s.exited));
  });

  it("GraphiQL runs a query and a subscription with the token the console signed in with", { timeout: 120_000 }, async () => {
    const { server, base } = await start({ BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN });
    const { context, page, record } = await watchedContext(browser, base);
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(ADMIN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "GraphiQL" }).click();
    await page.waitForURL(`${base}/graphql`);
    await page.getByRole("button", { name: /^Execute query/ }).waitFor();

    await run(page, "Viewer", "query Viewer { viewer { name role tokenId } }");
    await response(page).getByText("BATON_ADMIN_TOKEN").waitFor();
    expect(await response(page).innerText()).toContain("ADMIN");

    const plan = await gql<{ createPlan: { id: string } }>(server.url, ADMIN, `mutation { createPlan(input: { name: "seen-by-graphiql", steps: [{ key: "only", role: "builtin.echo" }] }) { id } }`);
    await run(page, "Completed", `subscription Completed { signals(afterSequence: 0, kinds: [PLAN_COMPLETED]) { sequence kind planId } }`);
    await response(page).getByText(plan.createPlan.id).waitFor();
    expect(await response(page).innerText()).toContain("PLAN_COMPLETED");
    await screenshot(page, "graphiql");
    await page.getByRole("button", { name: /^Stop query/ }).click();
    await page.getByRole("button", { name: /^Execute query/ }).waitFor();
    expectClean(record);
    await context.close();
  });

  it("with authentication off on loopback, the console asks for no sign-in", { timeout: 90_000 }, async () => {
    const { server, base } = await start({ BATON_AUTH: "off" });
    await gql(server.url, null, `mutation { createPlan(input: { name: "no-sign-in", steps: [{ key: "only", role: "builtin.echo" }] }) { id } }`);
    const { context, page, record } = await watchedContext(browser, base);
    await page.goto(`${base}/`);
    await page.getByRole("link", { name: "no-sign-in" }).waitFor();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
    expect(await page.getByLabel("API token").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    expect(await page.getByTestId("who").innerText()).toContain("admin");
    await screenshot(page, "plans-auth-off");

    // GraphiQL answers anonymous queries too, and no icon or font is missing.
    await page.goto(`${base}/graphql`);
    await run(page, "Role", "query Role { viewer { role } }");
    await response(page).getByText("ADMIN").waitFor();
    expectClean(record);
    await context.close();
  });
});
