/**
 * GraphQL fuzzing against a real server (port 0, temp-file database, real HTTP and WebSocket):
 * random and malformed operations, variables and bodies must never crash it, never answer 5xx,
 * never leak internals (stacks, source locations, SQL, paths, JS error names), always carry a
 * string `extensions.code` on every error (INTERNAL_SERVER_ERROR counts as a finding: masked,
 * but a server bug), and never change the database when the request was refused.
 *
 * Properties (fast-check, seeded: FC_SEED replays another seed, FC_RUNS sets the effort,
 * FC_STATS=1 prints the answers by status and code):
 * 1. random query text (noise, token soup, nesting past the depth limit and the parser's stack);
 * 2. operations built from the real schema (test/helpers/fuzz.ts: wrong-typed, unknown and huge
 *    arguments, unknown enum values, deep JSON, wrong variables, duplicated operations, several
 *    operations without operationName), a third of them valid enough to reach the resolvers;
 * 3. malformed HTTP: bytes that are not JSON, invalid UTF-8, truncated JSON, batches, odd
 *    content types, charsets and encodings, other methods, GET with junk parameters;
 * 4. the same operations over graphql-ws, and protocol junk (bad messages, invalid frames).
 * Around each request the database is hashed (every row of every table): a refused request
 * (helpers/fuzz.ts `rejected`), a query, a GET or protocol junk must leave it as it was.
 * The clock is a frozen ManualClock so that no timer (delays, lease expiry, agent sweep) writes
 * between two requests; so `waitMs` is never positive (a long poll would never end).
 * Defects it found are fixed; each has a regression test below (and the generators reach them).
 */
import fc from "fast-check";
import type { GraphQLSchema } from "graphql";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { loadConfig } from "../../src/config.js";
import { ManualClock } from "../../src/coordinator/clock.js";
import { batonSchema } from "../../src/graphql/schema.js";
import { createApp, type App } from "../../src/server/app.js";
import type { Store } from "../../src/store/store.js";
import { silentLogger } from "../helpers/api.js";
import { gatewayDatabase, onPostgres } from "../helpers/database.js";
import { waitFor } from "../helpers/fixtures.js";
import * as F from "../helpers/fuzz.js";
import { tempDb } from "../helpers/process.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 100);
const SEED = Number(process.env["FC_SEED"] ?? 20_260_101);
/**
 * A property (shrinking included) past its budget fails, with its counterexample, before the test
 * times out. On PostgreSQL each run's before-and-after snapshot of the tables is a dozen round
 * trips: twice the time.
 */
const BUDGET_MS = Math.max(onPostgres ? 40_000 : 20_000, RUNS * 200);
const TIMEOUT = BUDGET_MS + 15_000;
const params = (runs: number) => ({ seed: SEED, numRuns: runs, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: true });

let app: App;
let url: string;
let store: Store;
let schema: GraphQLSchema;
let idlePlan: string;
const pools: F.Pools = { ids: ["plan_00000000000000000000", "agt_unknown", "not-an-id", ""], strings: ["a", "b", "fuzz", "hello"] };

const at = (path: string) => new URL(path, url);
const JSON_TYPE = { "content-type": "application/json" };

