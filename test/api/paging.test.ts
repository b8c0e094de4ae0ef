/**
 * Every connection of the schema pages both ways, per the GraphQL Cursor Connections spec:
 * `first`/`after` forward, `last`/`before` backward, edges always in list order, exact
 * hasNextPage/hasPreviousPage, null cursors on empty pages, and the same refusals.
 */
import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";

const api = useApi();

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface Page {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: PageInfo;
}

const ARGS = "$first: Int, $after: String, $last: Int, $before: String";
const PASS = "first: $first, after: $after, last: $last, before: $before";
const SELECTION = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

/** Each connection of the schema: its query and how to reach the page in the answer. */
const CONNECTIONS: Record<string, { query: string; pick: (d: any) => Page }> = {
  plans: { query: `query(${ARGS}) { plans(${PASS}) { ${SELECTION} } }`, pick: (d) => d.plans },
  signals: { query: `query($p: ID, ${ARGS}) { signals(planId: $p, ${PASS}) { ${SELECTION} } }`, pick: (d) => d.signals },
  checkpoints: { query: `query($p: ID!, ${ARGS}) { checkpoints(planId: $p, ${PASS}) { ${SELECTION} } }`, pick: (d) => d.checkpoints },
  interventions: { query: `query($p: ID, ${ARGS}) { interventions(planId: $p, ${PASS}) { ${SELECTION} } }`, pick: (d) => d.interventions },
  webhookDeliveries: { query: `query(${ARGS}) { webhookDeliveries(${PASS}) { ${SELECTION} } }`, pick: (d) => d.webhookDeliveries },
  "Plan.signals": { query: `query($p: ID!, ${ARGS}) { plan(id: $p) { signals(${PASS}) { ${SELECTION} } } }`, pick: (d) => d.plan.signals },
  "Plan.checkpoints": { query: `query($p: ID!, ${ARGS}) { plan(id: $p) { checkpoints(${PASS}) { ${SELECTION} } } }`, pick: (d) => d.plan.checkpoints },
  "Plan.interventions": { query: `query($p: ID!, ${ARGS}) { plan(id: $p) { interventions(${PASS}) { ${SELECTION} } } }`, pick: (d) => d.plan.interventions },
};

/** Seven plans; the first has more than seven signals, checkpoints and interventions; a webhook has seven deliveries. */
async function seed(): Promise<string> {
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    ids.push((await api.ok(`mutation($n: String!) { createPlan(input: { name: $n, steps: [{ key: "a", role: "r" }] }) { id } }`, { n: `p${i}` })).createPlan.id);
    await api.clock.advance(i % 2 ? 0 : 1000); // some plans share a creation time: the cursor's id breaks the tie
  }
  const p = ids[0]!;
  for (let i = 0; i < 4; i++) {
    await api.ok(`mutation($p: ID!) { pausePlan(id: $p) { status } }`, { p });
    await api.ok(`mutation($p: ID!) { resumePlan(id: $p) { status } }`, { p });
    await api.ok(`mutation($p: ID!) { createCheckpoint(planId: $p, label: "x") { id } }`, { p });
  }
  const hook = (await api.ok(`mutation { registerWebhook(url: "https://example.test/h", kinds: [PLAN_CREATED]) { webhook { id } } }`)).registerWebhook.webhook.id;
  const signals = await api.store.queries.signals.read({ kinds: ["PLAN_CREATED"] }, 0, 100);
  await api.store.transact(async (s) => {
    await s.webhooks.enqueue(signals.map((sig) => ({ webhookId: hook, signalSequence: sig.sequence })), api.clock.now());
  });
  return p;
}

