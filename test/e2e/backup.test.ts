/**
 * `baton backup <file>`: an online copy taken by a separate process while a real server keeps
 * committing, then a new server started on the copy carries on from it.
 */
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/fixtures.js";
import { CLI, startServerProcess, tempDb, type ServerProcess } from "../helpers/process.js";

const servers: ServerProcess[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
});

async function start(db: string): Promise<ServerProcess> {
  const s = await startServerProcess({ BATON_DB: db });
  servers.push(s);
  return s;
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `baton <args>` as a child process (asynchronously: the test keeps writing meanwhile). */
function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BATON_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** One GraphQL request; GraphQL errors fail the test. */
async function gql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const createPlan = async (url: string, input: Record<string, unknown>): Promise<string> => (await gql(url, CREATE, { input })).createPlan.id;
const PLAN = `query($id: ID!) { plan(id: $id) { id name state result steps { key state output } } }`;
const planOf = async (url: string, id: string): Promise<any> => (await gql(url, PLAN, { id })).plan;

/** Every plan id, all pages. */
async function allPlanIds(url: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = (await gql(url, `query($after: String) { plans(first: 500, after: $after) { edges { node { id } } pageInfo { endCursor hasNextPage } } }`, { after })).plans;
    ids.push(...page.edges.map((e: any) => e.node.id));
    if (!page.pageInfo.hasNextPage) return ids;
    after = page.pageInfo.endCursor;
  }
}

const countPlans = async (url: string, filter: Record<string, unknown>): Promise<number> =>
  (await gql(url, `query($filter: PlanFilter) { plans(filter: $filter, first: 1) { totalCount } }`, { filter })).plans.totalCount;

const UNFINISHED = ["IDLE", "RUNNING", "PAUSED", "COMPENSATING"];

/** One line on stderr, starting "baton: ". */
const oneLine = (r: CliRun): string => {
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^baton: /);
  return lines[0]!;
};

