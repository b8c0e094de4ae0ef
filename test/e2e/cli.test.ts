/**
 * `baton plan create|get|list|watch` and `baton agents`: the compiled CLI run as a child process
 * against a real gateway (authentication on), its output captured. Plans run on the built-in
 * agents (builtin.echo, builtin.wait), so they finish by themselves.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView } from "../../src/cli/render.js";
import { waitFor } from "../helpers/fixtures.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";
import { CLI, freePort } from "../helpers/process.js";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `baton <args>` against the gateway (BATON_URL, BATON_TOKEN: the admin's unless env says otherwise). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, BATON_URL: gw.url, BATON_TOKEN: gw.adminToken!, ...gw.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** A plan file in the gateway's folder. */
function planFile(name: string, text: string): string {
  const file = join(gw.dir, name);
  writeFileSync(file, text);
  return file;
}

const HELLO = `# three steps in two waves, on the built-in agents
name: hello
goal: greet
steps:
  - key: fetch
    role: builtin.echo
    input: { n: 1 }
  - key: pause
    role: builtin.wait
    config: { ms: 50 }
    input: { waited: true }
    dependsOn: [fetch]
  - key: report
    role: builtin.echo
    input: { done: true }
    dependsOn: [fetch]
`;

const DOOMED = JSON.stringify({
  name: "doomed",
  steps: [
    { key: "a", role: "builtin.echo", input: { ok: false }, retry: { maxAttempts: 1 }, when: [{ if: { path: "output.ok", op: "eq", value: false }, then: { fail: "not ok" } }] },
    { key: "b", role: "builtin.echo", dependsOn: ["a"] },
  ],
});