/** A POST of a JSON body through fetch. */
async function post(body: unknown): Promise<F.Answer> {
  const res = await fetch(url, { method: "POST", headers: JSON_TYPE, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
const short = (s: string) => (s.length > 1_500 ? `${s.slice(0, 1_500)}… (${s.length} chars)` : s);
const stats = new Map<string, number>();

/**
 * Sends one request and checks its answer: no findings (helpers/fuzz.ts), and the database as it
 * was if the request was refused or cannot write (`readOnly`).
 */
async function exchange(sent: string, send: () => Promise<F.Answer>, readOnly: boolean): Promise<F.Answer> {
  const before = await F.snapshot(store);
  const answer = await send();
  const body = json(answer.text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } | undefined;
  const key = `${answer.status} ${body?.errors?.[0]?.extensions?.code ?? (body?.data ? "data" : "-")}`;
  stats.set(key, (stats.get(key) ?? 0) + 1);
  expect(F.findings(answer.status, answer.text, sent), `request: ${short(sent)}\nanswer ${answer.status}: ${short(answer.text)}`).toEqual([]);
  if (readOnly || F.rejected(body)) {
    expect(await F.snapshot(store), `state changed by a refused or read-only request: ${short(sent)}\nanswer: ${short(answer.text)}`).toEqual(before);
  }
  return answer;
}

/** One operation that must succeed (for seeding): its data. */
async function ok(query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const { text } = await post({ query, variables });
  const body = JSON.parse(text) as { data?: Record<string, any>; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`seeding failed: ${text}`);
  return body.data;
}

beforeAll(async () => {
  const config = loadConfig({ BATON_PORT: "0", ...gatewayDatabase(tempDb()), BATON_AUTH: "off", BATON_TOKEN_RATE_LIMIT: "off" });
  app = await createApp(config, { logger: silentLogger, clock: new ManualClock(Date.now()) });
  url = (await app.start()).url;
  store = app.coordinator.store; // its tables are read directly (helpers/fuzz.ts snapshot)
  schema = batonSchema();
  const empty = await F.snapshot(store);
  // Real state for the mutations to hit: an agent, an idle plan, a running plan with a leased step, a checkpoint, a signal.
  const { registerAgent: agent } = await ok(`mutation { registerAgent(input: { name: "fuzzer", roles: ["fuzz"] }) { id } }`);
  const steps = [{ key: "a", role: "fuzz" }, { key: "b", role: "fuzz", dependsOn: ["a"] }];
  const create = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
  idlePlan = (await ok(create, { input: { name: "idle", start: false, steps } })).createPlan.id as string;
  const running = (await ok(create, { input: { name: "running", steps, input: { n: 1 } } })).createPlan.id as string;
  const [lease] = (await ok(`mutation($a: ID!) { claimSteps(input: { agentId: $a, max: 1 }) { id } }`, { a: agent.id })).claimSteps;
  const { createCheckpoint } = await ok(`mutation($p: ID!) { createCheckpoint(planId: $p, label: "seed") { id } }`, { p: running });
  await ok(`mutation($p: ID!) { sendSignal(input: { planId: $p, name: "hello", payload: { x: 1 } }) { id } }`, { p: idlePlan });
  pools.ids.push(agent.id, idlePlan, running, lease.id, createCheckpoint.id);
  expect(await F.snapshot(store)).not.toEqual(empty); // the snapshot sees writes
});
afterAll(async () => {
  if (process.env["FC_STATS"]) console.log([...stats].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join("\n"));
  await app?.stop();
});

describe("HTTP", () => {
  it("random query text is refused with a code, never a 5xx or a leak", async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const body = { query: F.queryText(g), variables: F.chance(g, 0.2) ? { x: true } : undefined };
        await exchange(JSON.stringify(body), () => post(body), true);
      }),
      params(RUNS),
    );
  }, TIMEOUT);

  it("operations built from the schema: no 5xx, no leak, codes on every error, no state change when refused", async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const op = F.operation(g, schema, pools);
        const body = { query: op.query, variables: op.variables, operationName: op.operationName };
        await exchange(JSON.stringify(body), () => post(body), op.kind !== "mutation");
      }),
      params(RUNS * 3),
    );
  }, TIMEOUT);

  it("malformed HTTP requests: bodies, encodings, content types, methods and parameters", async () => {
    const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80]];
    const TYPES = ["application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "application/json; charset=latin1",
      "application/json; charset=bogus", "text/plain", "application/graphql", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ""];
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g: F.Gen) => {
        const op = F.operation(g, schema, pools);
        const text = JSON.stringify({ query: op.query, variables: op.variables, operationName: op.operationName });
        let body: Buffer;
        let writes = op.kind === "mutation";
        switch (F.int(g, 0, 6)) {
          case 0: body = Buffer.from(g(fc.uint8Array, { maxLength: 300 })); break; // bytes
          case 1: { // invalid UTF-8 spliced into the JSON (in a string or not), not into operationName (a known defect)
            const i = F.int(g, 0, text.includes(',"operationName"') ? text.indexOf(',"operationName"') : text.length);
            body = Buffer.concat([Buffer.from(text.slice(0, i)), Buffer.from(F.pick(g, INVALID_UTF8)), Buffer.from(text.slice(i))]);
            break;
          }
          case 2: body = Buffer.from(text.slice(0, F.int(g, 0, Math.max(0, text.length - 1)))); break; // truncated
          case 3: body = Buffer.from(JSON.stringify(F.pick(g, [[JSON.parse(text), JSON.parse(text)], [], [1], "x", 1, null, true, {}]))); break; // batches, not objects
          case 4: { // an object with wrong-typed members, or a persisted query
            const members = [{ query: 5 }, { query: ["{ __typename }"] }, { query: null }, { query: "{ __typename }", variables: "x" }, { query: "{ __typename }", extensions: 5 },
              { extensions: { persistedQuery: { version: 1, sha256Hash: "abc" } } }, { query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } },
              { query: "{ __typename }", operationName: { a: 1 } }, { query: "{ __typename }", __proto__: { polluted: true } }];
            body = Buffer.from(JSON.stringify(F.pick(g, members)));
            break;
          }
          case 5: { // deep and unclosed JSON, or a JSON variable too deep for the server's JSON.stringify (written by hand)
            const unclosed = F.chance(g, 0.5);
            const depth = unclosed ? F.int(g, 1, 200_000) : F.pick(g, [100, 1_000, 100_000]);
            const deep = `${"[".repeat(depth)}${unclosed ? "" : "]".repeat(depth)}`;
            const payload = `mutation($p: JSON) { sendSignal(input: { planId: ${JSON.stringify(idlePlan)}, name: "deep", payload: $p }) { id } }`;
            writes = F.chance(g, 0.5);
            body = Buffer.from(writes ? `{"query":${JSON.stringify(payload)},"variables":{"p":${deep}}}` : deep);
            break;
          }
          default: body = Buffer.from(text);
        }
        const method = F.pick(g, ["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "HEAD"]);
        const type = F.pick(g, TYPES);
        const headers: Record<string, string> = type ? { "content-type": type } : {};
        if (F.chance(g, 0.2)) headers["content-encoding"] = F.pick(g, ["gzip", "deflate", "br", "bogus"]); // the body is not compressed
        if (F.chance(g, 0.2)) headers["apollo-require-preflight"] = "true";
        if (F.chance(g, 0.1)) headers["x-baton-actor"] = F.pick(g, ["", "x".repeat(5_000), "\t", "admin"]);
        if (F.chance(g, 0.1)) headers["authorization"] = F.pick(g, ["Bearer ", "Bearer bogus", "Basic eA==", "x".repeat(3_000)]);
        let path = "/graphql";
        if (method === "GET" || F.chance(g, 0.1)) {
          const param = () => encodeURIComponent(F.pick(g, [op.query, JSON.stringify(op.variables) ?? "", "%%", "{", "[]", "x".repeat(4_000)]));
          path += `?query=${param()}&variables=${param()}&extensions=${param()}${F.chance(g, 0.3) ? `&query=${param()}` : ""}`;
        }
        const sent = `${method} ${path} ${JSON.stringify(headers)} ${body.toString("latin1")}`;
        await exchange(sent, () => F.raw(at(path), method, headers, method === "GET" || method === "HEAD" ? undefined : body), method !== "POST" || !writes);
      }),
      params(RUNS * 2),
    );
  }, TIMEOUT);

  it("a body over BATON_MAX_BODY_BYTES is 413 PAYLOAD_TOO_LARGE; invalid UTF-8 in a JSON string is replaced, the query answered", async () => {
    const huge = await exchange("huge", () => post({ query: "{ __typename }", variables: { pad: "x".repeat(3 * 1024 * 1024) } }), true);
    expect(huge.status).toBe(413);
    const bytes = Buffer.concat([Buffer.from('{"query":"{ __typename }","variables":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const answer = await exchange("utf8", () => F.raw(at("/graphql"), "POST", JSON_TYPE, bytes), true);
    expect([answer.status, json(answer.text)]).toEqual([200, { data: { __typename: "Query" } }]);
  });
});

describe("WebSocket", () => {
  it("operations and protocol junk over graphql-ws: client close codes only, codes on every error, no state change when refused", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const s = await F.openRaw(url.replace(/^http/, "ws"));
        try {
          for (let i = F.int(g, 1, 3); i > 0 && !s.closed; i--) {
            s.messages = [];
            s.texts = [];
            const before = await F.snapshot(store);
            const hub = app.coordinator.hub;
            const listening = hub.subscriberCount;
            let sent: string;
            if (F.chance(g, 0.7)) {
              const op = F.operation(g, schema, pools);
              const id = F.chance(g, 0.1) ? "again" : `op${n++}`; // an id used before on this socket (its operation has ended)
              sent = JSON.stringify({ id, type: "subscribe", payload: { query: op.query, variables: op.variables, operationName: op.operationName } });
              s.socket.send(sent);
              // Done when it ends or the socket closes; a subscription once live (listening, or a replayed signal): we complete it.
              await waitFor(() => s.closed || F.ended(s, id) || hub.subscriberCount > listening || F.of(s, id).some((m) => m.type === "next"));
              if (!s.closed && !F.ended(s, id)) {
                s.socket.send(JSON.stringify({ id, type: "complete" }));
                await waitFor(() => s.closed || hub.subscriberCount === listening);
              }
              const refused = F.of(s, id).every((m) => m.type !== "next" || F.rejected(m.payload));
              if (refused || op.kind !== "mutation") expect(await F.snapshot(store), `state changed over WebSocket by ${short(sent)}\n${short(s.texts.join("\n"))}`).toEqual(before);
            } else {
              const frame = F.junkFrame(g);
              sent = frame.data.toString();
              s.socket.send(frame.data, { binary: frame.binary ?? false });
              // A sentinel after the junk: once it is answered (or the socket closed), the junk was handled.
              const id = `s${n++}`;
              if (!s.closed) s.socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: "{ __typename }" } }));
              await waitFor(() => s.closed || F.ended(s, id));
              if (!s.closed) expect(F.of(s, id).map((m) => m.type)).toEqual(["next", "complete"]);
              expect(await F.snapshot(store), `state changed over WebSocket by junk ${short(sent)}`).toEqual(before);
            }
            const closed = s.closed as F.RawSocket["closed"]; // set by the socket's close event, since the loop's test
            const context = `sent ${short(sent)}\nreceived ${short(s.texts.join("\n"))}\nclosed ${JSON.stringify(closed)}`;
            const problems = [
              ...s.texts.flatMap((t) => F.findings(0, t, sent)),
              ...s.messages.flatMap((m) => F.errorFindings(m.type === "error" ? m.payload : (m.payload as { errors?: unknown } | undefined)?.errors)),
              ...(closed ? F.findings(0, closed.reason, sent) : []),
            ];
            expect(problems, context).toEqual([]);
            if (closed) expect(F.CLIENT_CLOSES, context).toContain(closed.code);
          }
        } finally {
          s.socket.terminate();
        }
      }),
      params(RUNS),
    );
  }, TIMEOUT);
});

