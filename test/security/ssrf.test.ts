/**
 * Server-side request forgery against the real gateway process (production mode, auth on): an
 * operator's builtin.http steps and an agent's added step aim at loopback — the gateway's own
 * port, a local service by hex and decimal forms of 127.0.0.1, [::1], a closed port, and a
 * redirect from an allowed server — and every one fails with OUTBOUND_BLOCKED before a request
 * is sent, with the same words for an open and a closed port. A header secret from
 * BATON_SECRETS_FILE reaches the allowed server and appears nowhere a viewer or the log reads.
 *
 * Needs the compiled gateway: run `npx tsc -p tsconfig.json` first.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, startTarget, underAttack, type Target } from "../helpers/attack.js";
import { waitFor } from "../helpers/fixtures.js";

const SECRET = "sk-live-ssrf-test-5f9c2a7e";

/** A local HTTP server recording what it receives; `/redirect?to=URL` redirects, `/echo` echoes the headers. */
async function local(): Promise<{ server: Server; port: number; requests: { url: string; headers: IncomingHttpHeaders }[] }> {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? "/", headers: req.headers });
    req.resume();
    const u = new URL(req.url ?? "/", "http://x");
    if (u.pathname === "/redirect") res.writeHead(302, { location: u.searchParams.get("to")! }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ internal: "crown jewels", headers: req.headers }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

let target: Target;
let internal: Awaited<ReturnType<typeof local>>;
let allowed: Awaited<ReturnType<typeof local>>;
let operator: string;
let viewer: string;
let secretsDir: string;
beforeAll(async () => {
  internal = await local(); // a service on loopback the gateway must not reach
  allowed = await local(); // the one the deployment allows (BATON_OUTBOUND_ALLOW)
  secretsDir = mkdtempSync(join(tmpdir(), "baton-secrets-"));
  const secretsFile = join(secretsDir, "secrets.json");
  writeFileSync(secretsFile, JSON.stringify({ api: SECRET }));
  chmodSync(secretsFile, 0o600);
  target = await startTarget({ BATON_OUTBOUND_ALLOW: `127.0.0.1:${allowed.port}`, BATON_SECRETS_FILE: secretsFile });
  operator = await target.token("OPERATOR", "ops");
  viewer = await target.token("VIEWER", "vera");
}, 60_000);
afterAll(async () => {
  await target?.stop();
  for (const s of [internal, allowed]) if (s) await new Promise<void>((r) => s.server.close(() => r()));
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
});

const CREATE_PLAN = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const STEP = `query($id: ID!) { plan(id: $id) { state steps { key state output error { message type retryable details } } } }`;

async function ok(query: string, variables: Record<string, unknown>, token: string): Promise<Record<string, any>> {
  const r = await target.post(query, variables, token);
  if (r.body.errors) throw new Error(`unexpected errors (${String(codeOf(r))}): ${JSON.stringify(r.body.errors)}`);
  return r.body.data!;
}

/** One plan of one builtin.http step (no retries), as the operator. */
const httpPlan = async (url: string, extra: Record<string, unknown> = {}): Promise<string> =>
  (await ok(CREATE_PLAN, { input: { name: "probe", steps: [{ key: "h", role: "builtin.http", config: { url, ...extra }, retry: { maxAttempts: 1 } }] } }, operator)).createPlan.id as string;

/** The step once it has ended, as a viewer reads it. */
async function ended(planId: string, key = "h"): Promise<{ state: string; output: any; error: { message: string; type: string; retryable: boolean; details: unknown } | null }> {
  return waitFor(async () => {
    const s = (await ok(STEP, { id: planId }, viewer)).plan.steps.find((x: { key: string }) => x.key === key);
    return s && ["SUCCEEDED", "FAILED"].includes(s.state) && s;
  }, 20_000);
}