async function createIdle(file: string): Promise<string> {
  const r = await cli(["plan", "create", "--file", file, "--start", "false"]);
  expect(r.stderr).toMatch(/^plan plan_\w+ "\w+" created: IDLE/);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe("baton plan create, get and list", () => {
  it("creates a plan from a YAML file and prints its id; get shows it wave by wave; list finds it", async () => {
    const id = await createIdle(planFile("hello.yaml", HELLO));
    expect(id).toMatch(/^plan_\w+$/);

    const got = await cli(["plan", "get", id]);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(`plan        ${id} "hello"`);
    expect(got.stdout).toMatch(/^state\s+IDLE \(version \d+, progress 0%\)$/m);
    expect(got.stdout).toMatch(/^goal\s+greet$/m);
    expect(got.stdout).toMatch(/^WAVE\s+STEP\s+ROLE\s+STATE\s+ATTEMPTS\s+AGENT\s+ERROR$/m);
    expect(got.stdout).toMatch(/^1\s+fetch\s+builtin\.echo\s+PENDING\s+0\s+-$/m);
    expect(got.stdout).toMatch(/^2\s+pause\s+builtin\.wait\s+PENDING/m);
    expect(got.stdout).toMatch(/^2\s+report\s+builtin\.echo\s+PENDING/m);

    const json = JSON.parse((await cli(["plan", "get", id, "--json"])).stdout) as { id: string; state: string; waves: string[][] };
    expect(json).toMatchObject({ id, state: "IDLE", waves: [["fetch"], ["pause", "report"]] });

    const listed = await cli(["plan", "list", "--state", "idle"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+STATE\s+PROGRESS\s+CREATED$/);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+hello\\s+IDLE\\s+0%\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z$`, "m"));
    const none = JSON.parse((await cli(["plan", "list", "--state", "COMPENSATED", "--json"])).stdout) as unknown[];
    expect(none).toEqual([]);
  });

  it("says what is wrong with a plan file, and passes on the gateway's refusal", async () => {
    const broken = await cli(["plan", "create", "--file", planFile("broken.yaml", "name: [x\nsteps: 1\n")]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^baton: .*broken\.yaml is not valid YAML or JSON: .+\n$/);
    const list = await cli(["plan", "create", "--file", planFile("list.yaml", "- name: x\n")]);
    expect(list.stderr).toMatch(/list\.yaml must hold one plan .*got a list\n$/);
    const missing = await cli(["plan", "create", "--file", join(gw.dir, "nope.yaml")]);
    expect([missing.code, missing.stderr]).toEqual([1, `baton: cannot read ${join(gw.dir, "nope.yaml")}: no such file\n`]);
    const refused = await cli(["plan", "create", "--file", planFile("bad.json", `{"name":"x","steps":[{"key":"a","role":"r","dependsOn":["zz"]}]}`)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^baton: BAD_USER_INPUT: .*zz/);
  });

  it("lists the agents", async () => {
    const r = await cli(["agents"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ROLES\s+STATUS\s+LEASES\s+LAST SEEN$/);
    expect(r.stdout).toMatch(/^agt_\w+\s+builtin\.echo\s+builtin\.echo\s+ONLINE\s+\d+\s+/m);
    const agents = JSON.parse((await cli(["agents", "--json"])).stdout) as { name: string; builtin: boolean }[];
    expect(agents).toContainEqual(expect.objectContaining({ name: "builtin.wait", builtin: true }));
  });
});

describe("baton plan watch", () => {
  it("follows a plan live, a progress bar per wave, then a summary; exit 0 when it completes", async () => {
    const id = await createIdle(planFile("watched.yaml", HELLO));
    const listeners = gw.app.coordinator.hub.subscriberCount;
    const watching = cli(["plan", "watch", id]);
    await waitFor(() => gw.app.coordinator.hub.subscriberCount > listeners, 20_000); // it follows the plan's signals
    const started = await gw.post(`mutation($id: ID!) { startPlan(id: $id) { id } }`, { id });
    expect(started.body.errors).toBeUndefined();
    const r = await watching;

    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    // Not a terminal: one plain line per change. First the plan as it was (IDLE, nothing done)...
    expect(lines.slice(0, 3)).toEqual([`plan ${id} "hello": IDLE`, "wave 1/2 [--------------------] 0/1", "wave 2/2 [--------------------] 0/2"]);
    // ...then its progress, wave by wave (how many states it passes through depends on how fast
    // the plan runs: each burst of signals is one read of the plan)...
    const at = (line: string): number => lines.indexOf(line);
    const states = lines.filter((l) => l.startsWith(`plan ${id}`)).map((l) => l.slice(l.lastIndexOf(" ") + 1));
    expect(states.join(" ")).toMatch(/^IDLE( RUNNING)? COMPLETED$/);
    expect(at("wave 1/2 [####################] 1/1")).toBeGreaterThan(2);
    expect(at("wave 2/2 [####################] 2/2")).toBeGreaterThan(at("wave 1/2 [####################] 1/1"));
    // ...and the summary last.
    const summary = lines.slice(lines.findIndex((l) => l.startsWith("COMPLETED in ")));
    expect(summary[0]).toMatch(/^COMPLETED in \d+(\.\d)? m?s$/);
    expect(summary[1]).toBe("steps: 3 succeeded, 0 failed, 0 skipped of 3; retries: 0");
    expect(summary.slice(2)).toEqual([expect.stringMatching(/^evaluation: (EXCELLENT|GOOD|FAIR|POOR) \(score \d+\.\d\)$/)]);
  });

  it("exits 1 for a plan that fails, with what failed and why", async () => {
    const r = await cli(["plan", "watch", await createAndRun(planFile("doomed.json", DOOMED))]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("wave 1/2 [####################] 1/1  failed: a\n");
    expect(r.stdout).toContain("wave 2/2 [####################] 1/1  cancelled: b\n");
    expect(r.stdout).toMatch(/^FAILED in \d+(\.\d)? m?s\nsteps: 0 succeeded, 1 failed, 0 skipped, 1 cancelled of 2; retries: 0\n/m);
    expect(r.stdout).toMatch(/\nerror: CONDITION: step a failed: not ok\n$/);
  });

  it("says NOT_FOUND for an unknown plan", async () => {
    const r = await cli(["plan", "watch", "plan_nope"]);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, "", "baton: NOT_FOUND: no plan plan_nope\n"]);
  });
});

async function createAndRun(file: string): Promise<string> {
  const r = await cli(["plan", "create", "--file", file]);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe("the gateway and the token", () => {
  it("refuses a bad token with UNAUTHENTICATED, and a role that may not with FORBIDDEN", async () => {
    const commands = [["plan", "list"], ["plan", "watch", "plan_x"], ["agents"]];
    for (const r of await Promise.all(commands.map((args) => cli(args, { BATON_TOKEN: "baton_not-a-token" })))) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^baton: UNAUTHENTICATED: .+\n$/);
    }
    const viewer = await gw.token("viewer");
    expect((await cli(["plan", "list"], { BATON_TOKEN: viewer })).code).toBe(0);
    const r = await cli(["plan", "create", "--file", planFile("v.yaml", HELLO), "--token", viewer]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^baton: FORBIDDEN: /);
  });

  it("uses the admin token file beside BATON_DB when no token is given, for a gateway on this machine", async () => {
    const r = await cli(["agents"], { BATON_TOKEN: "" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("builtin.echo");
  });

  it("says in one line when the gateway cannot be reached", async () => {
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    const r = await cli(["plan", "list", "--url", url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^baton: cannot reach ${url.replace(/[.]/g, "\\.")}: .+\\n$`));
  });

  it("exits 2 on a command line it cannot run", async () => {
    const commands = [["plan"], ["plan", "get"], ["plan", "list", "--first", "0"], ["plan", "list", "--state", "DONE"], ["plan", "watch", "a", "b"], ["agents", "--bogus"], ["plan", "create", "--start", "maybe", "--file", "x"]];
    const runs = await Promise.all(commands.map((args) => cli(args)));
    runs.forEach((r, i) => {
      expect(r.code, commands[i]!.join(" ")).toBe(2);
      expect(r.stderr, commands[i]!.join(" ")).toMatch(/^baton: /);
    });
  });
});