describe("baton backup", () => {
  it("copies a live database while the server commits; a server on the copy has every plan and finishes the unfinished ones", async () => {
    const db = tempDb();
    const copy = join(mkdtempSync(join(tmpdir(), "baton-backup-")), "nested", "copy.db");
    const original = await start(db);
    const url = original.url;

    // A finished plan, and one stopped at a manual step that no agent of this server will take.
    const done = await createPlan(url, {
      name: "done",
      steps: [
        { key: "a", role: "builtin.echo", input: { v: 1 } },
        { key: "b", role: "builtin.echo", dependsOn: ["a"], input: { v: 2 } },
      ],
    });
    const pending = await createPlan(url, {
      name: "pending",
      steps: [
        { key: "fetch", role: "builtin.echo", input: { n: 1 } },
        { key: "approve", role: "backup.manual", dependsOn: ["fetch"] },
        { key: "ship", role: "builtin.echo", dependsOn: ["approve"], input: { shipped: true } },
      ],
    });
    await waitFor(async () => (await planOf(url, done)).state === "COMPLETED");
    await waitFor(async () => (await planOf(url, pending)).steps.find((s: any) => s.key === "approve").state === "READY");

    // Writers keep creating plans (each runs two builtin.echo steps: more commits) before, during
    // and after the backup. A step leased at the moment of the copy is, on the copy, a lease whose
    // holder is gone: it is handed out again when its heartbeat times out, as after a crash (a
    // short timeout here; builtin steps finish at once and never need one).
    type Phase = "before" | "during" | "after";
    let phase: Phase = "before";
    let stop = false;
    const created: { id: string; sent: Phase; answered: Phase }[] = [];
    const writer = async (): Promise<void> => {
      while (!stop) {
        const sent = phase;
        const id = await createPlan(url, {
          name: `load-${created.length}`,
          policy: { heartbeatTimeoutMs: 500 },
          steps: [
            { key: "a", role: "builtin.echo", input: { i: created.length } },
            { key: "b", role: "builtin.echo", dependsOn: ["a"], input: { ok: true } },
          ],
        });
        created.push({ id, sent, answered: phase });
      }
    };
    const writers = [writer(), writer(), writer()];
    await waitFor(() => created.length >= 30);

    // A plan whose step is running (a builtin.wait holding its lease) when the copy is taken.
    const waiting = await createPlan(url, {
      name: "waiting",
      policy: { heartbeatTimeoutMs: 500 },
      steps: [
        { key: "pause", role: "builtin.wait", config: { ms: 3000 }, input: { waited: true } },
        { key: "after", role: "builtin.echo", dependsOn: ["pause"], input: { after: true } },
      ],
    });
    await waitFor(async () => (await planOf(url, waiting)).steps[0].state === "RUNNING");

    phase = "during";
    const backup = await runCli(["backup", copy], { BATON_DB: db });
    phase = "after";
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(new RegExp(`^backup of ${db} written to ${copy} \\(\\d+ pages, \\d+ bytes\\)\\n$`));
    // The server committed while the backup process ran.
    expect(created.filter((c) => c.answered === "during").length).toBeGreaterThan(0);

    await waitFor(() => created.filter((c) => c.sent === "after").length >= 5);
    stop = true;
    await Promise.all(writers);
    original.child.kill("SIGTERM");
    expect(await original.exited).toEqual({ code: 0, signal: null });

    // The copy is a whole database on its own (no -wal beside it) that a new server opens and runs from.
    expect(existsSync(`${copy}-wal`)).toBe(false);
    const file = new Database(copy, { readonly: true });
    const stateIn = (id: string): unknown => (file.prepare(`SELECT state FROM plans WHERE id = ?`).get(id) as { state: string }).state;
    expect([stateIn(done), stateIn(pending), stateIn(waiting)]).toEqual(["COMPLETED", "RUNNING", "RUNNING"]);
    file.close();
    const restored = await start(copy);
    const ids = new Set(await allPlanIds(restored.url));
    // Everything committed before the backup started is there; nothing asked for after it ended is.
    for (const c of created.filter((c) => c.answered === "before")) expect(ids.has(c.id)).toBe(true);
    for (const c of created.filter((c) => c.sent === "after")) expect(ids.has(c.id)).toBe(false);
    expect(ids.has(done)).toBe(true);
    expect(ids.has(pending)).toBe(true);
    expect(ids.has(waiting)).toBe(true);
    expect(await planOf(restored.url, done)).toMatchObject({ state: "COMPLETED", result: { v: 2 } });

    // Plans caught mid-run by the snapshot run to completion on the copy; none is half-written.
    await waitFor(async () => (await countPlans(restored.url, { nameContains: "load-", states: UNFINISHED })) === 0);
    expect(await countPlans(restored.url, { nameContains: "load-", states: ["COMPLETED"] })).toBe(ids.size - 3);

    // The step running at the copy lost its lease (its holder is gone) and ran again on the copy's server.
    await waitFor(async () => (await planOf(restored.url, waiting)).state === "COMPLETED", 20_000);
    const w = (await gql(restored.url, `query($id: ID!) { plan(id: $id) { result traces { stepKey attempt outcome } } }`, { id: waiting })).plan;
    expect(w).toEqual({
      result: { after: true },
      traces: [
        { stepKey: "pause", attempt: 1, outcome: "LOST" },
        { stepKey: "pause", attempt: 2, outcome: "SUCCEEDED" },
        { stepKey: "after", attempt: 1, outcome: "SUCCEEDED" },
      ],
    });

    // The other unfinished plan continues: its manual step is taken by an agent of the new server.
    const p = await planOf(restored.url, pending);
    expect(p.state).toBe("RUNNING");
    expect(p.steps.map((s: any) => [s.key, s.state])).toEqual([
      ["fetch", "SUCCEEDED"],
      ["approve", "READY"],
      ["ship", "PENDING"],
    ]);
    const agentId = (await gql(restored.url, `mutation { registerAgent(input: { name: "approver", roles: ["backup.manual"] }) { id } }`)).registerAgent.id;
    const leases = (await gql(restored.url, `mutation($a: ID!) { claimSteps(input: { agentId: $a, waitMs: 10000 }) { id planId stepKey } }`, { a: agentId })).claimSteps;
    expect(leases).toEqual([{ id: expect.any(String), planId: pending, stepKey: "approve" }]);
    await gql(restored.url, `mutation($l: ID!) { completeStep(leaseId: $l, output: { approved: true }) { state } }`, { l: leases[0].id });
    await waitFor(async () => (await planOf(restored.url, pending)).state === "COMPLETED");
    expect(await planOf(restored.url, pending)).toMatchObject({
      result: { shipped: true },
      steps: [
        { key: "fetch", state: "SUCCEEDED" },
        { key: "approve", state: "SUCCEEDED", output: { approved: true } },
        { key: "ship", state: "SUCCEEDED" },
      ],
    });

    // The original database went on without the copy: it has the plans created after the backup.
    const later = await start(db);
    const originalIds = new Set(await allPlanIds(later.url));
    for (const c of created) expect(originalIds.has(c.id)).toBe(true);
  });

  it("refuses to overwrite a file without --force, in one line, and overwrites it with --force", async () => {
    const db = tempDb();
    expect((await runCli(["migrate"], { BATON_DB: db })).code).toBe(0);
    const dest = join(mkdtempSync(join(tmpdir(), "baton-backup-")), "copy.db");
    writeFileSync(dest, "keep me");

    const refused = await runCli(["backup", dest], { BATON_DB: db });
    expect(refused.code).not.toBe(0);
    expect(oneLine(refused)).toBe(`baton: backup file ${dest} already exists (use --force to overwrite)`);
    expect(refused.stdout).toBe("");
    expect(readFileSync(dest, "utf8")).toBe("keep me");

    const forced = await runCli(["backup", "--force", dest], { BATON_DB: db });
    expect(forced.stderr).toBe("");
    expect(forced.code).toBe(0);
    const [, pages, bytes] = /\((\d+) pages, (\d+) bytes\)/.exec(forced.stdout)!;
    expect(Number(bytes)).toBe(readFileSync(dest).length);
    expect(Number(pages) * 4096).toBe(Number(bytes));
    const copy = new Database(dest, { readonly: true });
    expect((copy.prepare(`SELECT count(*) AS n FROM __drizzle_migrations`).get() as { n: number }).n).toBeGreaterThan(0);
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    copy.close();
  });

  it("fails in one line, exit code non-zero, on a missing or in-memory database, an unwritable destination or no file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-backup-"));
    const db = tempDb();
    expect((await runCli(["migrate"], { BATON_DB: db })).code).toBe(0);

    const missing = await runCli(["backup", join(dir, "a.db")], { BATON_DB: join(dir, "nope.db") });
    expect(missing.code).toBe(1);
    expect(oneLine(missing)).toBe(`baton: database ${join(dir, "nope.db")} does not exist (BATON_DB)`);

    const memory = await runCli(["backup", join(dir, "a.db")], { BATON_DB: ":memory:" });
    expect(memory.code).toBe(1);
    expect(oneLine(memory)).toMatch(/^baton: cannot back up BATON_DB=:memory:/);

    // A path under a file cannot be written (whoever runs the test, root included).
    writeFileSync(join(dir, "file"), "x");
    const unwritable = await runCli(["backup", join(dir, "file", "a.db")], { BATON_DB: db });
    expect(unwritable.code).toBe(1);
    expect(oneLine(unwritable)).toMatch(/^baton: cannot write backup .*a\.db: /);

    const itself = await runCli(["backup", db], { BATON_DB: db });
    expect(itself.code).toBe(1);
    expect(oneLine(itself)).toMatch(/is the database itself$/);

    const usage = await runCli(["backup"], { BATON_DB: db });
    expect(usage.code).toBe(2);
    expect(oneLine(usage)).toMatch(/usage: baton backup <file> \[--force\]/);

    expect(existsSync(join(dir, "a.db"))).toBe(false);
  });
});
