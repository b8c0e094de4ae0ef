/**
 * The console's other pages in a real browser against a real gateway process: the agents page
 * shows an SDK agent online with the step it holds and its heartbeat's age, then offline once
 * stopped; a JSON step list is checked by the gateway as it is typed (its problems listed with
 * their paths, no plan made), then created, and its page opens; a template's input is checked the
 * same way; templates, webhooks (with a failing endpoint), tokens and role limits are
 * listed; a viewer is offered neither New plan nor Tokens. No page may ask anything of another
 * host, fail a request or log an error.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, startGatedAgent, watchedContext, type GatedAgent, tearDown } from "../helpers/browser.js";

const ADMIN = "console-pages-admin-token-0123456789abcdefghijk";
const ROLE = "pages.work";
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token info { id } } }`;

describeBrowser("the console's agents, new plan, templates, webhooks, tokens and limits pages", () => {
  let server: ServerProcess;
  let base: string;
  let browser: Browser;
  let agentToken: string;
  let agent: GatedAgent | undefined;

  const token = async (role: "AGENT" | "VIEWER" | "OPERATOR", name: string) =>
    (await gql<{ createToken: { token: string; info: { id: string } } }>(server.url, ADMIN, TOKEN, { input: { name, role } })).createToken;

  const signIn = async (page: Page, secret: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
  };

  beforeAll(async () => {
    server = await startServerProcess({ BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN, BATON_AGENT_OFFLINE_MS: "8000", BATON_OUTBOUND_ALLOW: "127.0.0.1" });
    base = server.url.replace(/\/graphql$/, "");
    agentToken = (await token("AGENT", "pages-agent")).token;
    browser = await launchBrowser();
  }, 90_000);

  afterAll(() => tearDown(browser, agent, server));

  it("shows an agent online with the step it holds and its heartbeat's age, then offline", { timeout: 120_000 }, async () => {
    const held = await startGatedAgent(server.url, ROLE, agentToken);
    agent = held;
    await gql(server.url, ADMIN, CREATE, { input: { name: "pages-held", steps: [{ key: "held", role: ROLE }] } });
    await held.started("held");
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, ADMIN);
    await page.getByRole("link", { name: "Agents" }).click();
    const row = page.locator(`tr[data-agent="gated-${ROLE}"]`);
    await row.locator('[data-testid="leases"]').getByRole("link", { name: "pages-held · held" }).waitFor();
    expect(await row.getAttribute("data-status")).toBe("ONLINE");
    expect(await row.innerText()).toContain("Online");
    await expect.poll(() => row.getByTestId("heartbeat").innerText()).toMatch(/^\d+ s ago$/);
    expect(await row.getByTestId("leases").innerText()).toMatch(/^1 of 8/);
    await screenshot(page, "agents");

    // The step finishes: the lease leaves the page; the agent's stats count the attempt.
    held.finish("held");
    await expect.poll(() => row.getByTestId("leases").innerText(), { timeout: 20_000 }).toBe("0 of 8");
    await expect.poll(() => row.innerText(), { timeout: 20_000 }).toContain("1 done, 0 failed");

    // Stopped, it is no longer heard from: offline, in words.
    await held.stop();
    await page.locator(`tr[data-agent="gated-${ROLE}"][data-status="OFFLINE"]`).waitFor({ timeout: 45_000 });
    expect(await row.innerText()).toContain("Offline");
    expectClean(record);
    await context.close();
  });

  it("checks a step list with the gateway as it is typed, listing its problems with their paths; once fixed, creates the plan and opens it", { timeout: 90_000 }, async () => {
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, ADMIN);
    await page.getByRole("link", { name: "New plan" }).click();
    await page.getByRole("heading", { name: "New plan" }).waitFor();
    const steps = page.getByLabel("Steps (JSON or YAML)");
    const create = page.getByRole("button", { name: "Create plan" });
    const problems = page.getByTestId("plan-problems");

    // Not JSON: said as it is typed, and nothing can be sent.
    await steps.fill('[{ "key": "a", ');
    await page.getByTestId("parse-error").getByText("Not valid JSON").waitFor();
    expect(await create.isDisabled()).toBe(true);

    // Well-formed but invalid: the gateway's own checks find it without a submit, at its path.
    await page.getByLabel("Plan name").fill("pages-created");
    await steps.fill(JSON.stringify([{ key: "a", role: "builtin.echo", dependsOn: ["missing"] }]));
    const unknown = problems.locator('li[data-path="steps[0].dependsOn"][data-code="BAD_USER_INPUT"]');
    await unknown.getByText('unknown step "missing"').waitFor();
    expect(await create.isDisabled()).toBe(true);
    await screenshot(page, "new-plan-problems");

    // A field the schema does not know: the gateway's answer to the request is listed too.
    await steps.fill(JSON.stringify([{ key: "a", role: "builtin.echo", dependOn: ["b"] }]));
    await problems.getByText(/Field "dependOn" is not defined by type "StepInput"/).waitFor();
    expect(await create.isDisabled()).toBe(true);

    // Fixed: the problems go, the button comes back; nothing was created meanwhile.
    await steps.fill(JSON.stringify([{ key: "first", role: "builtin.echo", input: { made: "in the console" } }, { key: "second", role: "builtin.echo", dependsOn: ["first"] }], null, 2));
    await page.getByTestId("plan-checks-pass").getByText("The gateway's checks pass.").waitFor();
    expect(await problems.count()).toBe(0);
    expect(await create.isEnabled()).toBe(true);
    const made = await gql<{ plans: { totalCount: number } }>(server.url, ADMIN, `{ plans(filter: { search: "pages-created" }) { totalCount } }`);
    expect(made.plans.totalCount).toBe(0);
    await screenshot(page, "new-plan");

    // Created: the plan's page opens, and its steps run.
    await create.click();
    await page.waitForURL(/\/plans\/(?!new)[^/]+$/);
    await page.locator('[data-step="second"][data-state="SUCCEEDED"]').waitFor();
    await page.getByRole("heading", { name: "pages-created" }).waitFor();
    expectClean(record, [/status of 400/]); // the unknown field's request: GraphQL answers it with 400
    await context.close();
  });

  it("lists templates, webhooks with their failing deliveries, tokens and role limits", { timeout: 90_000 }, async () => {
    await gql(server.url, ADMIN, `mutation($input: RegisterTemplateInput!) { registerTemplate(input: $input) { id } }`, {
      input: { name: "pages-report", description: "Echoes its input.", steps: [{ key: "echo", role: "builtin.echo" }] },
    });
    await gql(server.url, ADMIN, CREATE, { input: { name: "from-template", template: "pages-report", input: { n: 1 } } });
    // Nothing listens on port 9: the deliveries fail and are retried.
    await gql(server.url, ADMIN, `mutation { registerWebhook(url: "http://127.0.0.1:9/hook", kinds: [PLAN_CREATED]) { webhook { id } } }`);
    await gql(server.url, ADMIN, CREATE, { input: { name: "pages-hooked", steps: [{ key: "e", role: "builtin.echo" }] } });
    await gql(server.url, ADMIN, `mutation { setRoleLimit(input: { role: "${ROLE}", maxConcurrent: 3, claims: 10, intervalMs: 1000 }) { id } }`);

    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, ADMIN);
    await page.getByRole("link", { name: "Templates" }).click();
    const template = page.locator('tr[data-template="pages-report@1"]');
    await template.getByText(/^1 \(1 completed/).waitFor({ timeout: 20_000 });
    await screenshot(page, "templates");

    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("table", { name: "Endpoints" }).getByRole("cell", { name: "http://127.0.0.1:9/hook" }).waitFor();
    const delivery = page.getByRole("table", { name: "Recent deliveries" }).getByRole("row").filter({ hasText: "plan created" }).filter({ hasText: "127.0.0.1:9" }).first();
    await delivery.waitFor({ timeout: 30_000 });
    await expect.poll(() => delivery.innerText(), { timeout: 30_000 }).toMatch(/(Pending|Failed)\s+\d+\s+fetch failed/);
    await screenshot(page, "webhooks");

    await page.getByRole("link", { name: "Tokens" }).click();
    await page.locator('tr[data-token="pages-agent"]').getByText("Valid").waitFor();
    expect(await page.locator("table").innerText()).not.toContain(agentToken);
    await screenshot(page, "tokens");

    await page.getByRole("link", { name: "Limits" }).click();
    const limit = page.locator(`tr[data-role="${ROLE}"]`);
    await limit.getByText("10 per 1000 ms").waitFor();
    expect(await limit.innerText()).toContain("3");
    await screenshot(page, "limits");

    // A template's plan, made from its form; its input is checked by the gateway as it is typed.
    await page.getByRole("link", { name: "New plan" }).click();
    await page.getByRole("button", { name: "From a template" }).click();
    await page.getByRole("combobox").selectOption("linear-pipeline@1");
    await page.getByTestId("plan-problems").locator('li[data-path="input.stages"]').getByText("linear-pipeline needs input.stages").waitFor();
    expect(await page.getByRole("button", { name: "Create plan" }).isDisabled()).toBe(true);
    await page.getByRole("combobox").selectOption("pages-report@1");
    await page.getByLabel(/^Input/).fill('{ "greeting": "hello" }');
    await page.getByText("The gateway's checks pass.").waitFor();
    await screenshot(page, "new-plan-template");
    await page.getByRole("button", { name: "Create plan" }).click();
    await page.locator('[data-step="echo"][data-state="SUCCEEDED"]').waitFor();
    expectClean(record);
    await context.close();
  });

  it("offers a viewer neither New plan nor Tokens", { timeout: 90_000 }, async () => {
    const viewer = await token("VIEWER", "pages-viewer");
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, viewer.token);
    await page.getByTestId("who").getByText("read only").waitFor();
    const nav = page.locator("header nav");
    await nav.getByRole("link", { name: "Agents" }).waitFor();
    expect(await nav.getByRole("link", { name: "New plan" }).count()).toBe(0);
    expect(await nav.getByRole("link", { name: "Tokens" }).count()).toBe(0);
    await nav.getByRole("link", { name: "Agents" }).click();
    await page.getByRole("heading", { name: "Agents" }).waitFor();
    await screenshot(page, "agents-viewer");

    // Opened by address, the pages say no and offer nothing.
    await page.goto(`${base}/plans/new`);
    await page.getByText("may read plans but not create them").waitFor();
    expect(await page.getByRole("button", { name: "Create plan" }).count()).toBe(0);
    await page.goto(`${base}/tokens`);
    await page.getByText("Only an admin token may list the tokens").waitFor();
    expectClean(record);
    await context.close();
  });
});
