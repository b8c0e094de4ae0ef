/**
 * The plan page's tabs and interventions in a real browser, against a real gateway process and a
 * gated SDK agent: the signal log tailing live, the context, an operator pausing with a reason,
 * skipping a step with a substitute output and resuming, the Audit tab listing it all, the
 * evaluation once finished; a request based on a stale plan version refused with its reason and
 * nothing changed; a step added, modified and removed.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, startGatedAgent, watchedContext, type GatedAgent, tearDown } from "../helpers/browser.js";

const ADMIN = "console-admin-token-interventions-0123456789abc";
const ROLE = "console.steer";
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token } }`;

describeBrowser("the plan page's tabs and interventions", () => {
  let server: ServerProcess;
  let base: string;
  let browser: Browser;
  let agent: GatedAgent;

  const createPlan = async (name: string, steps: unknown[]) => (await gql<{ createPlan: { id: string } }>(server.url, ADMIN, CREATE, { input: { name, steps } })).createPlan.id;
  const planVersion = async (id: string) => (await gql<{ plan: { version: number; state: string } }>(server.url, ADMIN, `query($id: ID!) { plan(id: $id) { version state } }`, { id })).plan;

  const open = async (page: Page, path: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(ADMIN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
    await page.goto(`${base}${path}`);
  };

  /** Opens an action's dialog, fills its reason (and more), confirms; resolves once it has closed. */
  const intervene = async (page: Page, scope: Locator, label: string, reason: string, fill: (dialog: Locator) => Promise<void> = async () => {}) => {
    await scope.getByRole("button", { name: label, exact: true }).click();
    const dialog = page.getByRole("dialog", { name: label });
    await dialog.getByLabel("Reason").fill(reason);
    await fill(dialog);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.waitFor({ state: "detached" });
  };

  const tab = (page: Page, name: string) => page.getByRole("tab", { name, exact: true });

  beforeAll(async () => {
    server = await startServerProcess({ BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN });
    base = server.url.replace(/\/graphql$/, "");
    const agentToken = (await gql<{ createToken: { token: string } }>(server.url, ADMIN, TOKEN, { input: { name: "steer-agent", role: "AGENT" } })).createToken.token;
    agent = await startGatedAgent(server.url, ROLE, agentToken);
    browser = await launchBrowser();
  }, 90_000);

  afterAll(() => tearDown(browser, agent, server));

  it("tails the signals live, pauses with a reason, skips a step with an output, resumes, and lists it all in the Audit tab", { timeout: 150_000 }, async () => {
    const id = await createPlan("steer-me", [
      { key: "a", role: ROLE },
      { key: "b", role: ROLE, dependsOn: ["a"] },
      { key: "c", role: ROLE, dependsOn: ["b"] },
    ]);
    const { context, page, record } = await watchedContext(browser, base);
    await open(page, `/plans/${id}`);
    await agent.started("a");
    await page.locator('[data-step="a"][data-state="RUNNING"]').waitFor();

    // Signals, the first tab: a's start is there; its success is not, until it happens.
    const signals = page.getByTestId("signals");
    await signals.locator('tr[data-kind="STEP_STARTED"]').first().waitFor();
    expect(await signals.locator('tr[data-kind="STEP_SUCCEEDED"]').count()).toBe(0);
    await screenshot(page, "tab-signals");

    // Pause: the reason is required, and goes with the request.
    await page.getByRole("button", { name: "Pause plan" }).click();
    const pauseDialog = page.getByRole("dialog", { name: "Pause plan" });
    await pauseDialog.getByRole("button", { name: "Confirm" }).click();
    await pauseDialog.getByText("Say why").waitFor();
    await pauseDialog.getByLabel("Reason").fill("checking the input of b");
    await screenshot(page, "dialog-pause");
    await pauseDialog.getByRole("button", { name: "Confirm" }).click();
    await page.locator('.title-row [data-state="PAUSED"]').first().waitFor();
    await page.getByRole("button", { name: "Resume plan" }).waitFor();

    // a may finish while paused: its success comes into the tab live.
    agent.finish("a");
    await signals.locator('tr[data-kind="STEP_SUCCEEDED"]').first().waitFor();
    await page.locator('[data-step="b"][data-state="READY"]').waitFor();

    // Skip b with a substitute output, which must be JSON before anything is sent.
    await page.locator('[data-step="b"]').click();
    const panel = page.getByTestId("step-panel");
    await panel.getByRole("button", { name: "Skip step" }).click();
    const skipDialog = page.getByRole("dialog", { name: "Skip step" });
    await skipDialog.getByLabel("Reason").fill("b's work was done by hand");
    await skipDialog.getByLabel(/Substitute output/).fill("{ oops");
    await skipDialog.getByRole("button", { name: "Confirm" }).click();
    await skipDialog.getByRole("alert").getByText("not valid JSON").waitFor();
    expect((await planVersion(id)).state).toBe("PAUSED");
    await skipDialog.getByLabel(/Substitute output/).fill('{ "byHand": true }');
    await screenshot(page, "dialog-skip");
    await skipDialog.getByRole("button", { name: "Confirm" }).click();
    await page.locator('[data-step="b"][data-state="SKIPPED"]').waitFor();
    await panel.getByText('"byHand": true').first().waitFor();

    await intervene(page, page.getByRole("group", { name: "Plan actions" }), "Resume plan", "input checked");
    await page.locator('.title-row [data-state="RUNNING"]').first().waitFor();
    await agent.started("c");
    agent.finish("c");
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();

    // Audit: the three interventions, oldest last, with their reasons and outcomes.
    await tab(page, "Audit").click();
    const audit = page.getByTestId("audit");
    await audit.locator('tr[data-kind="RESUME"]').waitFor();
    const rows = audit.locator("tbody tr");
    expect(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-kind"), tr.getAttribute("data-status")]))).toEqual([
      ["RESUME", "APPLIED"],
      ["SKIP_STEP", "APPLIED"],
      ["PAUSE", "APPLIED"],
    ]);
    expect(await audit.locator('tr[data-kind="PAUSE"]').innerText()).toContain("checking the input of b");
    expect(await audit.locator('tr[data-kind="SKIP_STEP"]').innerText()).toContain("b's work was done by hand");
    expect(await audit.locator('tr[data-kind="SKIP_STEP"]').innerText()).toMatch(/applied/);
    await screenshot(page, "tab-audit");

    // Context: written by the API now, it appears in the open tab with its version.
    await tab(page, "Context").click();
    await page.getByRole("tabpanel").getByText("Context version").waitFor();
    await gql(server.url, ADMIN, `mutation($id: ID!) { updateContext(planId: $id, key: "note", value: { seen: 1 }, reason: "test") { version } }`, { id });
    const note = page.getByTestId("context").locator("tr", { hasText: "note" });
    await note.waitFor();
    expect(await note.innerText()).toContain('{"seen":1}');
    await screenshot(page, "tab-context");

    // Evaluation, once finished.
    await tab(page, "Evaluation").click();
    await page.getByTestId("evaluation").getByText("Grade").waitFor();
    await page.getByTestId("evaluation").getByText("Regression").waitFor();
    await screenshot(page, "tab-evaluation");
    expectClean(record);
    await context.close();
  });

  it("shows a request based on a stale plan version refused with its reason, nothing changed", { timeout: 90_000 }, async () => {
    const id = await createPlan("stale", [{ key: "waits", role: "console.nobody" }]);
    const { context, page, record } = await watchedContext(browser, base);
    await open(page, `/plans/${id}`);
    await page.locator('[data-step="waits"][data-state="READY"]').waitFor();
    const seen = (await planVersion(id)).version;
    await page.getByText(`version ${seen}`).first().waitFor();

    await page.getByRole("button", { name: "Pause plan" }).click();
    const dialog = page.getByRole("dialog", { name: "Pause plan" });
    await dialog.getByLabel("Reason").fill("too late");
    // Meanwhile someone else changes the plan.
    await gql(server.url, ADMIN, `mutation($id: ID!) { pausePlan(id: $id, reason: "other") { status } }`, { id });
    await gql(server.url, ADMIN, `mutation($id: ID!) { resumePlan(id: $id, reason: "other") { status } }`, { id });
    const now = await planVersion(id);
    expect(now.version).toBeGreaterThan(seen);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    const refusal = page.getByTestId("refusal");
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain("VERSION_CONFLICT");
    expect(await refusal.innerText()).toContain(`not ${seen}`);
    expect(await refusal.innerText()).toContain("Nothing was changed");
    expect(await planVersion(id)).toEqual(now);
    await screenshot(page, "refused-stale-version");

    await tab(page, "Audit").click();
    const rejected = page.getByTestId("audit").locator('tr[data-kind="PAUSE"][data-status="REJECTED"]');
    await rejected.waitFor();
    expect(await rejected.innerText()).toContain("too late");
    expect(await rejected.innerText()).toContain("VERSION_CONFLICT");
    expectClean(record);
    await context.close();
  });

  it("adds a step, modifies its input (checked as JSON), shows the gateway's refusal, and removes it", { timeout: 90_000 }, async () => {
    const id = await createPlan("edit", [{ key: "first", role: "console.nobody" }]);
    const { context, page, record } = await watchedContext(browser, base);
    await open(page, `/plans/${id}`);
    await page.locator('[data-step="first"][data-state="READY"]').waitFor();
    const actions = page.getByRole("group", { name: "Plan actions" });

    await intervene(page, actions, "Add step", "one more", async (d) => {
      await d.getByLabel("Key", { exact: true }).fill("extra");
      await d.getByLabel("Role", { exact: true }).fill("console.nobody");
      await d.getByLabel(/Depends on/).fill("first");
      await d.getByLabel(/Input/).fill('{ "n": 1 }');
    });
    await page.locator('[data-step="extra"][data-state="PENDING"]').waitFor();

    await page.locator('[data-step="extra"]').click();
    const panel = page.getByTestId("step-panel");
    await panel.getByText('"n": 1').first().waitFor();
    await panel.getByRole("button", { name: "Modify step" }).click();
    const modify = page.getByRole("dialog", { name: "Modify step" });
    await modify.getByLabel("Reason").fill("a bigger n");
    await modify.getByLabel("Input (JSON)").fill('{ "n": ');
    await modify.getByRole("button", { name: "Confirm" }).click();
    await modify.getByRole("alert").getByText("not valid JSON").waitFor();
    await modify.getByLabel("Input (JSON)").fill('{ "n": 2 }');
    await screenshot(page, "dialog-modify");
    await modify.getByRole("button", { name: "Confirm" }).click();
    await modify.waitFor({ state: "detached" });
    await panel.getByText('"n": 2').first().waitFor();

    // first cannot be removed while extra depends on it: the gateway's refusal is shown.
    await page.locator('[data-step="first"]').click();
    await intervene(page, panel, "Remove step", "not needed");
    const refusal = panel.getByTestId("refusal");
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/refused \((INVALID_STATE|INVALID_PLAN)\)/);
    await page.locator('[data-step="first"]').waitFor();

    await page.locator('[data-step="extra"]').click();
    await intervene(page, panel, "Remove step", "not needed after all");
    await page.locator('[data-step="extra"]').waitFor({ state: "detached" });

    await tab(page, "Audit").click();
    const audit = page.getByTestId("audit");
    await audit.locator('tr[data-kind="REMOVE_STEP"][data-status="APPLIED"]').waitFor();
    expect(await audit.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-kind"), tr.getAttribute("data-status")]))).toEqual([
      ["REMOVE_STEP", "APPLIED"],
      ["REMOVE_STEP", "REJECTED"],
      ["MODIFY_STEP", "APPLIED"],
      ["ADD_STEP", "APPLIED"],
    ]);
    expectClean(record);
    await context.close();
  });

  it("reorders the steps by drag and drop", { timeout: 90_000 }, async () => {
    const id = await createPlan("reorder", [
      { key: "p", role: "console.nobody" },
      { key: "q", role: "console.nobody" },
      { key: "r", role: "console.nobody" },
    ]);
    const { context, page, record } = await watchedContext(browser, base);
    await open(page, `/plans/${id}`);
    await page.locator('[data-step="r"][data-state="READY"]').waitFor();
    await page.getByRole("button", { name: "Reorder steps" }).click();
    const dialog = page.getByRole("dialog", { name: "Reorder steps" });
    const list = dialog.getByRole("list", { name: "Step order" });
    await list.locator('li[data-key="r"]').dragTo(list.locator('li[data-key="p"]'));
    const order = () => list.locator("li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-key")));
    await expect.poll(order).toEqual(["r", "p", "q"]);
    await dialog.getByRole("button", { name: "Move q up" }).click();
    await expect.poll(order).toEqual(["r", "q", "p"]);
    await dialog.getByLabel("Reason").fill("r first");
    await screenshot(page, "dialog-reorder");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.waitFor({ state: "detached" });
    const steps = async () => (await gql<{ plan: { steps: { key: string }[] } }>(server.url, ADMIN, `query($id: ID!) { plan(id: $id) { steps { key } } }`, { id })).plan.steps.map((s) => s.key);
    expect(await steps()).toEqual(["r", "q", "p"]);
    await tab(page, "Audit").click();
    await page.getByTestId("audit").locator('tr[data-kind="REORDER_STEPS"][data-status="APPLIED"]').waitFor();
    expectClean(record);
    await context.close();
  });
});
