/**
 * Denial of service through documents, against the real gateway process (production mode,
 * authentication on): requests without a token are refused before their document is parsed
 * beyond a first look, documents are bounded in size, nesting, tokens and aliases, and what is
 * compiled is bounded — while a well-behaved client keeps its latency.
 */
import { getIntrospectionQuery } from "graphql";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, startTarget, underAttack, type Target } from "../helpers/attack.js";

let target: Target;
let viewer: string;
let probe: string;

const rep = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join(" ");
/** The reported attack: thousands of aliases of a plan with its steps (600 KB at 8,000). */
const aliasBomb = (n: number, salt = ""): string => `{ ${rep(n, (i) => `a${i}${salt}: plan(id:"x") { steps { key state input dependsOn } }`)} }`;
/** Kilobytes of resident memory of the gateway process. */
const rssKb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${target.proc.child.pid}/status`, "utf8"))![1]);
/**
 * A fair bound for a well-behaved client's slowest answer while an attack runs (not a benchmark):
 * the attacks guarded against hold the event loop for seconds, and on a shared 2-core machine that
 * runs other test files at once a bystander's answer can take some hundreds of ms with no attack.
 */
const FAIR_MS = 1_000;

beforeAll(async () => {
  target = await startTarget({ BATON_TOKEN_RATE_LIMIT: "off" });
  viewer = await target.token("VIEWER", "attacker");
  probe = await target.token("VIEWER", "bystander");
});
afterAll(() => target?.stop());

describe("without a token", () => {
  it("refuses the alias bomb at once with 401, whatever its size, and keeps the gateway responsive", async () => {
    // made before the clock starts: building them holds this process's event loop, not the gateway's
    const bodies = [aliasBomb(8_000), aliasBomb(8_000, "b"), aliasBomb(500), aliasBomb(500, "c"), ...Array.from({ length: 12 }, (_, i) => aliasBomb(400, `d${i}`))].map((query) =>
      JSON.stringify({ query }),
    );
    await target.post(`{ viewer { name } }`, {}, probe);
    const { result, latency } = await underAttack(target, probe, () => Promise.all(bodies.map((b) => target.postRaw(b, null))));
    for (const r of result) {
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe("UNAUTHENTICATED");
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
    }
    expect(latency.failures).toBe(0);
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
  });

  it("refuses every operation that is not introspection, before validating it", async () => {
    for (const q of [`{ plans { totalCount } }`, `mutation { revokeToken(id: "x") { id } }`, `{ __schema { queryType { name } } plans { totalCount } }`, `{ nope }`, `query { ...F } fragment F on Query { plans { totalCount } }`]) {
      const r = await target.post(q, {}, null);
      expect([r.status, codeOf(r)]).toEqual([401, "UNAUTHENTICATED"]);
    }
  });

  it("refuses a body without a document text, and persisted-query hashes", async () => {
    const hash = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38";
    for (const body of [JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }), JSON.stringify({ query: { kind: "Document" } }), "[]"]) {
      const r = await target.postRaw(body, null);
      expect([r.status, codeOf(r)]).toEqual([401, "UNAUTHENTICATED"]);
    }
    const withToken = await target.postRaw(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }), viewer);
    expect(codeOf(withToken)).toBe("PERSISTED_QUERY_NOT_SUPPORTED"); // automatic persisted queries are off
  });

  it("still serves introspection, from a kept answer", async () => {
    const q = `query IntrospectionQuery { __schema { queryType { name } types { name kind fields { name } } } }`;
    const first = await target.post(q, {}, null);
    expect(first.status).toBe(200);
    expect(first.body.data!["__schema"].queryType).toEqual({ name: "Query" });
    const again = await target.post(q, {}, null);
    expect(again.body).toEqual(first.body);
    const typename = await target.post(`{ __typename }`, {}, null);
    expect(typename.body).toEqual({ data: { __typename: "Query" } });
  });
});

describe("introspection", () => {
  // graphql-js's own MaxIntrospectionDepthRule (a specified rule since 16.9) is what refuses these.
  it("serves GraphiQL's full introspection query, and refuses lists nested past it (their answers multiply)", async () => {
    const full = await target.post(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }), {}, null);
    expect(full.status).toBe(200);
    expect(full.body.errors).toBeUndefined();
    // types × fields × fields × fields…: millions of answers from 100 bytes, unless refused
    const bomb = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
    const viaFragments = `{ __type(name: "Plan") { ...A } } fragment A on __Type { fields { type { ...B } } } fragment B on __Type { fields { type { ...C } } } fragment C on __Type { fields { type { fields { name } } } }`;
    const { result, latency } = await underAttack(target, probe, () => Promise.all([bomb, viaFragments].flatMap((q) => [target.post(q, {}, null), target.post(q, {}, viewer)])));
    for (const r of result) {
      expect([r.status, codeOf(r)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
      expect(r.body.errors![0]!.message).toBe("Maximum introspection depth exceeded");
    }
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
  });
});

describe("with a token", () => {
  it("refuses documents over the token and size limits before parsing them whole", async () => {
    const bodies = [aliasBomb(8_000), aliasBomb(2_000, "z"), aliasBomb(2_000, "y")].map((query) => JSON.stringify({ query }));
    const { result, latency } = await underAttack(target, probe, () => Promise.all(bodies.map((b) => target.postRaw(b, viewer))));
    for (const r of result) expect([r.status, codeOf(r)]).toEqual([400, "DOCUMENT_TOO_LARGE"]);
    expect(result[0]!.body.errors![0]!.message).toContain("BATON_MAX_QUERY_BYTES"); // 600 KB
    expect(result[1]!.body.errors![0]!.message).toContain("BATON_MAX_QUERY_TOKENS"); // 120 KB, 22,000 tokens
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
    const long = await target.post(`{ plan(id: "${"x".repeat(300_000)}") { id } }`, {}, viewer);
    expect([long.status, codeOf(long)]).toEqual([400, "DOCUMENT_TOO_LARGE"]);
    expect(long.body.errors![0]!.message).toContain("BATON_MAX_QUERY_BYTES");
  });

  it("caps aliases, counting a fragment each time it is spread", async () => {
    const r = await target.post(aliasBomb(101), {}, viewer);
    expect([r.status, codeOf(r)]).toEqual([400, "TOO_MANY_ALIASES"]);
    const fragments = await target.post(`{ ...F ...G } fragment F on Query { ${rep(60, (i) => `f${i}: viewer { name }`)} } fragment G on Query { ${rep(60, (i) => `g${i}: viewer { name }`)} }`, {}, viewer);
    expect(codeOf(fragments)).toBe("TOO_MANY_ALIASES");
    const fine = await target.post(aliasBomb(100), {}, viewer);
    expect(fine.status).toBe(200);
    expect(fine.body.errors).toBeUndefined();
  });

  it("refuses a field repeated more than 50 times at one level, through fragments too", async () => {
    const repeated = await target.post(`{ ${rep(51, () => `plan(id:"x") { id }`)} }`, {}, viewer);
    expect([repeated.status, codeOf(repeated)]).toEqual([400, "FIELD_REPEATED"]);
    expect(repeated.body.errors![0]!.message).toContain('"plan" is selected 51 times');
    const viaFragments = await target.post(`{ ${rep(60, (i) => `...F${i}`)} } ${rep(60, (i) => `fragment F${i} on Query { plan(id:"x") { id } }`)}`, {}, viewer);
    expect(codeOf(viaFragments)).toBe("FIELD_REPEATED");
    const fine = await target.post(`{ ${rep(50, () => `plan(id:"x") { id }`)} }`, {}, viewer);
    expect(fine.body).toEqual({ data: { plan: null } });
  });

  it("answers a 50,000-deep selection with QUERY_TOO_DEEP, not a stack overflow", async () => {
    for (const q of [`{ ${"plans { edges { node { ".repeat(10_000)} }`, `{${"{".repeat(50_000)}${"}".repeat(50_000)}}`, `{ plan(id: ${"[".repeat(50_000)}) { id } }`]) {
      const r = await target.post(q, {}, viewer);
      expect([r.status, codeOf(r)]).toEqual([400, "QUERY_TOO_DEEP"]);
      expect(JSON.stringify(r.body)).not.toMatch(/call stack/i);
    }
  });

  it("keeps the gateway responsive under the costliest documents the limits let through", async () => {
    const attacks = [
      // one field repeated at the limit on many levels: GraphQL's overlap check compares every pair
      `{ ${rep(90, (i) => `a${i}: plans { ${rep(50, () => "totalCount")} }`)} }`,
      `{ ${rep(50, () => `plan(id:"x") { id steps { key } }`)} }`,
      // the same through fragments, under many aliases
      `{ ${rep(40, (i) => `a${i}: plan(id:"x") { ${rep(50, (j) => `...P${j}`)} }`)} } ${rep(50, (j) => `fragment P${j} on Plan { steps { key state } }`)}`,
      // aliases at the limit, each over a plan with its steps (compiled on a second run)
      aliasBomb(100, "p"),
      aliasBomb(100, "p"),
      // fragments spreading fragments
      `{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...C ...C } fragment C on Query { ...D ...D } fragment D on Query { viewer { name } plans { totalCount } }`,
    ];
    const bodies = attacks.map((query) => JSON.stringify({ query }));
    const { result, latency } = await underAttack(target, probe, async () => {
      const answers = [];
      for (let round = 0; round < 3; round++) answers.push(...(await Promise.all(bodies.map((b) => target.postRaw(b, viewer)))));
      return answers;
    });
    for (const r of result) expect(r.status).toBeLessThan(500);
    expect(latency.failures).toBe(0);
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
  });

  it("bounds the data one answer carries: many aliases of a large plan are refused, not built", async () => {
    const operator = await target.token("OPERATOR");
    const steps = Array.from({ length: 500 }, (_, i) => ({ key: `s${i}`, role: "nobody", input: { text: "x".repeat(200) }, dependsOn: i ? [`s${i - 1}`] : [] }));
    const created = await target.post(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }`, { input: { name: "big", steps } }, operator);
    const id = created.body.data!["createPlan"].id as string;
    const aliases = (n: number) => `query($id: ID!) { ${rep(n, (i) => `a${i}: plan(id: $id) { steps { key state input dependsOn } }`)} }`;
    const fits = await target.post(aliases(20), { id }, viewer); // 10,000 steps
    expect(fits.body.errors).toBeUndefined();
    const body = JSON.stringify({ query: aliases(100), variables: { id } });
    const { result, latency } = await underAttack(target, probe, () => Promise.all([0, 1, 2].map(() => target.postRaw(body, viewer))));
    for (const r of result) {
      expect(codeOf(r)).toBe("QUERY_TOO_COMPLEX");
      expect(r.body.errors![0]!.message).toContain("more than 10000 steps");
    }
    expect(latency.maxMs).toBeLessThan(FAIR_MS);
    const page = await target.post(`{ plans(first: 100) { edges { node { id steps { key } } } } }`, {}, viewer);
    expect(page.body.errors).toBeUndefined();
  });

  it("bounds memory when many distinct heavy documents are each sent twice (compiled)", async () => {
    const before = rssKb();
    for (let batch = 0; batch < 8; batch++) {
      const docs = Array.from({ length: 10 }, (_, i) => aliasBomb(100, `m${batch}x${i}`));
      await Promise.all(docs.flatMap((q) => [target.post(q, {}, viewer), target.post(q, {}, viewer)]));
    }
    // 80 documents of 6 KB compiled would take ~200 MB of heap unbounded; the cache holds ~100 MB at most.
    expect(rssKb() - before).toBeLessThan(200 * 1024);
    expect((await target.post(`{ viewer { name } }`, {}, probe)).status).toBe(200);
  });

  it("logs refusals at info, once per code and caller in a burst", async () => {
    await Promise.all(Array.from({ length: 5 }, () => target.post(aliasBomb(101), {}, viewer)));
    await expect.poll(() => target.proc.stderr()).toMatch(/"code":"TOO_MANY_ALIASES","caller":"attacker"/);
    const lines = target.proc.stderr().split("\n").filter((l) => l.includes('"code":"TOO_MANY_ALIASES"'));
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(target.proc.stderr()).toMatch(/"code":"UNAUTHENTICATED","caller":"address [^"]+"/);
  });
});

describe("the budget of requests without a token", () => {
  it("is smaller than a token's and per address: past it, 429 RATE_LIMITED", async () => {
    const small = await startTarget({ BATON_ANONYMOUS_RATE_LIMIT: "5/1m" });
    try {
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await small.post(`{ __typename }`, {}, null));
      expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers.slice(5).map((a) => [a.status, codeOf(a)])).toEqual([
        [429, "RATE_LIMITED"],
        [429, "RATE_LIMITED"],
      ]);
      expect(answers[6]!.body.errors![0]!.message).toContain("BATON_ANONYMOUS_RATE_LIMIT");
      expect(Number(answers[6]!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await small.post(`{ viewer { name } }`)).status).toBe(200); // a token has its own budget
    } finally {
      await small.stop();
    }
  });
});
