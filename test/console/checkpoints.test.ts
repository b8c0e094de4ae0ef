/**
 * A plan's checkpoints in the console, in a real browser against a real gateway process and a
 * gated SDK agent (test/helpers/browser.ts): the list fills as steps finish, two checkpoints are
 * compared, a restore rewinds the graph on screen, a fork opens the new plan's page, both
 * reasons reach the original plan's audit log, and a viewer sees the list and the comparison but is offered neither restore nor fork.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startServerProcess, type ServerProcess } from "../helpers/process.js";
import { describeBrowser, expectClean, gql, launchBrowser, screenshot, startGatedAgent, watchedContext, type GatedAgent, tearDown } from "../helpers/browser.js";

const ADMIN = "console-checkpoints-admin-0123456789abcdefghij";
const ROLE = "console.checkpoints";
const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const TOKEN = `mutation($input: CreateTokenInput!) { createToken(input: $input) { token } }`;
const STEPS = `query($id: ID!) { plan(id: $id) { version forkedFrom steps { key state output } } }`;

describeBrowser("a plan's checkpoints in the console", () => {
  let server: ServerProcess;
  let base: string;
  let browser: Browser;
  let agent: GatedAgent;
  let planId: string;

  const token = async (role: "AGENT" | "VIEWER", name: string) =>
    (
      await gql<{ createToken: { token: string } }>(server.url, ADMIN, TOKEN, {
        input: { name, role },
      })
    ).createToken.token;

  const signIn = async (page: Page, secret: string) => {
    await page.goto(`${base}/`);
    await page.getByLabel("API token").fill(secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Plans" }).waitFor();
  };
  const row = (page: Page, cause: string) => page.getByTestId("checkpoints").locator("tbody tr", { hasText: cause });
  const step = (page: Page, key: string, state: string) => page.locator(`[data-step="${key}"][data-state="${state}"]`);

  beforeAll(async () => {
    server = await startServerProcess({
      BATON_AUTH: "on",
      BATON_ADMIN_TOKEN: ADMIN,
    });
    base = server.url.replace(/\/graphql$/, "");
    agent = await startGatedAgent(server.url, ROLE, await token("AGENT", "checkpoints-agent"));
    browser = await launchBrowser();
  }, 90_000);

  afterAll(() => tearDown(browser, agent, server));

  it("lists and compares checkpoints, restores one with the graph rewinding on screen, and forks one", { timeout: 150_000 }, async () => {
    planId = (
      await gql<{ createPlan: { id: string } }>(server.url, ADMIN, CREATE, {
        input: {
          name: "checkpoints-live",
          steps: [
            { key: "draft", role: ROLE },
            { key: "review", role: ROLE, dependsOn: ["draft"] },
            { key: "publish", role: ROLE, dependsOn: ["review"] },
          ],
        },
      })
    ).createPlan.id;
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, ADMIN);
    await page.goto(`${base}/plans/${planId}`);
    await page.getByRole("heading", { name: "Checkpoints", exact: true }).waitFor();
    await row(page, "Plan started").waitFor();

    // Two steps finish: each adds a checkpoint to the list, live.
    await agent.started("draft");
    agent.finish("draft");
    await row(page, "Step draft finished").waitFor();
    await agent.started("review");
    agent.finish("review");
    await row(page, "Step review finished").waitFor();
    await agent.started("publish");
    await step(page, "publish", "RUNNING").waitFor();
    await step(page, "review", "SUCCEEDED").waitFor();

    // Compare the plan's start with after review: both steps changed, their outputs shown.
    await row(page, "Plan started").getByRole("checkbox").check();
    await row(page, "Step review finished").getByRole("checkbox").check();
    const diff = page.getByTestId("checkpoint-diff");
    await diff.locator('[data-diff-step="draft"]').waitFor();
    expect(await diff.locator('[data-diff-step="review"]').innerText()).toContain("Succeeded");
    expect(await diff.locator('[data-diff-step="draft"]').innerText()).toMatch(/state, output, attempts/);
    await diff.getByText('"done": "draft"').first().waitFor();
    await screenshot(page, "checkpoints-diff");

    // Restore to just after draft: review and publish go back on screen, and the plan runs on.
    const version = (
      await gql<{ plan: { version: number } }>(server.url, ADMIN, STEPS, {
        id: planId,
      })
    ).plan.version;
    await row(page, "Step draft finished").getByRole("button", { name: "Restore…" }).click();
    const restore = page.getByRole("form", {
      name: "Restore the checkpoint",
    });
    await restore.getByText(`Sent with plan version ${version}`).waitFor();
    const submit = restore.getByRole("button", {
      name: "Restore to this checkpoint",
    });
    expect(await submit.isDisabled()).toBe(true); // no reason, no restore
    await restore.getByLabel("Reason").fill("redo the review");
    await submit.click();
    await page
      .getByTestId("checkpoints")
      .getByRole("status")
      .getByText(/^Restored to checkpoint ckp_\w+: the plan is at version \d+\.$/)
      .waitFor();
    expect(await restore.count()).toBe(0); // the form closes
    await step(page, "publish", "PENDING").waitFor();
    await page.locator('[data-step="review"]:is([data-state="READY"], [data-state="RUNNING"])').waitFor();
    await step(page, "draft", "SUCCEEDED").waitFor();
    await row(page, "Plan restored").waitFor();
    await screenshot(page, "checkpoints-restored");
    const restored = await gql<{
      plan: { steps: { key: string; state: string }[] };
    }>(server.url, ADMIN, STEPS, { id: planId });
    expect(restored.plan.steps.find((s) => s.key === "publish")?.state).toBe("PENDING");

    // The plan runs on from there: the revoked publish attempt ends (its result refused), review
    // and publish run again, and the plan completes.
    agent.finish("publish");
    agent.finish("review");
    await step(page, "review", "SUCCEEDED").waitFor();
    await step(page, "publish", "RUNNING").waitFor();
    agent.finish("publish");
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();

    // Fork from after draft, with a reason: the new plan's page opens, draft finished with its output.
    await row(page, "Step draft finished").getByRole("button", { name: "Fork…" }).click();
    const fork = page.getByRole("form", { name: "Fork the checkpoint" });
    await fork.getByLabel("Name of the new plan").fill("checkpoints-forked");
    const forkButton = fork.getByRole("button", { name: "Fork a new plan" });
    expect(await forkButton.isDisabled()).toBe(true); // no reason, no fork
    await fork.getByLabel("Reason").fill("try the review on a copy");
    await forkButton.click();
    await page.getByRole("heading", { name: "checkpoints-forked" }).waitFor();
    const forkId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
    expect(forkId).not.toBe(planId);
    await step(page, "draft", "SUCCEEDED").waitFor();
    await page.locator('[data-step="publish"]').waitFor();
    expect(await page.locator('[data-step="publish"]').getAttribute("data-state")).toBe("PENDING");
    const forked = await gql<{
      plan: {
        forkedFrom: string | null;
        steps: { key: string; output: unknown }[];
      };
    }>(server.url, ADMIN, STEPS, { id: forkId });
    expect(forked.plan.forkedFrom).toMatch(/^ckp_/);
    await page.getByTestId("forked-from").getByText(forked.plan.forkedFrom!).waitFor();
    expect(await page.getByRole("form").count()).toBe(0); // nothing left open from the original's page
    expect(forked.plan.steps.find((s) => s.key === "draft")?.output).toEqual({
      done: "draft",
    });
    await screenshot(page, "checkpoints-fork");
    // The fork runs its remaining steps to the end.
    agent.finish("review");
    await step(page, "review", "SUCCEEDED").waitFor();
    agent.finish("publish");
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();

    // The reasons typed reach the original plan's audit log, with the operator as actor.
    const { viewer } = await gql<{ viewer: { name: string } }>(server.url, ADMIN, `{ viewer { name } }`);
    const audit = await gql<{ interventions: { edges: { node: { kind: string; actor: string; reason: string; status: string; diff: unknown } }[] } }>(
      server.url,
      ADMIN,
      `query($id: ID!) { interventions(planId: $id) { edges { node { kind actor reason status diff } } } }`,
      { id: planId },
    );
    expect(audit.interventions.edges.map((e) => e.node)).toEqual([
      { kind: "RESTORE_CHECKPOINT", actor: viewer.name, reason: "redo the review", status: "APPLIED", diff: expect.anything() },
      { kind: "FORK_CHECKPOINT", actor: viewer.name, reason: "try the review on a copy", status: "APPLIED", diff: { forkedTo: forkId } },
    ]);
    await page.goto(`${base}/plans/${planId}`);
    await page.getByRole("tab", { name: "Audit", exact: true }).click();
    const forkRow = page.getByTestId("audit").locator('tr[data-kind="FORK_CHECKPOINT"]');
    await forkRow.getByText("try the review on a copy").waitFor();
    expect(await forkRow.innerText()).toContain(viewer.name);
    await screenshot(page, "checkpoints-audit");
    expectClean(record);
    await context.close();
  });

  it("shows a viewer the checkpoints and their comparison, and no restore or fork", { timeout: 90_000 }, async () => {
    expect(planId).toBeTruthy();
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, await token("VIEWER", "checkpoints-viewer"));
    await page.goto(`${base}/plans/${planId}`);
    await row(page, "Plan restored").waitFor();
    await row(page, "Plan started").getByRole("checkbox").check();
    await row(page, "Step draft finished").getByRole("checkbox").check();
    await page.getByTestId("checkpoint-diff").locator('[data-diff-step="draft"]').waitFor();
    expect(await page.getByRole("button", { name: /^(Restore|Fork)/ }).count()).toBe(0);
    expect(await page.getByRole("columnheader", { name: "Actions" }).count()).toBe(0);
    await screenshot(page, "checkpoints-viewer");
    expectClean(record);
    await context.close();
  });

  it("shows a restore refused for a stale plan version with its reason, and the plan stays as it was", { timeout: 90_000 }, async () => {
    expect(planId).toBeTruthy();
    const { context, page, record } = await watchedContext(browser, base);
    await signIn(page, ADMIN);
    await page.goto(`${base}/plans/${planId}`);
    await page.locator('.title-row [data-state="COMPLETED"]').first().waitFor();
    // The plan changed after the operator looked: the restore goes out with the version before.
    await page.route(`${base}/graphql`, async (route) => {
      const body = route.request().postDataJSON() as { operationName?: string; variables?: { expectedVersion?: number } } | null;
      if (body?.operationName !== "ConsoleRestoreCheckpoint" || !body.variables?.expectedVersion) return route.continue();
      body.variables.expectedVersion -= 1;
      return route.continue({ postData: JSON.stringify(body) });
    });
    await row(page, "Plan started").getByRole("button", { name: "Restore…" }).click();
    const restore = page.getByRole("form", { name: "Restore the checkpoint" });
    await restore.getByLabel("Reason").fill("start over");
    await restore.getByRole("button", { name: "Restore to this checkpoint" }).click();
    await restore
      .getByRole("alert")
      .getByText(/^Refused \(VERSION_CONFLICT\): /)
      .waitFor();
    await screenshot(page, "checkpoints-refused");
    const after = await gql<{ plan: { steps: { key: string; state: string }[] } }>(server.url, ADMIN, STEPS, { id: planId });
    expect(after.plan.steps.map((s) => s.state)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    expectClean(record);
    await context.close();
  });
});
