/**
 * The console's admin work and step panel in a real browser against a real gateway process: an
 * admin makes an operator token, whose secret (shown once) works against /graphql until the
 * admin revokes it in the console; role limits are set, refused with the gateway's code, and
 * removed, and a viewer sees them without a form; a running step's panel shows the progress its
 * agent reports and the context entries that agent is handed, not those meant for others.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, signIn, startGatedAgent, watchedContext, type GatedAgent, tearDown } from "../helpers/browser.js";

const ADMIN = "console-admin-test-admin-token-0123456789abcdef";
const ROLE = "admin.panel";
const TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token } }`;
const LIMITS = `{ roleLimits { role maxConcurrent claims intervalMs } }`;

describeBrowser("the console's tokens, role limits and step panel", () => {
  let server: ServerProcess;
  let base: string;
  let browser: Browser;
  let agent: GatedAgent | undefined;

  const token = async (role: "AGENT" | "VIEWER", name: string) => (await gql<{ createToken: { token: string } }>(server.url, ADMIN, TOKEN, { input: { name, role } })).createToken.token;

  beforeAll(async () => {
    server = await startServerProcess({ BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN });
    base = server.url.replace(/\/graphql$/, "");
    browser = await launchBrowser();
  }, 90_000);

  afterAll(() => tearDown(browser, agent, server));

  it("makes an operator token whose secret is shown once and works, then revokes it: the API refuses it", { timeout: 90_000 }, async () => {
    const { context, page, record } = await watchedContext(browser, base);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await signIn(page, base, ADMIN);
    await page.getByRole("link", { name: "Tokens" }).click();
    const form = page.getByRole("form", { name: "New token" });

    // An expiry in the past: the gateway's refusal, with its code.
    await form.getByLabel("Name").fill("console-operator");
    await form.getByLabel("Role").selectOption("OPERATOR");
    await form.getByLabel(/^Expires/).fill("2020-01-01T00:00");
    await form.getByRole("button", { name: "Create token" }).click();
    await page.getByRole("alert").getByText("Refused (BAD_USER_INPUT)").waitFor();
    expect(await page.getByRole("alert").innerText()).toContain("expiresAt");
    expect(await page.getByTestId("new-secret").count()).toBe(0);

    await form.getByLabel(/^Expires/).fill("");
    await form.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByTestId("new-secret");
    await shown.waitFor();
    expect(await shown.innerText()).toContain("You will not see this secret again");
    const secret = await shown.getByTestId("secret").innerText();
    expect(secret.length).toBeGreaterThan(20);
    await shown.getByRole("button", { name: "Copy" }).click();
    await shown.getByRole("status").getByText("Copied.").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(secret);
    await screenshot(page, "token-created");

    // The secret works against the API as the operator it was made for.
    expect(await gql<{ viewer: { name: string; role: string } }>(server.url, secret, `{ viewer { name role } }`)).toEqual({ viewer: { name: "console-operator", role: "OPERATOR" } });
    const row = page.locator('tr[data-token="console-operator"]');
    await row.getByText("Valid").waitFor();
    expect(await row.innerText()).not.toContain(secret);

    // Hidden, it is gone from the page for good.
    await shown.getByRole("button", { name: "Done, hide it" }).click();
    expect(await page.getByTestId("new-secret").count()).toBe(0);
    expect(await page.locator("main").innerText()).not.toContain(secret);

    // Its own token: the console warns it would sign itself out; Back changes nothing.
    await page.locator('tr[data-token="admin (BATON_ADMIN_TOKEN)"]').getByRole("button", { name: "Revoke…" }).click();
    const own = page.getByRole("dialog", { name: "Revoke the token admin (BATON_ADMIN_TOKEN)?" });
    await own.getByText("you will be signed out").waitFor();
    await own.getByRole("button", { name: "Back" }).click();
    await own.waitFor({ state: "detached" });

    // Revoked after a confirmation naming it: the API refuses it.
    await row.getByRole("button", { name: "Revoke…" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke the token console-operator?" });
    expect(await dialog.innerText()).not.toContain("you will be signed out");
    await screenshot(page, "token-revoke");
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await row.getByText("Revoked").waitFor();
    expect(await row.getByRole("button", { name: "Revoke…" }).count()).toBe(0);
    const res = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${secret}` }, body: JSON.stringify({ query: "{ viewer { name } }" }) });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("UNAUTHENTICATED");
    expectClean(record, [/status of 400/]);
    await context.close();
  });

  it("sets a role limit, shows a refused one with its code, removes it; a viewer sees the limits without a form", { timeout: 90_000 }, async () => {
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, base, ADMIN);
    await page.getByRole("link", { name: "Limits" }).click();
    const form = page.getByRole("form", { name: "Set a role's limits" });

    // A rate without its interval sets nothing: the gateway says why.
    await form.getByLabel("Role").fill("admin.refused");
    await form.getByLabel("Claims").fill("5");
    await form.getByRole("button", { name: "Set limits" }).click();
    await page.getByRole("alert").getByText("Refused (BAD_USER_INPUT)").waitFor();
    expect((await gql<{ roleLimits: unknown[] }>(server.url, ADMIN, LIMITS)).roleLimits).toEqual([]);

    await form.getByLabel("Role").fill("admin.work");
    await form.getByLabel("At most at once").fill("2");
    await form.getByLabel("Per (ms)").fill("1000");
    await form.getByRole("button", { name: "Set limits" }).click();
    const row = page.locator('tr[data-role="admin.work"]');
    await row.getByText("5 per 1000 ms").waitFor();
    expect(await row.locator("td").nth(2).innerText()).toBe("2");
    expect((await gql<{ roleLimits: unknown[] }>(server.url, ADMIN, LIMITS)).roleLimits).toEqual([{ role: "admin.work", maxConcurrent: 2, claims: 5, intervalMs: 1000 }]);
    await screenshot(page, "limits-set");

    // A viewer (in its own context) sees the limit, with neither the form nor Remove.
    const viewer = await watchedContext(browser, base);
    await signIn(viewer.page, base, await token("VIEWER", "admin-test-viewer"));
    await viewer.page.getByRole("link", { name: "Limits" }).click();
    await viewer.page.locator('tr[data-role="admin.work"]').getByText("5 per 1000 ms").waitFor();
    expect(await viewer.page.getByRole("form", { name: "Set a role's limits" }).count()).toBe(0);
    expect(await viewer.page.getByRole("button", { name: "Remove…" }).count()).toBe(0);
    expectClean(viewer.record);
    await viewer.context.close();

    await row.getByRole("button", { name: "Remove…" }).click();
    await page.getByRole("dialog", { name: "Remove the limits of admin.work?" }).getByRole("button", { name: "Remove" }).click();
    await page.getByText("No role is limited.").waitFor();
    expect((await gql<{ roleLimits: unknown[] }>(server.url, ADMIN, LIMITS)).roleLimits).toEqual([]);
    expectClean(record, [/status of 400/]);
    await context.close();
  });

  it("shows a running step's progress bar and message, its mapped input, and only the context its agent sees", { timeout: 90_000 }, async () => {
    agent = await startGatedAgent(server.url, ROLE, await token("AGENT", "admin-test-agent"));
    const { createPlan } = await gql<{ createPlan: { id: string } }>(server.url, ADMIN, `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, {
      input: { name: "panel", start: false, steps: [{ key: "work", role: ROLE, inputMapping: { brief: "$.context.brief" } }] },
    });
    const write = (key: string, value: unknown, targets: string[]) =>
      gql(server.url, ADMIN, `mutation($p: ID!, $k: String!, $v: JSON, $t: [String!]) { updateContext(planId: $p, key: $k, value: $v, targets: $t, reason: "test") { version } }`, { p: createPlan.id, k: key, v: value, t: targets });
    await write("brief", { goal: "ship" }, [ROLE]);
    await write("shared", "for everyone", []);
    await write("elsewhere", "for another role", ["admin.other"]);
    await gql(server.url, ADMIN, `mutation($id: ID!) { startPlan(id: $id) { id } }`, { id: createPlan.id });
    await agent.started("work");

    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, base, ADMIN);
    await page.goto(`${base}/plans/${createPlan.id}?step=work`);
    const panel = page.getByTestId("step-panel");
    await panel.getByTestId("step-progress").getByText("none reported yet").waitFor();

    await agent.progress("work", 0.4, "halfway through the brief");
    const bar = panel.getByRole("progressbar", { name: "Progress" });
    await expect.poll(() => bar.evaluate((el) => (el as unknown as { value: number }).value)).toBe(0.4);
    const progress = panel.getByTestId("step-progress");
    expect(await progress.innerText()).toContain("40%");
    expect(await progress.innerText()).toContain("halfway through the brief");

    // What its agent is handed: the entries for its role and for everyone, not the other role's.
    const entries = panel.getByTestId("step-context");
    await entries.locator('tr[data-key="brief"]').waitFor();
    expect(await entries.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")))).toEqual(["brief", "shared"]);
    expect(await entries.locator('tr[data-key="brief"]').innerText()).toMatch(/\{"goal":"ship"\}\s+1\s+admin/);
    expect(await panel.getByTestId("step-context-hidden").innerText()).toContain("1 entry is meant for other roles or agents");
    expect(await panel.innerText()).not.toContain("for another role");
    expect(await panel.getByRole("heading", { name: /^Mapped input/ }).locator("..").innerText()).toContain('"goal": "ship"');
    await entries.scrollIntoViewIfNeeded();
    await screenshot(page, "step-panel-running");

    // Finished, the bar goes.
    agent.finish("work");
    await page.locator('[data-step="work"][data-state="SUCCEEDED"]').waitFor();
    await expect.poll(() => panel.getByTestId("step-progress").count()).toBe(0);
    expectClean(record);
    await context.close();
  });
});
