/**
 * Limits against hostile input, on real servers (HTTP and graphql-ws): each limit refuses with
 * its code while a normal operation passes, over both transports. One server runs the defaults,
 * one tight limits (BATON_MAX_* small, introspection off, one CORS origin).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getIntrospectionQuery, getNamedType, isObjectType, parse, specifiedRules, validate, type GraphQLField } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DEFAULT_LIMITS, loadConfig } from "../../src/config.js";
import { batonSchema } from "../../src/graphql/schema.js";
import { createApp, type App } from "../../src/server/app.js";
import { complexityErrors, limitRules } from "../../src/server/guards.js";
import { packageRoot } from "../../src/store/database.js";
import { silentLogger, type GqlResult } from "../helpers/api.js";
import { gatewayDatabase, onPostgres, sqlRows } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";
import { tempDb } from "../helpers/process.js";

interface Server {
  app: App;
  url: string;
  ws: Client;
  /** Times the graphql-ws client's socket closed. */
  closes: () => number;
}

async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const app = await createApp(loadConfig({ BATON_AUTH: "off", BATON_PORT: "0", ...gatewayDatabase(tempDb()), ...env }), { logger: silentLogger });
  const url = (await app.start()).url;
  let closes = 0;
  const ws = createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, on: { closed: () => closes++ } });
  return { app, url, ws, closes: () => closes };
}

async function stopServer(s: Server | undefined): Promise<void> {
  if (!s) return;
  await s.ws.dispose();
  await s.app.stop();
}

/** One POST: status, headers and the JSON answer. */
async function post(s: Server, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(s.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResult };
}

/** One operation over graphql-ws: its first result, or the errors it was refused with. */
function overWs(s: Server, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult> {
  return new Promise((resolve, reject) => {
    let done = false;
    const stop = s.ws.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (done) return;
          done = true;
          stop();
          resolve(result as GqlResult);
        },
        error: (e) => {
          if (done) return;
          done = true;
          if (Array.isArray(e)) resolve({ errors: e as GqlResult["errors"] });
          else reject(e instanceof Error ? e : new Error(`socket failed: ${JSON.stringify(e)}`));
        },
        complete: () => {
          if (!done) reject(new Error("completed without a result"));
        },
      },
    );
  });
}

const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.["code"]);

/** `__type` with `ofType` nested n times: as deep as asked, on any schema. */
const deepQuery = (n: number) => `{ __type(name: "Plan") { fields { type ${"{ ofType ".repeat(n)}{ name }${" }".repeat(n)} } } }`;

let defaults: Server;
let tight: Server;
let planId: string;

beforeAll(async () => {
  defaults = await startServer();
  tight = await startServer({
    BATON_MAX_QUERY_DEPTH: "4",
    BATON_MAX_QUERY_COMPLEXITY: "200",
    BATON_MAX_BODY_BYTES: "8192",
    BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION: "3",
    BATON_INTROSPECTION: "off",
    BATON_CORS_ORIGINS: "http://allowed.example, https://other.example:8443",
  });
  planId = (await defaults.app.coordinator.createPlan({ name: "limits", start: false, steps: [{ key: "a", role: "manual" }] }, "t")).id;
});
afterAll(async () => {
  await stopServer(defaults);
  await stopServer(tight);
});

