import { describe, expect, it } from "vitest";
import { useApi } from "../helpers/api.js";

const api = useApi();

const CREATE = `mutation($input: CreatePlanInput!) { createPlan(input: $input) { id state version steps { key state priority } waves progress } }`;

describe("createPlan", () => {
  it("creates and starts a plan: roots READY, waves and progress computed", async () => {
    const { createPlan } = await api.ok(CREATE, {
      input: {
        name: "p",
        labels: ["x"],
        steps: [
          { key: "a", role: "r" },
          { key: "b", role: "r", dependsOn: ["a"], priority: "HIGH" },
          { key: "c", role: "r", dependsOn: ["a"] },
          { key: "d", role: "r", dependsOn: ["b", "c"] },
        ],
      },
    });
    expect(createPlan.state).toBe("RUNNING");
    expect(createPlan.steps.map((s: any) => s.state)).toEqual(["READY", "PENDING", "PENDING", "PENDING"]);
    expect(createPlan.steps[1].priority).toBe("HIGH");
    expect(createPlan.waves).toEqual([["a"], ["b", "c"], ["d"]]);
    expect(createPlan.progress).toBe(0);
  });

  it("rejects a bad plan with BAD_USER_INPUT listing every problem, the cycle named, and writes nothing", async () => {
    const r = await api.exec(CREATE, {
      input: {
        name: "bad",
        steps: [
          { key: "a", role: "r", dependsOn: ["c"] },
          { key: "b", role: "r", dependsOn: ["a", "ghost"] },
          { key: "c", role: "r", dependsOn: ["b"], timeoutMs: -5 },
          { key: "c", role: "" },
        ],
      },
    });
    expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const messages = (r.errors![0]!.extensions!["problems"] as { path: string; message: string }[]).map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('steps[3].key: duplicate key "c"'),
        expect.stringContaining('steps[1].dependsOn: unknown step "ghost"'),
        expect.stringContaining("steps[2].timeoutMs"),
        expect.stringContaining("steps[3].role: must not be empty"),
        expect.stringMatching(/dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/),
      ]),
    );
    const { plans } = await api.ok(`{ plans { totalCount } signals { edges { node { kind } } } }`);
    expect(plans.totalCount).toBe(0);
    expect(await api.store.queries.signals.head()).toBe(0);
  });

  it("rejects an empty plan", async () => {
    const r = await api.exec(CREATE, { input: { name: "empty", steps: [] } });
    expect(r.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toContain("at least one step");
  });

  it("returns the existing plan for a repeated idempotencyKey", async () => {
    const input = { name: "once", idempotencyKey: "k-1", steps: [{ key: "a", role: "r" }] };
    const first = await api.ok(CREATE, { input });
    const second = await api.ok(CREATE, { input });
    expect(second.createPlan.id).toBe(first.createPlan.id);
    expect((await api.ok(`{ plans { totalCount } }`)).plans.totalCount).toBe(1);
  });

  it("refuses a repeated idempotencyKey with a different input: CONFLICT naming the first plan", async () => {
    const input = { name: "once", idempotencyKey: "k-1", steps: [{ key: "a", role: "r" }] };
    const first = await api.ok(CREATE, { input });
    const other = await api.exec(CREATE, { input: { ...input, steps: [{ key: "b", role: "r" }] } });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", planId: first.createPlan.id, idempotencyKey: "k-1" });
    expect(other.errors?.[0]?.message).toContain("different request");
    expect((await api.ok(`{ plans { totalCount } }`)).plans.totalCount).toBe(1);
  });

  it("start: false leaves the plan IDLE until startPlan; starting twice is a CONFLICT", async () => {
    const { createPlan } = await api.ok(CREATE, { input: { name: "later", start: false, steps: [{ key: "a", role: "r" }] } });
    expect(createPlan.state).toBe("IDLE");
    expect(createPlan.steps[0].state).toBe("PENDING");
    const started = await api.ok(`mutation($id: ID!) { startPlan(id: $id) { state steps { state } } }`, { id: createPlan.id });
    expect(started.startPlan).toEqual({ state: "RUNNING", steps: [{ state: "READY" }] });
    const again = await api.exec(`mutation($id: ID!) { startPlan(id: $id) { state } }`, { id: createPlan.id });
    expect(again.errors?.[0]?.extensions?.["code"]).toBe("CONFLICT");
    const unknown = await api.exec(`mutation { startPlan(id: "plan_nope") { state } }`);
    expect(unknown.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
  });
});

