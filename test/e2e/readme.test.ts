/**
 * The README's quick start and first plan, run as written: the fenced blocks are read from
 * README.md itself. `npm ci && npm start` is the real server process that `npm start` runs
 * (`node dist/src/cli/main.js serve`) in a fresh folder, on a free port (BATON_PORT=0) and with
 * authentication on; the shell blocks run in bash in that folder (so `cat data/admin.token`
 * reads the token the first start wrote), with the printed URL in place of 127.0.0.1:4000.
 * The plan must be created and complete, and the Node subscription example must see it.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/store/database.js";
import { waitFor } from "../helpers/fixtures.js";
import { CLI } from "../helpers/process.js";

const ROOT = packageRoot();
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The fenced blocks of one `## title` section of the README, with their language. */
function blocks(title: string): { lang: string; code: string }[] {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const end = README.indexOf("\n## ", start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }));
}

let dir: string;
let server: ChildProcess;
let base: string; // http://127.0.0.1:<port>
let stderr = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "baton-readme-"));
  // `npm start` is `node dist/src/cli/main.js serve`, run where the user is: here a fresh folder.
  const [install] = blocks("Quick start");
  expect(install!.code.trim()).toBe("npm ci && npm start");
  const start = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start as string;
  expect(start).toBe("node dist/src/cli/main.js serve");
  const { BATON_AUTH: _auth, BATON_DB: _db, BATON_TOKEN: _token, ...env } = process.env;
  server = spawn(process.execPath, [CLI, "serve"], {
    cwd: dir,
    env: { ...env, NODE_ENV: "production", BATON_PORT: "0", BATON_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  let out = "";
  base = await new Promise<string>((resolve, reject) => {
    server.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^/\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  // The README's examples import graphql-ws and ws, as a project depending on Baton would.
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
});

afterAll(() => {
  server?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const here = (code: string): string => code.replaceAll("127.0.0.1:4000", base.replace(/^http:\/\//, ""));

/** Runs shell text in bash in the gateway's folder. */
function sh(script: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile("bash", ["-euo", "pipefail", "-c", script], { cwd: dir, env: { ...process.env, BATON_TOKEN: "" } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    ),
  );
}

describe("README", () => {
  it("the quick start token export and the first plan's curl create a plan that completes", async () => {
    const quick = blocks("Quick start").filter((b) => b.lang === "sh");
    const exportToken = quick.find((b) => b.code.includes("BATON_TOKEN="));
    expect(exportToken?.code.trim()).toBe("export BATON_TOKEN=$(cat data/admin.token)");
    const curl = blocks("A first plan").find((b) => b.lang === "sh" && b.code.startsWith("curl"));
    expect(curl).toBeDefined();

    const { stdout } = await sh(`${exportToken!.code}\n${here(curl!.code)}`);
    const created = JSON.parse(stdout) as { data: { createPlan: { id: string; state: string; steps: { key: string }[] } } };
    expect(created.data.createPlan.state).toBe("RUNNING");
    expect(created.data.createPlan.steps.map((s) => s.key)).toEqual(["fetch", "pause", "report"]);

    const token = readFileSync(join(dir, "data", "admin.token"), "utf8").trim();
    const state = async (): Promise<string> => {
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `query($id: ID!) { plan(id: $id) { state } }`, variables: { id: created.data.createPlan.id } }),
      });
      return ((await res.json()) as { data: { plan: { state: string } } }).data.plan.state;
    };
    await waitFor(async () => (await state()) === "COMPLETED" || (await new Promise((r) => setTimeout(r, 50)), false), 10_000);
  });

  it("the Node subscription example replays the plan's signals up to PLAN_COMPLETED", async () => {
    const js = blocks("Follow it live").find((b) => b.lang === "js");
    expect(js).toBeDefined();
    const file = join(dir, "follow.mjs");
    writeFileSync(file, here(js!.code));
    const token = readFileSync(join(dir, "data", "admin.token"), "utf8").trim();
    const child = spawn(process.execPath, [file], { cwd: dir, env: { ...process.env, BATON_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    try {
      await waitFor(() => out.includes("PLAN_COMPLETED") || child.exitCode !== null, 10_000);
      expect(err).toBe("");
      expect(out).toContain("PLAN_CREATED");
      expect(out).toContain("PLAN_COMPLETED");
    } finally {
      child.kill("SIGTERM");
    }
  });
});