/** `sendSignal` (to no plan: nothing is stored) with a JSON literal nested `depth` deep, as [[…]] or {a: {a: …}}. */
const deepSignal = (depth: number, array: boolean) =>
  `mutation { sendSignal(input: { planId: "plan_00000000000000000000", name: "deep", payload: ${array ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`} }) { id } }`;
const DEEP = Array.from({ length: 31 }, (_, i) => 1_000 + 100 * i).flatMap((depth) => [
  { label: `[ × ${depth}`, query: deepSignal(depth, true) },
  { label: `{a: × ${depth}`, query: deepSignal(depth, false) },
]); // 1,000 to 4,000 deep, by 100
const internal = (a: F.Answer) => a.status >= 500 || a.text.includes("INTERNAL_SERVER_ERROR");

describe("defects the fuzzing found, fixed: regression tests", () => {
  // Was: JSON literals nested ~1,400–3,700 deep overflowed the stack (graphql-jit, the JSON scalar): 500s and masked errors. Now refused past MAX_JSON_DEPTH.
  it("a JSON literal nested 1,000–4,000 deep is refused with a client code over HTTP, never a 500", async () => {
    const bad: string[] = [];
    for (const { label, query } of DEEP) {
      const answer = await post({ query });
      if (internal(answer)) bad.push(`${label}: ${answer.status} ${answer.text.slice(0, 120)}`);
    }
    expect(bad).toEqual([]);
  });

  it("a JSON literal nested 1,000–4,000 deep is refused with a client code over graphql-ws", async () => {
    const s = await F.openRaw(url.replace(/^http/, "ws"));
    const bad: string[] = [];
    for (const [i, { label, query }] of DEEP.entries()) {
      s.socket.send(JSON.stringify({ id: `d${i}`, type: "subscribe", payload: { query } }));
      await waitFor(() => s.closed || F.ended(s, `d${i}`));
      const text = JSON.stringify(F.of(s, `d${i}`));
      if (s.closed || text.includes("INTERNAL_SERVER_ERROR")) bad.push(`${label}: ${text.slice(0, 120)} ${JSON.stringify(s.closed)}`);
    }
    s.socket.terminate();
    expect(bad).toEqual([]);
  });

  // Was: JSON variables nested ~2,500–4,000 deep overflowed the stack in type-graphql's argument conversion and JSON.stringify.
  it("a JSON variable nested 2,000–4,500 deep is taken or refused with BAD_USER_INPUT, never INTERNAL_SERVER_ERROR", async () => {
    const query = JSON.stringify(`mutation($p: ID!, $v: JSON) { updateContext(planId: $p, key: "deep", value: $v) { version } }`);
    const bad: string[] = [];
    for (let depth = 2_000; depth <= 4_500; depth += 250) {
      const body = `{"query":${query},"variables":{"p":${JSON.stringify(idlePlan)},"v":${"[".repeat(depth)}1${"]".repeat(depth)}}}`;
      const answer = await F.raw(at("/graphql"), "POST", JSON_TYPE, Buffer.from(body));
      if (internal(answer)) bad.push(`${depth}: ${answer.status} ${answer.text.slice(0, 160)}`);
    }
    expect(bad).toEqual([]);
  });

  // Was: an operationName naming no operation reached the graphql-jit executor (undefined operation): HTTP 500.
  it("an operationName that names no operation of the document is a 4xx, never a 500", async () => {
    const posted = await post({ query: "query A { __typename }", operationName: "B" });
    const got = await F.raw(at(`/graphql?query=${encodeURIComponent("query A { __typename }")}&operationName=B`), "GET", { "apollo-require-preflight": "true" });
    expect([posted.status, got.status].map((status) => (status >= 400 && status < 500 ? "4xx" : status))).toEqual(["4xx", "4xx"]);
  });

  // Was: graphql-ws's useServer closed with 4500 and console.error()ed a stack; src/server/websocket.ts answers 4400.
  it("a client message of a server-only type closes the socket with 4400, not 4500 and a logged stack", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      for (const message of [{ id: "1", type: "next", payload: {} }, { id: "1", type: "error", payload: [{ message: "x" }] }, { type: "connection_ack" }]) {
        const s = await F.openRaw(url.replace(/^http/, "ws"));
        s.socket.send(JSON.stringify(message));
        await waitFor(() => s.closed);
        expect([message.type, s.closed!.code]).toEqual([message.type, 4400]);
      }
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });
});

describe("afterwards", () => {
  it("the server still serves: /healthz, a query over HTTP, a subscription over WebSocket", async () => {
    expect((await F.raw(at("/healthz"), "GET", {})).status).toBe(200);
    const { plan } = await ok(`query($id: ID!) { plan(id: $id) { id name } }`, { id: idlePlan });
    expect(plan).toEqual({ id: idlePlan, name: "idle" });

    const client = createClient({ url: url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
    const got: unknown[] = [];
    const listening = app.coordinator.hub.subscriberCount;
    const stop = client.subscribe(
      { query: `subscription($p: ID) { signals(planId: $p, names: ["after-fuzz"]) { name payload } }`, variables: { p: idlePlan } },
      { next: (r) => void got.push(r), error: (e) => void got.push({ error: e }), complete: () => undefined },
    );
    await waitFor(() => app.coordinator.hub.subscriberCount > listening);
    await ok(`mutation($p: ID!) { sendSignal(input: { planId: $p, name: "after-fuzz", payload: 1 }) { id } }`, { p: idlePlan });
    await waitFor(() => got.length > 0);
    expect(got).toEqual([{ data: { signals: { name: "after-fuzz", payload: 1 } } }]);
    stop();
    await client.dispose();
  });
});