describe("SSRF through builtin.http", () => {
  it("refuses loopback in every form, the gateway's own port and a redirect hop: OUTBOUND_BLOCKED, nothing sent, no port state", async () => {
    const gw = new URL(target.url).port;
    const urls = [
      `http://127.0.0.1:${gw}/graphql`, // the gateway itself
      `http://0x7f000001:${internal.port}/`,
      `http://2130706433:${internal.port}/`,
      `http://0177.0.0.1:${internal.port}/`,
      `http://[::1]:${internal.port}/`,
      `http://[::ffff:127.0.0.1]:${internal.port}/`,
      `http://localhost:${internal.port}/`,
      `http://127.0.0.1:${internal.port}/`, // open
      "http://127.0.0.1:1/", // closed
      `http://127.0.0.1:${allowed.port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${internal.port}/`)}`, // allowed, then a hop to the internal one
      "http://169.254.169.254/latest/meta-data/",
    ];
    const { result: errors, latency } = await underAttack(target, viewer, async () => {
      const ids = await Promise.all(urls.map((u) => httpPlan(u)));
      return Promise.all(ids.map(async (id) => (await ended(id)).error!));
    });
    for (const [i, e] of errors.entries()) {
      expect(e, urls[i]).toMatchObject({ type: "OUTBOUND_BLOCKED", retryable: false, details: null });
      expect(e.message, urls[i]).toMatch(/blocked by the outbound policy/);
      expect(e.message, urls[i]).not.toMatch(/ECONNREFUSED|refused|reset|fetch failed|socket|timed? ?out|crown jewels/i);
    }
    // An open and a closed port are told apart by nothing but the URL.
    expect(errors[7]!.message.replace(String(internal.port), "N")).toBe(errors[8]!.message.replace(":1/", ":N/"));
    expect(internal.requests).toEqual([]);
    expect(allowed.requests.map((r) => r.url)).toEqual([`/redirect?to=${encodeURIComponent(`http://127.0.0.1:${internal.port}/`)}`]);
    expect(latency.failures).toBe(0);
    // logged for the operator, with the reason, at info
    await waitFor(() => (target.proc.stderr().match(/blocked by the outbound policy/g) ?? []).length >= urls.length);
  });

  it("refuses the same step added by an agent through completeStep(addSteps)", async () => {
    const agentToken = await target.token("AGENT", "planner-bot");
    const planId = (await ok(CREATE_PLAN, { input: { name: "dyn", steps: [{ key: "plan", role: "planner" }] } }, operator)).createPlan.id as string;
    const agentId = (await ok(`mutation { registerAgent(input: { name: "p", roles: ["planner"] }) { id } }`, {}, agentToken)).registerAgent.id as string;
    const [lease] = (await ok(`mutation($a: ID!) { claimSteps(input: { agentId: $a, max: 1, waitMs: 5000 }) { id } }`, { a: agentId }, agentToken)).claimSteps;
    const added = [{ key: "probe", role: "builtin.http", dependsOn: ["plan"], config: { url: `http://0x7f000001:${internal.port}/admin` }, retry: { maxAttempts: 1 } }];
    await ok(`mutation($l: ID!, $s: [StepInput!]) { completeStep(leaseId: $l, output: {}, addSteps: $s) { state } }`, { l: lease.id, s: added }, agentToken);
    const probe = await ended(planId, "probe");
    expect(probe).toMatchObject({ state: "FAILED", output: null, error: { type: "OUTBOUND_BLOCKED", retryable: false } });
    expect(probe.error!.message).toMatch(/blocked by the outbound policy/);
    expect(internal.requests).toEqual([]);
  });

  it("sends a header secret to an allowed server and shows it nowhere: not in the plan, its signals, or the log", async () => {
    const planId = await httpPlan(`http://127.0.0.1:${allowed.port}/echo`, { headers: { authorization: "Bearer ${secret:api}" } });
    const s = await ended(planId);
    expect(s.state).toBe("SUCCEEDED");
    expect(allowed.requests.at(-1)!.headers["authorization"]).toBe(`Bearer ${SECRET}`);
    expect(s.output.headers.authorization).toBe("Bearer [redacted]");
    const seen = JSON.stringify([
      await ok(`query($id: ID!) { plan(id: $id) { state steps { key config output error { message details } } } }`, { id: planId }, viewer),
      await ok(`query($id: ID!) { signals(planId: $id) { edges { node { kind payload } } } }`, { id: planId }, viewer),
    ]);
    expect(seen).toContain("${secret:api}");
    expect(seen).not.toContain(SECRET);
    expect(target.proc.stderr()).not.toContain(SECRET);
    // an unknown name: refused before any request, not retried
    const before = allowed.requests.length;
    const unknown = await ended(await httpPlan(`http://127.0.0.1:${allowed.port}/echo`, { headers: { "x-key": "${secret:nope}" } }));
    expect(unknown.error).toMatchObject({ type: "SECRET_UNKNOWN", retryable: false });
    expect(allowed.requests.length).toBe(before);
  });
});
