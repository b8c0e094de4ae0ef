/**
 * A client developer's first hour (docs/CLIENTS.md), over real HTTP with authentication on:
 * queries over GET (what urql sends by default) and POST, mutations refused over GET (405),
 * POSTs a page could send cross-site without a preflight refused (415), urql's and Apollo
 * Client's default clients against the real gateway, and the version (`viewer.version`,
 * `baton --version`).
 */
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from "@apollo/client";
import { Client, cacheExchange, fetchExchange, gql } from "@urql/core";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/store/database.js";
import { batonVersion } from "../../src/version.js";
import { startGateway, type Gateway } from "../helpers/gateway.js";
import { CLI } from "../helpers/process.js";

const VERSION = (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;

let gw: Gateway;
let token: string;
beforeAll(async () => {
  gw = await startGateway();
  token = await gw.token("operator", "first-hour");
});
afterAll(() => gw?.stop());

const auth = (t: string | null = token): Record<string, string> => (t ? { authorization: `Bearer ${t}` } : {});

/** A GET of /graphql with these search parameters (variables as JSON). */
function get(params: { query: string; variables?: Record<string, unknown>; operationName?: string }, headers: Record<string, string> = auth()) {
  const search = new URLSearchParams({ query: params.query });
  if (params.variables) search.set("variables", JSON.stringify(params.variables));
  if (params.operationName) search.set("operationName", params.operationName);
  return fetch(`${gw.url}?${search}`, { headers });
}

/** Every fetch a client makes, by method, then passed on to the real fetch. */
function recordingFetch(methods: string[]): typeof fetch {
  return (input, init) => {
    methods.push((init?.method ?? "GET").toUpperCase());
    return fetch(input, init);
  };
}

describe("queries over GET", () => {
  it("are served with a token, with variables and operationName; the request id and no-store headers are set", async () => {
    const res = await get(
      { query: "query Q($n: Int) { plans(first: $n) { totalCount } viewer { name version } }", variables: { n: 1 }, operationName: "Q" },
      { ...auth(), "x-request-id": "get-1" },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("get-1");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ data: { plans: { totalCount: 0 }, viewer: { name: "first-hour", version: VERSION } } });
  });

  it("without a token serve introspection only, as POST does (401 UNAUTHENTICATED otherwise)", async () => {
    const open = await get({ query: "{ __schema { queryType { name } } }" }, {});
    expect([open.status, await open.json()]).toEqual([200, { data: { __schema: { queryType: { name: "Query" } } } }]);
    const closed = await get({ query: "{ viewer { name } }" }, {});
    expect(closed.status).toBe(401);
    expect(closed.headers.get("www-authenticate")).toBe("Bearer");
    expect(await closed.json()).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
    // The first look reads the same `query` Apollo runs: a second one is refused, not skipped.
    const twice = await fetch(`${gw.url}?query=${encodeURIComponent("{ __typename }")}&query=${encodeURIComponent("{ viewer { name } }")}`);
    expect(twice.status).toBe(400);
  });

  it("refuse mutations with 405 (Allow: POST), and nothing is done", async () => {
    const res = await get({ query: `mutation { registerAgent(input: { name: "by-get", roles: ["x"] }) { id } }` });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_REQUEST" } }] });
    const agents = await gw.post(`{ agents { name } }`, {}, token);
    expect((agents.body.data as { agents: { name: string }[] }).agents.map((a) => a.name)).not.toContain("by-get");
  });

  it("get CORS like POSTs (preflight with authorization, allowed origin), and count against the token's request budget (429 RATE_LIMITED)", async () => {
    const limited = await startGateway({ env: { BATON_TOKEN_RATE_LIMIT: "3/1m", BATON_CORS_ORIGINS: "http://app.example" } });
    try {
      const t = await limited.token("viewer");
      const preflight = await fetch(limited.url, {
        method: "OPTIONS",
        headers: { origin: "http://app.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-methods")).toContain("GET");
      const url = `${limited.url}?query=${encodeURIComponent("{ viewer { name } }")}`;
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(url, { headers: { ...auth(t), origin: "http://app.example" } });
        expect(res.headers.get("access-control-allow-origin")).toBe("http://app.example");
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await limited.stop();
    }
  });
});

describe("POSTs that are not JSON", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["text/plain", { "content-type": "text/plain" }, JSON.stringify({ query: "{ viewer { name } }" })],
    ["form-encoded", { "content-type": "application/x-www-form-urlencoded" }, `query=${encodeURIComponent("{ viewer { name } }")}`],
    ["multipart", { "content-type": "multipart/form-data; boundary=b" }, `--b\r\ncontent-disposition: form-data; name="query"\r\n\r\n{ viewer { name } }\r\n--b--\r\n`],
    ["without a content-type", {}, JSON.stringify({ query: "{ viewer { name } }" })],
  ];
  it.each(cases)("are refused before the body is read: %s (415 UNSUPPORTED_MEDIA_TYPE), with a token or without", async (_name, headers, body) => {
    for (const t of [token, null]) {
      const res = await fetch(gw.url, { method: "POST", headers: { ...headers, ...auth(t), origin: "http://evil.example" }, body: new TextEncoder().encode(body) });
      expect(res.status).toBe(415);
      expect(res.headers.get("x-request-id")).toMatch(/./);
      const answer = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(answer.errors[0]!.extensions.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(answer.errors[0]!.message).toContain("content-type: application/json");
    }
  });

  it("while application/json with a charset is served", async () => {
    const res = await fetch(gw.url, { method: "POST", headers: { "content-type": "Application/JSON; charset=utf-8", ...auth() }, body: JSON.stringify({ query: "{ viewer { name } }" }) });
    expect([res.status, await res.json()]).toEqual([200, { data: { viewer: { name: "first-hour" } } }]);
  });
});