describe.each(Object.keys(CONNECTIONS))("the %s connection", (name) => {
  const { query, pick } = CONNECTIONS[name]!;
  let planId = "";
  const page = async (vars: Record<string, unknown>): Promise<Page> => pick(await api.ok(query, { p: planId, ...vars }));
  const ids = (p: Page) => p.edges.map((e) => e.node.id);
  const codes = async (vars: Record<string, unknown>) => (await api.exec(query, { p: planId, ...vars })).errors?.map((e) => [e.extensions?.["code"], e.message]);

  /** Everything, forward in one page. */
  async function everything(): Promise<Page> {
    planId = await seed();
    const all = await page({ first: 500 });
    expect(all.edges.length).toBeGreaterThanOrEqual(7);
    expect(all.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: all.edges[0]!.cursor, endCursor: all.edges.at(-1)!.cursor });
    return all;
  }

  it("pages forward and backward through the same list: backward pages, reversed, give it all in list order", async () => {
    const all = await everything();
    const forward: string[] = [];
    let after: string | null = null;
    for (let i = 0; ; i++) {
      const p: Page = await page({ first: 3, after });
      forward.push(...ids(p));
      expect(p.pageInfo.hasPreviousPage, `forward page ${i}`).toBe(i > 0);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]!.cursor);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forward).toEqual(ids(all));

    const backward: string[][] = [];
    let before: string | null = null;
    for (let i = 0; ; i++) {
      const p: Page = await page({ last: 3, before });
      backward.push(ids(p));
      expect(p.pageInfo.hasNextPage, `backward page ${i}`).toBe(i > 0);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backward.reverse().flat()).toEqual(ids(all));
    expect(ids(await page({ last: 500 }))).toEqual(ids(all));
    // `before` alone pages backward with the default page size.
    expect(ids(await page({ before: all.pageInfo.endCursor }))).toEqual(ids(all).slice(0, -1));
  });

  it("round-trips cursors: after an edge's cursor comes the next item, before it the previous one; both bound a window", async () => {
    const all = await everything();
    const n = all.edges.length;
    for (let i = 0; i < n; i++) {
      const c = all.edges[i]!.cursor;
      const next = await page({ first: 1, after: c });
      const prev = await page({ last: 1, before: c });
      expect(ids(next)).toEqual(ids(all).slice(i + 1, i + 2));
      expect(ids(prev)).toEqual(ids(all).slice(Math.max(0, i - 1), i));
      // (the last item's next page and the first's previous page are empty: they claim nothing)
      expect(next.pageInfo).toMatchObject({ hasPreviousPage: i + 1 < n, hasNextPage: i + 2 < n });
      expect(prev.pageInfo).toMatchObject({ hasNextPage: i > 0, hasPreviousPage: i - 1 > 0 });
      if (next.edges.length) expect(next.edges[0]!.cursor).toBe(all.edges[i + 1]!.cursor);
    }
    const window = { after: all.edges[1]!.cursor, before: all.edges[6]!.cursor };
    expect(ids(await page(window))).toEqual(ids(all).slice(2, 6));
    const head = await page({ ...window, first: 2 });
    expect(ids(head)).toEqual(ids(all).slice(2, 4));
    expect(head.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const tail = await page({ ...window, last: 2 });
    expect(ids(tail)).toEqual(ids(all).slice(4, 6));
    expect(tail.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const crossed = await page({ after: all.edges[4]!.cursor, before: all.edges[2]!.cursor });
    expect(crossed.edges).toEqual([]);
  });

  it("answers empty pages (first: 0, last: 0, past either end) with null cursors and no page claimed on either side", async () => {
    const all = await everything();
    const [firstCursor, lastCursor] = [all.edges[0]!.cursor, all.edges.at(-1)!.cursor];
    const EMPTY = { edges: [], pageInfo: { hasPreviousPage: false, hasNextPage: false, startCursor: null, endCursor: null } };
    expect(await page({ first: 0 })).toEqual(EMPTY);
    expect(await page({ last: 0 })).toEqual(EMPTY);
    expect(await page({ first: 0, after: firstCursor })).toEqual(EMPTY);
    expect(await page({ first: 0, after: lastCursor })).toEqual(EMPTY);
    expect(await page({ last: 0, before: firstCursor })).toEqual(EMPTY);
    expect(await page({ last: 0, before: lastCursor })).toEqual(EMPTY);
    expect(await page({ first: 5, after: lastCursor })).toEqual(EMPTY);
    expect(await page({ last: 5, before: firstCursor })).toEqual(EMPTY);
  });

  it("refuses first with last, negative or oversized counts and foreign cursors with BAD_USER_INPUT", async () => {
    const all = await everything();
    expect(await codes({ first: 1, last: 1 })).toEqual([
      ["BAD_USER_INPUT", "last: first and last cannot be used together: page forward with first/after, backward with last/before"],
    ]);
    expect(await codes({ first: 0, last: 0 })).toMatchObject([["BAD_USER_INPUT", expect.any(String)]]);
    expect(await codes({ last: -1 })).toEqual([["BAD_USER_INPUT", "last: must be from 0 to 500, got -1"]]);
    expect(await codes({ first: -1 })).toEqual([["BAD_USER_INPUT", "first: must be from 0 to 500, got -1"]]);
    expect(await codes({ last: 501 })).toEqual([["BAD_USER_INPUT", "last: must be from 0 to 500, got 501"]]);
    expect(await codes({ last: 2, before: "garbage" })).toEqual([["BAD_USER_INPUT", "before: not a cursor returned by this API"]]);
    expect(await codes({ first: 2, after: "garbage" })).toEqual([["BAD_USER_INPUT", "after: not a cursor returned by this API"]]);
    expect(await codes({ last: 500, before: all.pageInfo.endCursor })).toBeUndefined();
  });
});

describe("an empty connection", () => {
  it("has no page on either side, whichever way it is asked", async () => {
    const { id } = (await api.ok(`mutation { createPlan(input: { name: "quiet", steps: [{ key: "a", role: "r" }] }) { id } }`)).createPlan;
    for (const vars of [{ first: 0 }, { last: 0 }, { first: 10 }, { last: 10 }]) {
      const q = `query($p: ID!, ${ARGS}) { plan(id: $p) { interventions(${PASS}) { ${SELECTION} } } }`;
      expect((await api.ok(q, { p: id, ...vars })).plan.interventions, JSON.stringify(vars)).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
    }
  });

  it("keeps totalCount on plans whichever way they are paged", async () => {
    for (let i = 0; i < 3; i++) await api.ok(`mutation { createPlan(input: { name: "p", start: false, steps: [{ key: "a", role: "r" }] }) { id } }`);
    for (const vars of [{ first: 0 }, { last: 1 }, { first: 2 }]) {
      expect((await api.ok(`query(${ARGS}) { plans(${PASS}) { totalCount } }`, vars)).plans.totalCount).toBe(3);
    }
  });
});
