/**
 * The console's static files (src/server/console.ts) on a folder made here: content negotiation,
 * cache lifetimes, the Content-Security-Policy, 404s and paths that try to leave the folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleFiles, contentSecurityPolicy, isConsoleRoute, pickEncoding, prefersHtml } from "../../src/server/console.js";

describe("prefersHtml", () => {
  it("is true for a browser's navigation and false for GraphQL clients", () => {
    expect(prefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(true);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml("*/*")).toBe(false);
    expect(prefersHtml("application/json")).toBe(false);
    expect(prefersHtml("application/graphql-response+json, application/json;q=0.9")).toBe(false);
    expect(prefersHtml("application/json, text/html")).toBe(false);
    expect(prefersHtml("text/html;q=0.5, application/json")).toBe(false);
    expect(prefersHtml("text/html;q=0")).toBe(false);
  });
});

describe("pickEncoding", () => {
  it("takes brotli, then gzip, among those written and accepted", () => {
    expect(pickEncoding("gzip, deflate, br", ["br", "gzip"])).toBe("br");
    expect(pickEncoding("gzip", ["br", "gzip"])).toBe("gzip");
    expect(pickEncoding("br;q=0, gzip", ["br", "gzip"])).toBe("gzip");
    expect(pickEncoding("*", ["gzip"])).toBe("gzip");
    expect(pickEncoding("identity", ["br", "gzip"])).toBeNull();
    expect(pickEncoding(undefined, ["br"])).toBeNull();
    expect(pickEncoding("br", [])).toBeNull();
  });
});

describe("the console's routes and policy", () => {
  it("answers the console's own routes with its page", () => {
    for (const path of ["/", "/plans", "/plans/plan_1", "/signin", "/plans/new", "/agents", "/templates", "/webhooks", "/tokens", "/limits"]) expect(isConsoleRoute(path)).toBe(true);
    for (const path of ["/nope", "/plans/a/b", "/graphql", "/index.html"]) expect(isConsoleRoute(path)).toBe(false);
  });

  it("allows only the gateway itself and its WebSocket", () => {
    const csp = contentSecurityPolicy("127.0.0.1:4000", "console");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:4000 wss://127.0.0.1:4000");
    expect(csp).not.toMatch(/https?:|\*/);
    // A Host header that is not a host is left out rather than written into the policy.
    expect(contentSecurityPolicy("evil.com; script-src *", "console")).toContain("connect-src 'self';");
    expect(contentSecurityPolicy("[::1]:4000", "graphiql")).toContain("ws://[::1]:4000");
  });
});

describe("ConsoleFiles", () => {
  let server: Server;
  let base: string;
  const page = "<!doctype html><title>Baton</title>" + "<p>padding</p>".repeat(100);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-console-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), page);
    writeFileSync(join(dir, "graphiql.html"), "<!doctype html><title>GraphiQL</title>");
    writeFileSync(join(dir, "assets", "main-abc123.js"), "console.log('baton');");
    writeFileSync(join(dir, "assets", "main-abc123.js.gz"), gzipSync("console.log('baton');"));
    writeFileSync(join(dir, "assets", "favicon-1a2B.svg"), "<svg/>");
    writeFileSync(join(dir, "secret.txt"), "no");
    writeFileSync(join(tmpdir(), "outside-baton-console.txt"), "outside");
    const files = ConsoleFiles.open({ auth: true }, dir);
    server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?", 1)[0]!;
      if (path === "/graphql") return files.graphiql(req, res);
      if (files.handles(path)) return files.serve(req, res, path);
      res.writeHead(404).end("not the console's");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** A raw GET (fetch would normalise `..` away and decompress). */
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const { hostname, port } = new URL(base);
      const req = request({ hostname, port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      req.end();
    });

  it("serves the page for client routes, revalidated, with the policy", async () => {
    for (const path of ["/", "/plans", "/plans/plan_9"]) {
      const res = await get(path);
      expect([res.status, res.body.toString()]).toEqual([200, page]);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    }
    const etag = (await get("/")).headers["etag"] as string;
    expect((await get("/", { "if-none-match": etag })).status).toBe(304);
  });

  it("serves hashed assets for a year, compressed when the client accepts it", async () => {
    const plain = await get("/assets/main-abc123.js");
    expect([plain.status, plain.body.toString(), plain.headers["content-encoding"]]).toEqual([200, "console.log('baton');", undefined]);
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["vary"]).toBe("Accept-Encoding");
    const gz = await get("/assets/main-abc123.js", { "accept-encoding": "br, gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip"); // no .br was written
    expect(gz.body).toEqual(gzipSync("console.log('baton');"));
  });

  it("answers 404 for unknown assets and never leaves its folder", async () => {
    expect((await get("/assets/nope.js")).status).toBe(404);
    expect((await get("/assets/../secret.txt")).status).toBe(404);
    expect((await get("/assets/../../outside-baton-console.txt")).status).toBe(404);
    expect((await get("/assets/..%2f..%2foutside-baton-console.txt")).status).toBe(404);
    expect((await get("/assets/%2e%2e/index.html")).status).toBe(404);
    expect((await get("/nope")).body.toString()).toBe("not the console's");
  });

  it("serves GraphiQL's page with its own policy, and the icon at /favicon.ico", async () => {
    const res = await get("/graphql");
    expect(res.body.toString()).toContain("GraphiQL");
    expect(res.headers["content-security-policy"]).toContain("style-src 'self' 'unsafe-inline'");
    const icon = await get("/favicon.ico");
    expect([icon.status, icon.headers["content-type"], icon.body.toString(), icon.headers["cache-control"]]).toEqual([200, "image/svg+xml", "<svg/>", "public, max-age=86400"]);
  });

  it("tells the console whether the gateway asks for a token", async () => {
    const res = await get("/console.json");
    expect([res.status, JSON.parse(res.body.toString()), res.headers["cache-control"]]).toEqual([200, { auth: "on" }, "no-store"]);
  });

  it("says the console is not built when its folder is empty", async () => {
    const empty = ConsoleFiles.open({ auth: true }, mkdtempSync(join(tmpdir(), "baton-console-none-")));
    expect(empty.built).toBe(false);
  });
});