describe("the live view", () => {
  const stream = (isTTY: boolean, columns = 30, rows = 10) => {
    const out = { written: [] as string[], isTTY, columns, rows, write: (s: string) => out.written.push(s) > 0 };
    return out;
  };

  it("redraws in place on a terminal: back up over the last drawing, clear, draw; lines clipped to the width", () => {
    const out = stream(true);
    const view = new LiveView(out as unknown as NodeJS.WritableStream);
    view.update(["plan p: RUNNING", "wave 1/1 [----] 0/1"]);
    view.update(["plan p: RUNNING", "wave 1/1 [----] 0/1"]); // nothing changed: nothing drawn
    view.update(["plan p: COMPLETED", `wave 1/1 [####] 1/1  ${"x".repeat(40)}`]);
    expect(out.written).toEqual(["plan p: RUNNING\nwave 1/1 [----] 0/1\n", `\x1b[2F\x1b[0Jplan p: COMPLETED\nwave 1/1 [####] 1/1  xxxxxxx…\n`]);
  });

  it("keeps the drawing within the terminal's height", () => {
    const out = stream(true, 80, 5);
    new LiveView(out as unknown as NodeJS.WritableStream).update(["h", "1", "2", "3", "4", "5"]);
    expect(out.written).toEqual(["h\n1\n2\n… 3 more\n"]);
  });

  it("prints each changed line once elsewhere", () => {
    const out = stream(false);
    const view = new LiveView(out as unknown as NodeJS.WritableStream);
    view.update(["a", "b"]);
    view.update(["a", "c"]);
    expect(out.written.join("")).toBe("a\nb\nc\n");
  });
});