describe("plan queries", () => {
  it("pages plans newest first with a cursor, filters, and caps first", async () => {
    for (let i = 0; i < 5; i++) {
      await api.clock.advance(1);
      await api.ok(CREATE, { input: { name: `plan ${i}${i === 2 ? " 50%_off" : ""}`, labels: [i % 2 ? "odd" : "even"], steps: [{ key: "a", role: "r" }], start: i !== 4 } });
    }
    const Q = `query($first: Int, $after: String, $filter: PlanFilter) { plans(first: $first, after: $after, filter: $filter) {
      totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor hasPreviousPage } } }`;
    const p1 = (await api.ok(Q, { first: 2 })).plans;
    expect(p1.edges.map((e: any) => e.node.name)).toEqual(["plan 4", "plan 3"]);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    expect(p1.totalCount).toBe(5);
    const p2 = (await api.ok(Q, { first: 10, after: p1.pageInfo.endCursor })).plans;
    expect(p2.edges.map((e: any) => e.node.name)).toEqual(["plan 2 50%_off", "plan 1", "plan 0"]);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await api.ok(Q, { filter: { labels: ["odd"] } })).plans.totalCount).toBe(2);
    expect((await api.ok(Q, { filter: { states: ["IDLE"] } })).plans.edges.map((e: any) => e.node.name)).toEqual(["plan 4"]);
    expect((await api.ok(Q, { filter: { nameContains: "%_" } })).plans.totalCount).toBe(1);
    const capped = await api.exec(Q, { first: 501 });
    expect(capped.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const badCursor = await api.exec(Q, { after: "not-a-cursor" });
    expect(badCursor.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("filters by creation time (createdAfter inclusive, createdBefore exclusive) and by search (an exact id or a name substring)", async () => {
    const made: { id: string; createdAt: string }[] = [];
    for (const name of ["Nightly build", "weekly report", "nightly deploy"]) {
      await api.clock.advance(1_000);
      const { createPlan } = await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id createdAt } }`, {
        input: { name, steps: [{ key: "a", role: "r" }] },
      });
      made.push(createPlan);
    }
    const [first, second, third] = made as [(typeof made)[0], (typeof made)[0], (typeof made)[0]];
    const Q = `query($filter: PlanFilter) { plans(filter: $filter) { totalCount edges { node { id } } } }`;
    const ids = async (filter: Record<string, unknown>) => (await api.ok(Q, { filter })).plans.edges.map((e: any) => e.node.id);
    expect(await ids({ createdAfter: second.createdAt })).toEqual([third.id, second.id]);
    expect(await ids({ createdBefore: second.createdAt })).toEqual([first.id]);
    expect(await ids({ createdAfter: first.createdAt, createdBefore: third.createdAt })).toEqual([second.id, first.id]);
    expect(await ids({ search: "NIGHTLY" })).toEqual([third.id, first.id]);
    expect(await ids({ search: `  ${second.id} ` })).toEqual([second.id]); // an id, pasted with spaces around it
    expect(await ids({ search: "nightly", createdAfter: second.createdAt })).toEqual([third.id]);
    expect(await ids({ search: "   " })).toHaveLength(3); // nothing to search for: no condition
    expect((await api.ok(Q, { filter: { search: "build", createdBefore: third.createdAt } })).plans.totalCount).toBe(1);
    const long = await api.exec(Q, { filter: { search: "x".repeat(201) } });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ path: "filter.search" }] });
    const notATime = await api.exec(Q, { filter: { createdAfter: "yesterday" } });
    expect(notATime.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  });

  it("plan, step, node and snapshot", async () => {
    const { createPlan } = await api.ok(CREATE, { input: { name: "p", steps: [{ key: "a", role: "r", input: { n: 1 } }] } });
    const id = createPlan.id;
    const d = await api.ok(
      `query($id: ID!) { plan(id: $id) { name step(key: "a") { key input } missing: step(key: "zz") { key } }
        node(id: $id) { id ... on Plan { name } } snapshot(planId: $id) { planId state version sequence steps { key state } } }`,
      { id },
    );
    expect(d.plan).toEqual({ name: "p", step: { key: "a", input: { n: 1 } }, missing: null });
    expect(d.node).toEqual({ id, name: "p" });
    expect(d.snapshot).toMatchObject({ planId: id, state: "RUNNING", version: createPlan.version, steps: [{ key: "a", state: "READY" }] });
    expect(d.snapshot.sequence).toBe(await api.store.queries.signals.head());
    expect((await api.ok(`{ plan(id: "plan_unknown") { id } node(id: "xyz_1") { id } }`)).plan).toBeNull();
    const snap = await api.exec(`{ snapshot(planId: "plan_unknown") { planId } }`);
    expect(snap.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
  });

  it("pages the signal log and filters it by plan and kind", async () => {
    const a = (await api.ok(CREATE, { input: { name: "a", steps: [{ key: "x", role: "r" }] } })).createPlan.id;
    await api.ok(CREATE, { input: { name: "b", steps: [{ key: "y", role: "r" }] } });
    const all = await api.ok(`{ signals(first: 100) { edges { node { sequence kind planId } } } }`);
    const seqs = all.signals.edges.map((e: any) => e.node.sequence);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    const page = await api.ok(`query($p: ID) { signals(planId: $p, first: 2) { edges { cursor node { kind planId } } pageInfo { hasNextPage endCursor } } }`, { p: a });
    expect(page.signals.edges.map((e: any) => e.node.kind)).toEqual(["PLAN_CREATED", "PLAN_STARTED"]);
    const rest = await api.ok(`query($p: ID, $after: String) { signals(planId: $p, after: $after) { edges { node { kind planId } } } }`, {
      p: a,
      after: page.signals.pageInfo.endCursor,
    });
    expect(rest.signals.edges.map((e: any) => e.node.kind)).toEqual(["STEP_READY", "CHECKPOINT_CREATED"]);
    const kinds = await api.ok(`{ signals(kinds: [PLAN_CREATED]) { edges { node { kind } } } }`);
    expect(kinds.signals.edges).toHaveLength(2);
    const viaPlan = await api.ok(`query($id: ID!) { plan(id: $id) { signals(kinds: [STEP_READY]) { edges { node { stepKey } } } } }`, { id: a });
    expect(viaPlan.plan.signals.edges).toEqual([{ node: { stepKey: "x" } }]);
  });

  it("sendSignal appends a CUSTOM signal attributed to the actor", async () => {
    const id = (await api.ok(CREATE, { input: { name: "a", steps: [{ key: "x", role: "r" }] } })).createPlan.id;
    const s = await api.ok(`mutation($id: ID!) { sendSignal(input: { planId: $id, name: "approved", stepKey: "x", payload: { ok: true } }) { id kind name sender payload sequence } }`, { id });
    expect(s.sendSignal).toMatchObject({ kind: "CUSTOM", name: "approved", sender: "tester", payload: { ok: true } });
    expect(s.sendSignal.id).toBe(`sig_${s.sendSignal.sequence}`);
    const bad = await api.exec(`mutation($id: ID!) { sendSignal(input: { planId: $id, name: "x", stepKey: "nope" }) { id } }`, { id });
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const missing = await api.exec(`mutation { sendSignal(input: { planId: "plan_x", name: "x" }) { id } }`);
    expect(missing.errors?.[0]?.extensions?.["code"]).toBe("NOT_FOUND");
  });
});

describe("GraphQL errors", () => {
  it("bad variables are BAD_USER_INPUT, unknown fields GRAPHQL_VALIDATION_FAILED, and introspection works", async () => {
    const bad = await api.exec(`query($f: Int) { plans(first: $f) { totalCount } }`, { f: "abc" });
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.message).toContain('Variable "$f"');
    const unknown = await api.exec(`{ plans { nope } }`);
    expect(unknown.errors?.[0]?.extensions?.["code"]).toBe("GRAPHQL_VALIDATION_FAILED");
    const intro = await api.ok(`{ __type(name: "Plan") { description fields { name } } }`);
    expect(intro.__type.description).toContain("A plan of work");
    expect(intro.__type.fields.map((f: { name: string }) => f.name)).toContain("waves");
  });
});

describe("quality gates over the API", () => {
  it("qualityThreshold is validated, shown on the step, and enforced on completeStep", async () => {
    const bad = await api.exec(CREATE, { input: { name: "q", steps: [{ key: "a", role: "r", qualityThreshold: 1.5 }] } });
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const { createPlan } = await api.ok(`mutation($input: CreatePlanInput!) { createPlan(input: $input) { id steps { qualityThreshold } } }`, {
      input: { name: "q", steps: [{ key: "a", role: "r", qualityThreshold: 0.7, retry: { maxAttempts: 1 } }] },
    });
    expect(createPlan.steps).toEqual([{ qualityThreshold: 0.7 }]);
    const agent = (await api.ok(`mutation { registerAgent(input: { name: "w", roles: ["r"] }) { id } }`)).registerAgent.id;
    const [lease] = (await api.ok(`mutation($a: ID!) { claimSteps(input: { agentId: $a }) { id } }`, { a: agent })).claimSteps;
    const done = await api.ok(`mutation($l: ID!) { completeStep(leaseId: $l, output: 1, quality: 0.6) { state error { type details } } }`, { l: lease.id });
    expect(done.completeStep).toMatchObject({ state: "FAILED", error: { type: "QUALITY_GATE", details: { quality: 0.6, threshold: 0.7 } } });
  });
});
