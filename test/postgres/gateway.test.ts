/**
 * The compiled gateway on PostgreSQL, as operators start it: BATON_DATABASE_URL serves the API
 * (and creates no SQLite file); /readyz says 503 with the reason while the database cannot be
 * reached (a TCP proxy in front of the server is cut) and 200 once it can; a start against no
 * server fails in one line, password masked, exit 1; BATON_ADMIN_TOKEN is the admin token;
 * `baton backup` says to use pg_dump.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/fixtures.js";
import { dropSchema, TEST_POSTGRES_URL } from "../helpers/database.js";
import { CLI, startServerProcess, type ServerProcess } from "../helpers/process.js";
import { postgresProxy } from "../helpers/proxy.js";
import { randomBytes } from "node:crypto";

const run = (args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NODE_ENV: "production", BATON_PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });

describe("the gateway on PostgreSQL", () => {
  const schema = `baton_test_gw_${randomBytes(4).toString("hex")}`;
  let server: ServerProcess | null = null;
  afterEach(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    server = null;
    await dropSchema(schema);
  });

  it("serves the API with no SQLite file; /readyz is 503 with the reason while the database is cut off, 200 once it is back", async () => {
    const link = await postgresProxy();
    const dir = mkdtempSync(join(tmpdir(), "baton-pg-"));
    const token = `tok_${randomBytes(24).toString("base64url")}`;
    server = await startServerProcess({
      BATON_DB: join(dir, "baton.db"),
      BATON_DATABASE_URL: link.url,
      BATON_DATABASE_SCHEMA: schema,
      BATON_AUTH: "on",
      BATON_ADMIN_TOKEN: token,
    });
    const base = server.url.replace(/\/graphql$/, "");
    const gql = async (query: string) =>
      (await fetch(server!.url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) })).json() as Promise<{
        data?: Record<string, any>;
        errors?: unknown[];
      }>;
    const created = await gql(`mutation { createPlan(input: { name: "on pg", steps: [{ key: "a", role: "builtin.echo", input: { x: 1 } }] }) { id } }`);
    expect(created.errors).toBeUndefined();
    const id = created.data!.createPlan.id as string;
    expect(id).toMatch(/^plan_/);
    await waitFor(async () => (await gql(`{ plan(id: "${id}") { state } }`)).data?.plan.state === "COMPLETED");
    expect(readdirSync(dir)).toEqual([]); // BATON_DB is ignored: no SQLite file, no admin.token (BATON_ADMIN_TOKEN)
    expect(existsSync(join(dir, "baton.db"))).toBe(false);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    link.cut();
    const down = await waitFor(async () => {
      const r = await fetch(`${base}/readyz`);
      return r.status === 503 ? ((await r.json()) as { status: string; reason: string }) : null;
    });
    expect(down.status).toBe("unavailable");
    expect(down.reason).toMatch(/^database unreachable: /);
    expect((await gql(`{ plans { totalCount } }`)).errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "STORAGE_UNAVAILABLE" }) })]);

    await link.restore();
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200);
    expect((await gql(`{ plans { totalCount } }`)).data).toEqual({ plans: { totalCount: 1 } });
    await link.close();
  });

  it("fails a start against no server in one line naming the database, password masked, exit 1", async () => {
    const r = await run(["serve"], { BATON_DATABASE_URL: "postgres://baton:s3cret@127.0.0.1:1/baton", BATON_AUTH: "off" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^baton: database error: cannot use the database postgres:\/\/baton:\*\*\*@127\.0\.0\.1:1\/baton: .*ECONNREFUSED/m);
    expect(r.stderr).not.toContain("s3cret");
    expect(r.ms).toBeLessThan(15_000);
  });

  it("`baton backup` says to use pg_dump and exits 1", async () => {
    const r = await run(["backup", join(tmpdir(), "never.db")], { BATON_DATABASE_URL: TEST_POSTGRES_URL, BATON_DATABASE_SCHEMA: schema });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pg_dump");
  });
});
