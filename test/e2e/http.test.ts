import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { BuiltinRole } from "../../src/domain/builtins.js";
import { createApp, type App } from "../../src/server/app.js";
import { silentLogger } from "../helpers/api.js";
import { gatewayDatabase } from "../helpers/database.js";
import { tempDb } from "../helpers/process.js";
import { waitFor } from "../helpers/fixtures.js";

let app: App;
let url: string;
let base: string;
beforeAll(async () => {
  app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(tempDb()) }), { logger: silentLogger });
  url = (await app.start()).url;
  base = url.replace(/\/graphql$/, "");
});
afterAll(() => app.stop());

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("the HTTP endpoint", () => {
  it("answers health and readiness, and 404s other paths", async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it("serves queries over POST, with the query string ignored for routing", async () => {
    const res = await fetch(`${url}?x=1`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ agents { name builtin } }" }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { agents: { name: string; builtin: boolean }[] } };
    expect(body.data.agents.map((a) => a.name).sort()).toEqual(Object.values(BuiltinRole).sort());
  });

  it("refuses malformed and oversized bodies with a code, and non-JSON posts as CSRF", async () => {
    const malformed = await post("{ not json");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_REQUEST" } }] });
    const huge = await post(JSON.stringify({ query: "{ agents { id } }", variables: { pad: "x".repeat(3 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ errors: [{ extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
    const form = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "query={agents{id}}" });
    expect(form.status).toBe(415); // a simple (non-JSON) POST is not executed: a CSRF vector
    expect(await form.json()).toMatchObject({ errors: [{ extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } }] });
  });
});

describe("pages for a browser", () => {
  const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

  it("GET /graphql asked for as HTML is Baton's GraphiQL, never Apollo's landing page", async () => {
    const res = await fetch(url, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const page = await res.text();
    expect(page).toContain("<title>Baton GraphiQL</title>");
    expect(page).not.toMatch(/apollo|https?:\/\//i);
  });

  it("GET /graphql for a GraphQL client still runs the query", async () => {
    const query = encodeURIComponent("{ viewer { name role } }");
    for (const accept of [undefined, "application/json", "application/graphql-response+json, application/json;q=0.9", "*/*"]) {
      const res = await fetch(`${url}?query=${query}`, { headers: accept ? { accept } : {} });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { viewer: { name: "anonymous", role: "ADMIN" } } });
    }
  });

  it("serves the console at / and its routes; other paths stay JSON 404s", async () => {
    for (const path of ["/", "/plans", "/plans/plan_x"]) {
      const res = await fetch(`${base}${path}`, { headers: html });
      expect([path, res.status, res.headers.get("cache-control")]).toEqual([path, 200, "no-cache"]);
      expect(await res.text()).toContain("<title>Baton console</title>");
    }
    const nope = await fetch(`${base}/nope`, { headers: html });
    expect([nope.status, nope.headers.get("content-type")]).toEqual([404, "application/json; charset=utf-8"]);
  });
});

describe("long polls over HTTP", () => {
  it("a claim whose client hangs up leaves the queue", async () => {
    const { request } = await import("node:http");
    const c = app.coordinator;
    const agentId = (await c.registerAgent({ name: "poller", roles: ["nobody-else"] })).id;
    const parked = c.waitingClaims;
    const body = JSON.stringify({ query: `mutation($a: ID!) { claimSteps(input: { agentId: $a, waitMs: 30000 }) { id } }`, variables: { a: agentId } });
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } });
    req.on("error", () => undefined); // the hang-up below
    req.end(body);
    await waitFor(() => c.waitingClaims === parked + 1);
    req.destroy();
    await waitFor(() => c.waitingClaims === parked);
  });
});
