/**
 * The plans list's bulk actions in a real browser against a real gateway (authentication on):
 * an operator cancels every plan matching a label filter, with a reason, and sees the result,
 * the rows turn Cancelled live and each plan's interventions record it; a selection with a
 * plan that refuses the action lists it rejected, with its code and reason; a viewer is offered
 * no selection and no bulk action, and the search box and the time filter live in the URL.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, watchedContext, tearDown } from "../helpers/browser.js";

const ADMIN = "console-bulk-admin-token-0123456789abcdefghij";
/** No agent serves this role: a plan of it stays RUNNING, its step READY. */
const NOBODY = "bulk.nobody";

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { state version } }`;
const AUDIT = `query($id: ID!) { interventions(planId: $id) { edges { node { kind status actor reason rejectionCode } } } }`;

interface Audit {
  kind: string;
  status: string;
  actor: string;
  reason: string | null;
  rejectionCode: string | null;
}

describeBrowser("the plans list's bulk actions in a browser", () => {
  let server: ServerProcess;
  let base: string;
  let browser: Browser;
  let operator: string;

  const token = async (role: "VIEWER" | "OPERATOR", name: string) => (await gql<{ createToken: { token: string } }>(server.url, ADMIN, TOKEN, { input: { name, role } })).createToken.token;
  const createPlan = async (name: string, labels: string[], role = NOBODY) =>
    (await gql<{ createPlan: { id: string } }>(server.url, ADMIN, CREATE, { input: { name, labels, steps: [{ key: "work", role, ...(role === "builtin.echo" ? { input: {} } : {}) }] } })).createPlan.id;
  const stateOf = async (id: string) => (await gql<{ plan: { state: string } }>(server.url, ADMIN, PLAN, { id })).plan.state;
  const audit = async (id: string) => (await gql<{ interventions: { edges: { node: Audit }[] } }>(server.url, ADMIN, AUDIT, { id })).interventions.edges.map((e) => e.node);

  const signIn = async (page: Page, secret: string, path = "/") => {
    await page.goto(`${base}${path}`);
    await page.getByLabel("API token").fill(secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
  };
  /** A row of the live list (not of the result panel). */
  const listRow = (page: Page, id: string) => page.locator(`table.plans tr[data-plan-id="${id}"]`);

  beforeAll(async () => {
    server = await startServerProcess({ BATON_AUTH: "on", BATON_ADMIN_TOKEN: ADMIN });
    base = server.url.replace(/\/graphql$/, "");
    operator = await token("OPERATOR", "bulk-operator");
    browser = await launchBrowser();
  }, 90_000);

  afterAll(() => tearDown(browser, null, server));

  it("cancels every plan matching a label filter, with a reason: listed applied, Cancelled live, each audited", { timeout: 120_000 }, async () => {
    const nightly = [await createPlan("nightly-1", ["nightly"]), await createPlan("nightly-2", ["nightly", "etl"]), await createPlan("nightly-3", ["nightly"])];
    const others = [await createPlan("other-1", ["other"]), await createPlan("unlabelled", [])];
    // Matches the filter but is finished: the walk leaves it alone, and records nothing for it.
    const finished = await createPlan("nightly-done", ["nightly"], "builtin.echo");
    await expect.poll(() => stateOf(finished), { timeout: 20_000 }).toBe("COMPLETED");

    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, operator);
    await page.getByLabel("Labels").fill("nightly");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.waitForURL(/[?&]label=nightly(&|$)/);
    for (const id of [...nightly, finished]) await listRow(page, id).waitFor();
    await expect.poll(() => page.locator("table.plans tbody tr").count()).toBe(4);
    for (const id of nightly) await listRow(page, id).locator('[data-state="RUNNING"]').waitFor();

    const bar = page.getByRole("group", { name: "Bulk actions" });
    await bar.getByText("No plan selected").waitFor();
    expect(await bar.getByRole("radio", { name: /every plan matching the filter/ }).isChecked()).toBe(true);
    await bar.getByRole("button", { name: "Cancel…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Reason/).fill("superseded by the new pipeline");
    expect(await dialog.getByRole("radio", { name: /^No/ }).isChecked()).toBe(true); // no compensation unless asked
    await dialog.getByRole("button", { name: "Review" }).click();
    // Three of the four matching plans can be cancelled: the confirmation names three.
    await dialog.getByTestId("bulk-confirmation").getByText("Cancel 3 plans, without compensation? Reason: “superseded by the new pipeline”.").waitFor();
    await screenshot(page, "bulk-confirm-filter");
    await dialog.getByRole("button", { name: "Confirm: cancel 3 plans" }).click();

    const result = page.getByTestId("bulk-result");
    await result.getByRole("heading", { name: "Cancel: 3 applied, 0 rejected" }).waitFor();
    for (const id of nightly) await result.locator(`table.bulk-applied tr[data-plan-id="${id}"]`).getByText("Cancelled").waitFor();
    expect(await result.locator("table.bulk-rejected").count()).toBe(0);
    // The list follows the signal log: its rows say Cancelled without a reload.
    for (const id of nightly) await listRow(page, id).locator('[data-state="CANCELLED"]').waitFor();
    expect(await listRow(page, finished).locator("[data-state]").getAttribute("data-state")).toBe("COMPLETED");
    await screenshot(page, "bulk-cancel-result");

    for (const id of nightly) {
      expect(await audit(id)).toContainEqual({ kind: "CANCEL", status: "APPLIED", actor: "bulk-operator", reason: "superseded by the new pipeline", rejectionCode: null });
    }
    expect(await audit(finished)).toEqual([]);
    for (const id of others) {
      expect(await stateOf(id)).toBe("RUNNING");
      expect(await audit(id)).toEqual([]);
    }
    expectClean(record);
    await context.close();
  });

  it("acts on a selection and lists the plan that refused, with its code and reason", { timeout: 120_000 }, async () => {
    const running = await createPlan("selected-running", ["selection"]);
    const paused = await createPlan("selected-paused", ["selection"]);
    await gql(server.url, ADMIN, `mutation($id: ID!) { pausePlan(id: $id, reason: "set up") { status } }`, { id: paused });
    expect(await stateOf(paused)).toBe("PAUSED");

    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, operator, "/plans?label=selection");
    await listRow(page, running).locator('[data-state="RUNNING"]').waitFor();
    await listRow(page, paused).locator('[data-state="PAUSED"]').waitFor();
    await page.getByRole("checkbox", { name: "Select all plans on this page" }).check();
    const bar = page.getByRole("group", { name: "Bulk actions" });
    await bar.getByText("2 plans selected").waitFor();
    expect(await listRow(page, running).getByRole("checkbox").isChecked()).toBe(true);
    expect(await bar.getByRole("radio", { name: "the selected plans" }).isChecked()).toBe(true);

    await bar.getByRole("button", { name: "Resume…" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByRole("button", { name: "Review" }).isDisabled()).toBe(true); // a reason first
    await dialog.getByLabel(/^Reason/).fill("maintenance is over");
    await dialog.getByRole("button", { name: "Review" }).click();
    await dialog.getByText("Resume 2 plans? Reason: “maintenance is over”.").waitFor();
    const versions = async (id: string) => (await gql<{ plan: { version: number } }>(server.url, ADMIN, PLAN, { id })).plan.version;
    const expected = [
      { id: paused, expectedVersion: await versions(paused) },
      { id: running, expectedVersion: await versions(running) },
    ];
    const sent = page.waitForRequest((r) => r.method() === "POST" && (r.postData() ?? "").includes("ConsoleResumePlans"));
    await dialog.getByRole("button", { name: "Confirm: resume 2 plans" }).click();
    // The selection goes as ids with the versions the rows showed, and the reason.
    const { variables } = (await sent).postDataJSON() as { variables: { plans: unknown[]; reason: string; filter?: unknown } };
    expect(variables.reason).toBe("maintenance is over");
    expect(variables.filter).toBeUndefined();
    expect(variables.plans).toHaveLength(2);
    expect(variables.plans).toEqual(expect.arrayContaining(expected));

    const result = page.getByTestId("bulk-result");
    await result.getByRole("heading", { name: "Resume: 1 applied, 1 rejected" }).waitFor();
    await result.locator(`table.bulk-applied tr[data-plan-id="${paused}"]`).getByText("Running").waitFor();
    const refused = result.locator(`table.bulk-rejected tr[data-plan-id="${running}"]`);
    await refused.getByText("INVALID_STATE").waitFor();
    const [, , why] = await refused.locator("td").allInnerTexts();
    expect(why?.trim()).not.toBe("");
    await listRow(page, paused).locator('[data-state="RUNNING"]').waitFor();
    await bar.getByText("No plan selected").waitFor();
    await screenshot(page, "bulk-selection-rejected");

    expect(await audit(paused)).toContainEqual({ kind: "RESUME", status: "APPLIED", actor: "bulk-operator", reason: "maintenance is over", rejectionCode: null });
    expect(await audit(running)).toContainEqual({ kind: "RESUME", status: "REJECTED", actor: "bulk-operator", reason: "maintenance is over", rejectionCode: "INVALID_STATE" });
    expectClean(record);
    await context.close();
  });

  it("offers a viewer no selection and no bulk action; the search and the time filter are in the URL", { timeout: 90_000 }, async () => {
    const id = await createPlan("searched-for", ["viewer"]);
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, await token("VIEWER", "bulk-viewer"));
    await page.getByRole("searchbox", { name: "Search" }).fill(id);
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.waitForURL(new RegExp(`[?&]search=${id}(&|$)`));
    await listRow(page, id).waitFor();
    await expect.poll(() => page.locator("table.plans tbody tr").count()).toBe(1);
    expect(await page.getByRole("checkbox").count()).toBe(0);
    expect(await page.getByRole("group", { name: "Bulk actions" }).count()).toBe(0);
    await screenshot(page, "bulk-viewer");

    // A range that ends before the plan was made: nothing matches, also after a reload.
    await page.goto(`${base}/plans?search=${id}&createdBefore=2000-01-01T00:00:00.000Z`);
    await page.getByText("No plan matches.").waitFor();
    const before = page.getByLabel("Created before");
    expect(await before.inputValue()).toMatch(/^(1999-12-31|2000-01-01)T/);
    expectClean(record);
    await context.close();
  });
});