describe("the defaults", () => {
  it("let normal queries, every SDK operation and full introspection through, over HTTP and WebSocket", async () => {
    const query = `query($id: ID!) { plan(id: $id) { id name steps { key state } checkpoints { edges { node { id } } } } }`;
    const http = await post(defaults, query, { id: planId });
    expect([http.status, http.body.errors]).toEqual([200, undefined]);
    expect(http.body.data?.["plan"]).toMatchObject({ id: planId, name: "limits" });
    expect((await overWs(defaults, query, { id: planId })).data).toEqual(http.body.data);

    const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    const viaHttp = await post(defaults, introspection);
    expect(viaHttp.body.errors).toBeUndefined();
    expect((viaHttp.body.data?.["__schema"] as { types: unknown[] }).types.length).toBeGreaterThan(50);
    expect((await overWs(defaults, introspection)).errors).toBeUndefined();

    // The client SDK's documents, checked with the default rules and complexity.
    const dir = join(packageRoot(), "schema", "operations");
    const sdl = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    const document = parse(sdl);
    expect(validate(batonSchema(), document, [...specifiedRules, ...limitRules(DEFAULT_LIMITS)])).toEqual([]);
    for (const op of document.definitions) {
      if (op.kind !== "OperationDefinition") continue;
      expect(complexityErrors(batonSchema(), document, {}, op.name!.value, DEFAULT_LIMITS.maxComplexity)).toEqual([]);
    }
  });

  it("refuse an operation deeper than 15 with QUERY_TOO_DEEP (400), over HTTP and WebSocket", async () => {
    expect((await post(defaults, deepQuery(11))).body.errors).toBeUndefined(); // 15 deep
    const http = await post(defaults, deepQuery(12));
    expect(http.status).toBe(400);
    expect(codes(http.body)).toEqual(["QUERY_TOO_DEEP"]);
    expect(http.body.errors![0]!.message).toBe("Query depth limit of 15 exceeded, found 16. (BATON_MAX_QUERY_DEPTH)");
    expect(codes(await overWs(defaults, deepQuery(12)))).toEqual(["QUERY_TOO_DEEP"]);
  });

  it("refuse an operation costing over 50000 with QUERY_TOO_COMPLEX, counting aliases and page sizes", async () => {
    const page = (n: number) => `plans(first: 500) { edges { node { id name state } } }`.replace("plans", `p${n}: plans`);
    const costly = `{ ${Array.from({ length: 30 }, (_, i) => page(i)).join(" ")} }`; // 30 × 2501
    const http = await post(defaults, costly);
    expect(http.status).toBe(400);
    expect(codes(http.body)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(http.body.errors![0]!.message).toMatch(/^Query too complex: its cost is 75030, the limit is 50000/);
    expect(codes(await overWs(defaults, costly))).toEqual(["QUERY_TOO_COMPLEX"]);
    const fine = `{ ${Array.from({ length: 10 }, (_, i) => page(i)).join(" ")} }`;
    expect((await post(defaults, fine)).body.errors).toBeUndefined();
    // Paging backward costs the same: `last` counts like `first`, literal or variable.
    const backward = costly.replaceAll("first: 500", "last: 500");
    expect((await post(defaults, backward)).body.errors![0]!.message).toMatch(/^Query too complex: its cost is 75030,/);
    const byVariable = `query($n: Int) { ${Array.from({ length: 30 }, (_, i) => page(i).replace("first: 500", "last: $n")).join(" ")} }`;
    expect(codes((await post(defaults, byVariable, { n: 500 })).body)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect((await post(defaults, byVariable, { n: 1 })).body.errors).toBeUndefined();
  });

  it("refuse a fragment bomb (selections doubling at each fragment) as QUERY_TOO_COMPLEX, quickly", async () => {
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on Query { __typename }` : `fragment F${i} on Query { ...F${i + 1} a${i}: __typename ...F${i + 1} }`,
    );
    const started = Date.now();
    const http = await post(defaults, `{ ...F0 } ${fragments.join(" ")}`);
    expect(codes(http.body)).toContain("QUERY_TOO_COMPLEX");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answer a syntax error over WebSocket with GRAPHQL_PARSE_FAILED, the connection staying open", async () => {
    await overWs(defaults, "{ __typename }");
    const closes = defaults.closes();
    const result = await overWs(defaults, "{ plans { ");
    expect(codes(result)).toEqual(["GRAPHQL_PARSE_FAILED"]);
    expect(result.errors![0]!.message).toMatch(/^Syntax Error: /);
    expect((await overWs(defaults, "{ __typename }")).data).toEqual({ __typename: "Query" });
    expect(defaults.closes()).toBe(closes);
  });

  it("cap `first` at 500 on every connection with BAD_USER_INPUT", async () => {
    // Every field of Query and Plan returning a connection, found from the schema itself.
    const schema = batonSchema();
    const connectionFields = (typeName: string) => {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(typeName);
      return Object.values(type.getFields()).filter((f) => getNamedType(f.type).name.endsWith("Connection"));
    };
    const call = (f: GraphQLField<unknown, unknown>, first: number) => {
      expect(f.args.map((a) => a.name)).toContain("first");
      const args = [`first: ${first}`, ...f.args.filter((a) => a.name === "planId").map(() => `planId: "${planId}"`)];
      return `${f.name}(${args.join(", ")}) { pageInfo { hasNextPage } }`;
    };
    const roots = connectionFields("Query");
    const ofPlan = connectionFields("Plan");
    expect(roots.map((f) => f.name).sort()).toEqual(["checkpoints", "interventions", "plans", "signals", "webhookDeliveries"]);
    expect(ofPlan.map((f) => f.name).sort()).toEqual(["checkpoints", "interventions", "signals"]);
    const queries = [...roots.map((f) => (n: number) => `{ ${call(f, n)} }`), ...ofPlan.map((f) => (n: number) => `{ plan(id: "${planId}") { ${call(f, n)} } }`)];
    for (const q of queries) {
      expect((await post(defaults, q(500))).body.errors, q(500)).toBeUndefined();
      const over = await post(defaults, q(501));
      expect(codes(over.body), q(501)).toEqual(["BAD_USER_INPUT"]);
      expect(over.body.errors![0]!.message).toBe("first: must be from 0 to 500, got 501");
      // The same cap backward, and the two directions are not mixed.
      const backward = (n: number) => q(n).replace("first:", "last:");
      expect((await post(defaults, backward(500))).body.errors, backward(500)).toBeUndefined();
      expect((await post(defaults, backward(501))).body.errors![0]!.message).toBe("last: must be from 0 to 500, got 501");
      const both = q(1).replace("first: 1", "first: 1, last: 1");
      expect(codes((await post(defaults, both)).body), both).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("send no CORS headers, refuse preflights, and refuse WebSockets from another origin", async () => {
    const res = await post(defaults, "{ __typename }", {}, { origin: "http://evil.example" });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(defaults.url, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    // CSRF prevention: a simple (form-like) POST is not executed.
    const form = await fetch(defaults.url, { method: "POST", headers: { "content-type": "text/plain", origin: "http://evil.example" }, body: "{}" });
    expect(form.status).toBe(415);

    const wsUrl = defaults.url.replace(/^http/, "ws");
    expect(await upgrade(wsUrl, "http://evil.example")).toBe(403);
    expect(await upgrade(wsUrl, new URL(defaults.url).origin)).toBe("open"); // same origin
    expect(await upgrade(wsUrl)).toBe("open"); // not a browser
  });
});

/** Opens a graphql-ws socket with an Origin header: "open", or the HTTP status it was refused with. */
function upgrade(url: string, origin?: string): Promise<"open" | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", origin ? { headers: { origin } } : {});
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", (e) => reject(e));
  });
}

describe("tight limits", () => {
  it("BATON_MAX_QUERY_DEPTH refuses deeper operations over both transports", async () => {
    const ok = `{ plans { edges { node { id } } } }`; // 4 deep
    const deep = `{ plans { edges { node { steps { key } } } } }`; // 5 deep
    expect((await post(tight, ok)).body.errors).toBeUndefined();
    expect((await overWs(tight, ok)).errors).toBeUndefined();
    const http = await post(tight, deep);
    expect([http.status, codes(http.body)]).toEqual([400, ["QUERY_TOO_DEEP"]]);
    expect(codes(await overWs(tight, deep))).toEqual(["QUERY_TOO_DEEP"]);
    // Fragments count by the fields they hold, not as a level.
    const viaFragment = `{ plans { ...P } } fragment P on PlanConnection { edges { node { steps { key } } } }`;
    expect(codes((await post(tight, viaFragment)).body)).toEqual(["QUERY_TOO_DEEP"]);
  });

  it("BATON_MAX_QUERY_COMPLEXITY counts `first` from the request's variables", async () => {
    const query = `query($n: Int) { plans(first: $n) { edges { node { id } } } }`;
    expect((await post(tight, query, { n: 10 })).body.errors).toBeUndefined(); // 1 + 10 × 3
    const http = await post(tight, query, { n: 100 }); // 1 + 100 × 3
    expect([http.status, codes(http.body)]).toEqual([400, ["QUERY_TOO_COMPLEX"]]);
    expect(http.body.errors![0]!.message).toBe("Query too complex: its cost is 301, the limit is 200 (BATON_MAX_QUERY_COMPLEXITY).");
    expect((await overWs(tight, query, { n: 10 })).errors).toBeUndefined();
    expect(codes(await overWs(tight, query, { n: 100 }))).toEqual(["QUERY_TOO_COMPLEX"]);
    // Without `first`, a page is 50 items.
    expect(codes((await post(tight, `{ plans { edges { node { id } } } }`)).body)).toEqual([]);
    expect(codes((await post(tight, `{ plans { edges { node { id name state } } } }`)).body)).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("BATON_INTROSPECTION=off refuses __schema and __type over both transports, not __typename", async () => {
    for (const q of [getIntrospectionQuery(), `{ __type(name: "Plan") { name } }`]) {
      const http = await post(tight, q);
      expect([http.status, [...new Set(codes(http.body))]]).toEqual([400, ["INTROSPECTION_DISABLED"]]);
      expect(http.body.errors![0]!.message).toBe("Introspection is disabled on this server (BATON_INTROSPECTION=off).");
      expect([...new Set(codes(await overWs(tight, q)))]).toEqual(["INTROSPECTION_DISABLED"]);
    }
    expect((await post(tight, `{ __typename }`)).body.data).toEqual({ __typename: "Query" });
    expect((await overWs(tight, `{ __typename }`)).data).toEqual({ __typename: "Query" });
  });

  it("BATON_MAX_JSON_BYTES refuses a larger JSON value at parse time with BAD_USER_INPUT, as a variable or a literal", async () => {
    // Its own server: the JSON limit is process-wide (the schema is built once), set by the app started last.
    const tight = await startServer({ BATON_MAX_JSON_BYTES: "1024" });
    try {
      await jsonLimit(tight);
    } finally {
      await stopServer(tight);
    }
  });

  async function jsonLimit(tight: Server): Promise<void> {
    const c = tight.app.coordinator;
    const plan = await c.createPlan({ name: "json", start: false, steps: [{ key: "a", role: "manual" }] }, "t");
    const send = `mutation($p: ID!, $payload: JSON) { sendSignal(input: { planId: $p, name: "big", payload: $payload }) { name payload } }`;
    const small = { text: "x".repeat(900) };
    const big = { text: "x".repeat(1100) };
    expect((await post(tight, send, { p: plan.id, payload: small })).body.data).toEqual({ sendSignal: { name: "big", payload: small } });
    const http = await post(tight, send, { p: plan.id, payload: big });
    expect(codes(http.body)).toEqual(["BAD_USER_INPUT"]);
    expect(http.body.errors![0]!.message).toMatch(/^Variable "\$payload" got invalid value .* … .*; JSON value too large: 1111 bytes, the limit is 1024 bytes \(BATON_MAX_JSON_BYTES\)$/);
    expect(http.body.errors![0]!.message.length).toBeLessThanOrEqual(1_000); // graphql-js quotes the value: cut
    const literal = await post(tight, `mutation { sendSignal(input: { planId: "${plan.id}", name: "big", payload: { text: "${"y".repeat(1100)}" } }) { name } }`);
    expect(codes(literal.body)).toEqual(["BAD_USER_INPUT"]);
    expect(literal.body.errors![0]!.message).not.toContain("yyyy"); // the value is not echoed back
    expect(codes(await overWs(tight, send, { p: plan.id, payload: big }))).toEqual(["BAD_USER_INPUT"]);
    expect((await overWs(tight, send, { p: plan.id, payload: small })).errors).toBeUndefined();
    const signals = await post(tight, `query($p: ID!) { signals(planId: $p, names: ["big"]) { edges { node { payload } } } }`, { p: plan.id });
    expect((signals.body.data?.["signals"] as { edges: unknown[] }).edges).toHaveLength(2); // only the small ones
  }

  it("BATON_MAX_BODY_BYTES refuses larger bodies (413) and larger WebSocket messages (1009)", async () => {
    const huge = await post(tight, "{ __typename }", { pad: "x".repeat(9000) });
    expect(huge.status).toBe(413);
    expect(codes(huge.body)).toEqual(["PAYLOAD_TOO_LARGE"]);
    expect(huge.body.errors![0]!.message).toBe("request body over 8192 bytes (BATON_MAX_BODY_BYTES)");

    const socket = new WebSocket(tight.url.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init" }));
    await new Promise((resolve) => socket.once("message", resolve)); // connection_ack
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ __typename }", variables: { pad: "x".repeat(9000) } } }));
    expect(await closed).toBe(1009);
  });

  // TODO(pg): on PostgreSQL about one run in six, right after the unsubscribe below the test's
  // graphql-ws client closes its socket itself (1000 Normal Closure, as the server logs it), which
  // ends the other two subscriptions; the server only answers that close. Not yet understood why
  // the client counts no subscription left there; SQLite runs it every time.
  it.skipIf(onPostgres)("BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION refuses the next subscription with TOO_MANY_SUBSCRIPTIONS", async () => {
    const c = tight.app.coordinator;
    const listening = c.hub.subscriberCount;
    const errors: unknown[][] = [];
    const subscribe = () =>
      tight.ws.subscribe({ query: `subscription { signals(names: ["nothing"]) { name } }` }, { next: () => undefined, error: (e) => errors.push(e as unknown[]), complete: () => undefined });
    const open = [subscribe(), subscribe(), subscribe()];
    await waitFor(() => c.hub.subscriberCount === listening + 3);
    const fourth = subscribe();
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toEqual([
      {
        message: "Too many subscriptions on this connection: at most 3 may be open at once (BATON_MAX_SUBSCRIPTIONS_PER_CONNECTION).",
        extensions: { code: "TOO_MANY_SUBSCRIPTIONS" },
      },
    ]);
    fourth();
    open.pop()!(); // one closed: room for another
    await waitFor(() => c.hub.subscriberCount === listening + 2);
    open.push(subscribe());
    await waitFor(() => c.hub.subscriberCount === listening + 3);
    expect(errors).toHaveLength(1);
    // Another connection has its own count.
    const other = createClient({ url: tight.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
    const stop = other.subscribe({ query: `subscription { signals(names: ["nothing"]) { name } }` }, { next: () => undefined, error: (e) => errors.push(e as unknown[]), complete: () => undefined });
    await waitFor(() => c.hub.subscriberCount === listening + 4);
    stop();
    await other.dispose();
    for (const s of open) s();
    await waitFor(() => c.hub.subscriberCount === listening);
    expect(errors).toHaveLength(1);
  });

  it("BATON_CORS_ORIGINS allows the listed origins (headers and preflight), and CSRF prevention stays on", async () => {
    const allowed = await post(tight, "{ __typename }", {}, { origin: "http://allowed.example" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    expect(allowed.headers.get("vary")).toBe("Origin");
    const other = await post(tight, "{ __typename }", {}, { origin: "https://other.example:8443" });
    expect(other.headers.get("access-control-allow-origin")).toBe("https://other.example:8443");
    const denied = await post(tight, "{ __typename }", {}, { origin: "http://evil.example" });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();

    const preflight = await fetch(tight.url, {
      method: "OPTIONS",
      headers: { origin: "http://allowed.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-baton-actor" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://allowed.example");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("content-type, x-baton-actor");
    const refused = await fetch(tight.url, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();

    const form = await fetch(tight.url, { method: "POST", headers: { "content-type": "text/plain", origin: "http://allowed.example" }, body: "{}" });
    expect(form.status).toBe(415); // a non-JSON POST is refused (CSRF), whatever the origin

    const wsUrl = tight.url.replace(/^http/, "ws");
    expect(await upgrade(wsUrl, "http://allowed.example")).toBe("open");
    expect(await upgrade(wsUrl, "http://evil.example")).toBe(403);

    const any = await startServer({ BATON_CORS_ORIGINS: "*" });
    try {
      const res = await post(any, "{ __typename }", {}, { origin: "http://anywhere.example" });
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(await upgrade(any.url.replace(/^http/, "ws"), "http://anywhere.example")).toBe("open");
    } finally {
      await stopServer(any);
    }
  });
});

describe("internal errors", () => {
  let broken: Server;
  beforeAll(async () => {
    broken = await startServer();
    // A real failure under the server: the table behind `interventions` disappears. Dropped
    // between the server's units of work (its start-up work may still run): on SQLite, inside one
    // the server holds the connection.
    const store = broken.app.coordinator.store;
    await store.read(() => sqlRows(store, "DROP TABLE interventions"));
  });
  afterAll(() => stopServer(broken));

  it("are masked over HTTP and WebSocket: INTERNAL_SERVER_ERROR, no stack, no SQL", async () => {
    const query = `{ interventions { edges { node { id } } } }`;
    const http = await post(broken, query);
    const ws = await overWs(broken, query);
    for (const result of [http.body, ws]) {
      expect(result.errors).toEqual([{ message: "Unexpected error.", path: ["interventions"], locations: [{ line: 1, column: 3 }], extensions: { code: "INTERNAL_SERVER_ERROR" } }]);
      const text = JSON.stringify(result);
      expect(text).not.toMatch(/stack|no such table|does not exist|sqlite|postgres|select /i);
    }
    // The server goes on serving.
    expect((await post(broken, "{ __typename }")).body.data).toEqual({ __typename: "Query" });
  });
});
