/** Templates at start-up: the built-ins and the BATON_TEMPLATES_DIR folder, in the app and the CLI. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createApp, type App } from "../../src/server/app.js";
import { silentLogger } from "../helpers/api.js";
import { gatewayDatabase, testDatabase } from "../helpers/database.js";
import { CLI, tempDb } from "../helpers/process.js";

let running: App[] = [];
afterEach(async () => {
  for (const app of running) await app.stop();
  running = [];
});

/** A folder holding these files. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-templates-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const JSON_TEMPLATE = JSON.stringify({ name: "etl", description: "from JSON", steps: [{ key: "extract", role: "r" }, { key: "load", role: "r", dependsOn: ["extract"] }] });
const YAML_TEMPLATE = `
name: triage
policy: { complexity: CRISIS }
steps:
  - key: look
    role: oncall
    runAt: 2030-01-01T00:00:00Z
  - key: fix
    role: oncall
    dependsOn: [look]
    retry: { maxAttempts: 1 }
`;

async function start(db: string, dir: string): Promise<App> {
  const app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(db), BATON_TEMPLATES_DIR: dir }), { logger: silentLogger });
  running.push(app);
  await app.start();
  return app;
}

const versions = async (app: App) => (await app.coordinator.store.queries.templates.list()).map((t) => `${t.name}@${t.version}`);

describe("templates at start-up", () => {
  it("registers the built-ins and the folder's JSON and YAML files, and a restart adds a version only for a changed file", async () => {
    const db = tempDb();
    const dir = folder({ "etl.json": JSON_TEMPLATE, "triage.yml": YAML_TEMPLATE, "notes.txt": "not a template" });
    const first = await start(db, dir);
    expect(await versions(first)).toEqual(["build-website@1", "etl@1", "linear-pipeline@1", "triage@1"]);
    expect(await first.coordinator.store.queries.templates.get("triage")).toMatchObject({
      policy: { complexity: "CRISIS" },
      steps: [{ key: "look", role: "oncall", runAt: "2030-01-01T00:00:00.000Z" }, { key: "fix", role: "oncall", dependsOn: ["look"], retry: { maxAttempts: 1 } }],
    });
    const plan = await first.coordinator.createPlan({ name: "p", template: "triage", start: false }, "t");
    expect((await first.coordinator.store.queries.plans.load(plan.id))!.steps[0]!.runAt).toBe(Date.parse("2030-01-01T00:00:00Z"));
    await first.stop();

    const again = await start(db, dir);
    expect(await versions(again)).toEqual(["build-website@1", "etl@1", "linear-pipeline@1", "triage@1"]);
    await again.stop();

    writeFileSync(join(dir, "etl.json"), JSON_TEMPLATE.replace("from JSON", "changed"));
    const changed = await start(db, dir);
    expect(await versions(changed)).toEqual(["build-website@1", "etl@2", "etl@1", "linear-pipeline@1", "triage@1"]);
  });

  it("fails on an invalid file, naming it with every problem, and registers nothing", async () => {
    const db = tempDb();
    const dir = folder({
      "good.json": JSON_TEMPLATE,
      "bad.yaml": "name: bad\nsteps:\n  - { key: a, role: r, dependsOn: [ghost] }\n  - { key: b, colour: red }\n",
      "broken.json": "{ name: ",
      "twin.yaml": "name: etl\nsteps: [{ key: x, role: r }]\n",
    });
    const app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(db), BATON_TEMPLATES_DIR: dir }), { logger: silentLogger });
    running.push(app);
    const error = await app.start().then(
      () => null,
      (e: Error) => e.message,
    );
    expect(error).toMatch(new RegExp(`^invalid template files in ${dir}: `));
    expect(error).toContain("bad.yaml: steps[1].role: is required; steps[1].colour: unknown field");
    expect(error).toContain("broken.json: Expected property name");
    expect(error).toContain('twin.yaml: name: "etl" is also defined in good.json');
    expect(error).not.toContain("good.json:");
    await app.stop();
    const store = await testDatabase({ file: db }).open();
    expect(await store.queries.templates.list()).toEqual([]);
    await store.close();
  });

  it("a bad templates folder makes `baton serve` print one line naming the file and exit 1", () => {
    const dir = folder({ "site.yml": "name: build-website\nsteps: [{ key: a, role: '' }]\n" });
    const res = spawnSync(process.execPath, [CLI, "serve"], { env: { ...process.env, BATON_PORT: "0", ...gatewayDatabase(tempDb()), BATON_TEMPLATES_DIR: dir }, encoding: "utf8" });
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split("\n")).toEqual([
      `baton: invalid template file in ${dir}: site.yml: name: "build-website" is a built-in template: choose another name; steps[0].role: must not be empty`,
    ]);
    const missing = spawnSync(process.execPath, [CLI, "serve"], { env: { ...process.env, BATON_PORT: "0", ...gatewayDatabase(tempDb()), BATON_TEMPLATES_DIR: join(dir, "nope") }, encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`baton: cannot read the templates folder ${join(dir, "nope")}: ENOENT`);
  });
});