describe("the clients users bring, with their defaults", () => {
  it("urql's default client (cacheExchange + fetchExchange, GET for queries) runs a query with a variable", async () => {
    const methods: string[] = [];
    const client = new Client({
      url: gw.url,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: () => ({ headers: auth() }),
      fetch: recordingFetch(methods),
    });
    const result = await client.query(gql`query First($n: Int) { viewer { name role version } plans(first: $n) { totalCount } }`, { n: 5 }).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual({ viewer: { __typename: "Viewer", name: "first-hour", role: "OPERATOR", version: VERSION }, plans: { __typename: "PlanConnection", totalCount: 0 } });
    expect(methods).toEqual(["GET"]);

    // Its mutations go as POST (JSON) and are served.
    const limited = await client.mutation(gql`mutation Limit($role: String!) { setRoleLimit(input: { role: $role, maxConcurrent: 3 }) { role maxConcurrent updatedBy } }`, { role: "urql" }).toPromise();
    expect(limited.error).toBeUndefined();
    expect(limited.data).toMatchObject({ setRoleLimit: { role: "urql", maxConcurrent: 3, updatedBy: "first-hour" } });
    expect(methods).toEqual(["GET", "POST"]);
  });

  it("urql without a token is told UNAUTHENTICATED", async () => {
    const client = new Client({ url: gw.url, exchanges: [cacheExchange, fetchExchange] });
    const result = await client.query(gql`{ viewer { name } }`, {}).toPromise();
    expect(result.error?.graphQLErrors[0]?.extensions["code"]).toBe("UNAUTHENTICATED");
  });

  it("Apollo Client 4's default HttpLink (POST) runs a query, and so does useGETForQueries", async () => {
    for (const useGETForQueries of [false, true]) {
      const methods: string[] = [];
      const client = new ApolloClient({
        link: new HttpLink({ uri: gw.url, headers: auth(), fetch: recordingFetch(methods), ...(useGETForQueries ? { useGETForQueries } : {}) }),
        cache: new InMemoryCache(),
      });
      const { data, error } = await client.query({ query: apolloGql`query Who($n: Int) { viewer { name version } plans(first: $n) { totalCount } }`, variables: { n: 2 } });
      expect(error).toBeUndefined();
      expect(data).toEqual({ viewer: { __typename: "Viewer", name: "first-hour", version: VERSION }, plans: { __typename: "PlanConnection", totalCount: 0 } });
      expect(methods).toEqual([useGETForQueries ? "GET" : "POST"]);
      client.stop();
    }
  });
});

describe("the version", () => {
  it("viewer.version is package.json's version", async () => {
    expect(batonVersion()).toBe(VERSION);
    expect((await gw.post(`{ viewer { version } }`, {}, token)).body.data).toEqual({ viewer: { version: VERSION } });
  });

  it.each(["--version", "-v"])("baton %s prints it and exits 0", async (flag) => {
    const child = spawn(process.execPath, [CLI, flag], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect([code, stdout]).toEqual([0, `${VERSION}\n`]);
  });
});
