/**
 * Messages between agents: MESSAGE signals to an agent, a role or every agent of a plan;
 * requests answered once, by a reply or by a durable reply timeout (ManualClock, real SQLite).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/coordinator/clock.js";
import { Coordinator } from "../../src/coordinator/coordinator.js";
import type { SignalModel } from "../../src/domain/model.js";
import { followSignals } from "../../src/signals/hub.js";
import { openStore } from "../../src/store/sqlite-store.js";
import { makeCoordinator } from "../helpers/fixtures.js";
import { allSignals, claimOne, nextWithin, planReq, rejected, rows } from "../helpers/coordinator.js";

async function setup() {
  const env = await makeCoordinator();
  const c = env.coordinator;
  const plan = await c.createPlan(planReq([{ key: "a" }, { key: "b", dependsOn: ["a"] }]), "t");
  const coder = await c.registerAgent({ name: "coder", roles: ["r", "coder"] });
  const reviewer = await c.registerAgent({ name: "reviewer", roles: ["reviewer"] });
  return { ...env, c, planId: plan.id, coder, reviewer };
}

const messages = async (env: { store: Parameters<typeof allSignals>[0] }, planId: string): Promise<SignalModel[]> => (await allSignals(env.store, planId)).filter((s) => s.kind === "MESSAGE");

describe("sending messages", () => {
  it("to an agent id, a role or every agent: MESSAGE signals with the recipient, the payload wrapped, the actor as sender", async () => {
    const env = await setup();
    const { c, planId, coder } = env;
    const toAgent = await c.sendMessage({ planId, recipient: coder.id, name: "hint", stepKey: "a", payload: { use: "tabs" } }, { actor: "alice" });
    const toRole = await c.sendMessage({ planId, recipient: "reviewer", payload: "look at a" }, { actor: "alice" });
    const toAll = await c.sendMessage({ planId, recipient: "*" }, { actor: "bob" });
    expect(toAgent).toMatchObject({ kind: "MESSAGE", name: "hint", planId, stepKey: "a", sender: "alice", recipient: coder.id, payload: { payload: { use: "tabs" } } });
    expect(toRole).toMatchObject({ name: "message", stepKey: null, recipient: "reviewer", payload: { payload: "look at a" } });
    expect(toAll).toMatchObject({ sender: "bob", recipient: "*", payload: { payload: null } });
    expect(await messages(env, planId)).toEqual([toAgent, toRole, toAll]); // history keeps them all
  });

  it("with a lease, the agent holding it is the sender", async () => {
    const { c, planId, coder, reviewer } = await setup();
    const g = await claimOne(c, coder.id);
    const m = await c.sendMessage({ planId, recipient: reviewer.id, payload: { q: 1 } }, { actor: "anonymous", leaseId: g.lease.id });
    expect(m.sender).toBe(coder.id);
    expect(await rejected(c.sendMessage({ planId, recipient: "*" }, { actor: "x", leaseId: "lease_unknown" }))).toMatchObject({ code: "NOT_FOUND" });
    await c.complete(g.lease.id, 1);
    expect(await rejected(c.sendMessage({ planId, recipient: "*" }, { actor: "x", leaseId: g.lease.id }))).toMatchObject({ code: "CONFLICT" });
  });

  it("a recipient filter matches its own messages and those to every agent, in the log and live", async () => {
    const { c, store, planId, coder } = await setup();
    const other = (await c.createPlan(planReq([{ key: "a" }]), "t")).id;
    const abort = new AbortController();
    const live = followSignals(c.hub, store, { filter: { planId, recipient: coder.id }, afterSequence: null, signal: abort.signal });
    const first = nextWithin(live);
    const mine = await c.sendMessage({ planId, recipient: coder.id, name: "mine" }, { actor: "t" });
    await c.sendMessage({ planId, recipient: "reviewer", name: "role" }, { actor: "t" });
    await c.sendMessage({ planId, recipient: "r", name: "role-of-coder" }, { actor: "t" }); // a role is a recipient of its own
    await c.sendMessage({ planId: other, recipient: "*", name: "other-plan" }, { actor: "t" });
    const all = await c.sendMessage({ planId, recipient: "*", name: "all" }, { actor: "t" });
    expect(await first).toEqual(mine);
    expect(await nextWithin(live)).toEqual(all);
    abort.abort();
    expect(await store.queries.signals.read({ planId, recipient: coder.id }, 0, 100)).toEqual([mine, all]);
    expect((await store.queries.signals.read({ recipient: "reviewer" }, 0, 100)).map((s) => s.name)).toEqual(["role", "other-plan", "all"]);
  });
});

describe("requests and replies", () => {
  it("a reply carries inReplyTo, goes to the request's sender and clears the timer: no timeout afterwards", async () => {
    const env = await setup();
    const { c, clock, store, planId, coder } = env;
    const request = await c.sendMessage({ planId, recipient: "reviewer", name: "review?", payload: { diff: "+1" }, replyTimeoutMs: 5_000 }, { actor: coder.id });
    expect(request.payload).toEqual({ payload: { diff: "+1" }, expectReply: true, replyTimeoutMs: 5_000 });
    expect(await rows(store, "timers")).toBe(1);
    await clock.advance(4_999);
    const reply = await c.sendMessage({ planId, recipient: coder.id, name: "review", payload: "lgtm", inReplyTo: request.sequence }, { actor: "rev" });
    expect(reply).toMatchObject({ kind: "MESSAGE", sender: "rev", recipient: coder.id, payload: { payload: "lgtm", inReplyTo: request.sequence } });
    expect(await rows(store, "timers")).toBe(0);
    await clock.advance(60_000);
    expect(await messages(env, planId)).toEqual([request, reply]);
  });

  it("an unanswered request gets a reply_timeout MESSAGE to its sender once replyTimeoutMs passes, and no reply after it", async () => {
    const env = await setup();
    const { c, clock, planId } = env;
    const request = await c.sendMessage({ planId, recipient: "*", stepKey: "b", replyTimeoutMs: 1_000 }, { actor: "alice" });
    await clock.advance(999);
    expect(await messages(env, planId)).toHaveLength(1);
    await clock.advance(1);
    const timeout = (await messages(env, planId))[1]!;
    expect(timeout).toMatchObject({ kind: "MESSAGE", name: "reply_timeout", stepKey: "b", sender: "system", recipient: "alice", payload: { inReplyTo: request.sequence, timeoutMs: 1_000 } });
    expect(await rejected(c.sendMessage({ planId, recipient: "alice", inReplyTo: request.sequence }, { actor: "late" }))).toMatchObject({
      code: "CONFLICT",
      message: `request ${request.sequence} timed out (message ${timeout.sequence})`,
      details: { inReplyTo: request.sequence, answeredBy: timeout.sequence },
    });
  });

  it("a request without a timeout (expectReply) is answered once: a second reply is a CONFLICT", async () => {
    const env = await setup();
    const { c, store, planId } = env;
    const request = await c.sendMessage({ planId, recipient: "reviewer", expectReply: true }, { actor: "alice" });
    expect(request.payload).toEqual({ payload: null, expectReply: true });
    expect(await rows(store, "timers")).toBe(0);
    const reply = await c.sendMessage({ planId, recipient: "alice", inReplyTo: request.sequence, expectReply: true }, { actor: "bob" }); // a reply may ask back
    expect(await rejected(c.sendMessage({ planId, recipient: "alice", inReplyTo: request.sequence }, { actor: "carol" }))).toMatchObject({
      code: "CONFLICT",
      message: `request ${request.sequence} was already answered (message ${reply.sequence})`,
    });
    expect((await c.sendMessage({ planId, recipient: "bob", inReplyTo: reply.sequence }, { actor: "alice" })).payload).toEqual({ payload: null, inReplyTo: reply.sequence });
  });

  it("the reply timeout runs on while the plan is paused and after it ended", async () => {
    const env = await setup();
    const { c, clock, planId } = env;
    const paused = await c.sendMessage({ planId, recipient: "*", replyTimeoutMs: 1_000 }, { actor: "alice" });
    expect((await c.intervene(planId, { kind: "PAUSE" }, { actor: "ops" })).status).toBe("APPLIED");
    await clock.advance(1_000);
    const ended = await c.sendMessage({ planId, recipient: "*", replyTimeoutMs: 1_000 }, { actor: "bob" });
    expect((await c.intervene(planId, { kind: "CANCEL" }, { actor: "ops" })).status).toBe("APPLIED");
    expect((await env.store.queries.plans.load(planId))!.plan.state).toBe("CANCELLED");
    await clock.advance(1_000);
    expect((await messages(env, planId)).filter((s) => s.name === "reply_timeout").map((s) => [s.recipient, (s.payload as { inReplyTo: number }).inReplyTo])).toEqual([
      ["alice", paused.sequence],
      ["bob", ended.sequence],
    ]);
  });

  it("a reply timeout that fell due while the server was down fires at start-up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-messages-"));
    const file = join(dir, "baton.db");
    const clock = new ManualClock();
    const options = { clock, agentOfflineMs: 600_000, checkpointKeep: 100 };
    try {
      const before = new Coordinator(openStore(file), options);
      await before.start();
      const planId = (await before.createPlan(planReq([{ key: "a" }]), "t")).id;
      const request = await before.sendMessage({ planId, recipient: "reviewer", replyTimeoutMs: 10_000 }, { actor: "alice" });
      await before.stop();
      await before.store.close();

      await clock.advance(60_000); // the server is down: nothing runs
      const after = new Coordinator(openStore(file), options);
      await after.start();
      await clock.advance(0);
      const timeouts = (await allSignals(after.store, planId)).filter((s) => s.name === "reply_timeout");
      expect(timeouts).toMatchObject([{ kind: "MESSAGE", sender: "system", recipient: "alice", payload: { inReplyTo: request.sequence, timeoutMs: 10_000 } }]);
      await after.stop();
      await after.store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("refused messages", () => {
  it("bad input is BAD_USER_INPUT with every problem; an unknown plan NOT_FOUND; nothing is recorded", async () => {
    const env = await setup();
    const { c, store, planId } = env;
    const head = await store.queries.signals.head();
    expect(await rejected(c.sendMessage({ planId, recipient: " ", name: "", stepKey: "nope", replyTimeoutMs: 0 }, { actor: "t" }))).toMatchObject({
      code: "BAD_USER_INPUT",
      details: {
        problems: [
          { path: "recipient", message: 'must be an agent id, a role or "*"' },
          { path: "name", message: "must not be empty" },
          { path: "stepKey", message: 'plan has no step "nope"' },
          { path: "replyTimeoutMs", message: "must be a whole number ≥ 1, got 0" },
        ],
      },
    });
    expect(await rejected(c.sendMessage({ planId, recipient: "agt_00000000000000000000", expectReply: false, replyTimeoutMs: 5 }, { actor: "t" }))).toMatchObject({
      details: {
        problems: [
          { path: "recipient", message: "no agent agt_00000000000000000000 is registered" },
          { path: "expectReply", message: "must not be false with a replyTimeoutMs (a request)" },
        ],
      },
    });
    expect(await rejected(c.sendMessage({ planId: "plan_unknown", recipient: "*" }, { actor: "t" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await store.queries.signals.head()).toBe(head);
    expect(await rows(store, "timers")).toBe(0);
  });

  it("a reply to an unknown sequence, a non-message, a non-request, another plan's request, or not to its sender is BAD_USER_INPUT", async () => {
    const { c, planId } = await setup();
    const other = (await c.createPlan(planReq([{ key: "a" }]), "t")).id;
    const plain = await c.sendMessage({ planId, recipient: "*" }, { actor: "alice" });
    const foreign = await c.sendMessage({ planId: other, recipient: "*", expectReply: true }, { actor: "alice" });
    const request = await c.sendMessage({ planId, recipient: "*", expectReply: true }, { actor: "alice" });
    const custom = await c.sendSignal({ planId, name: "note" }, "alice");
    const problem = async (inReplyTo: number, recipient = "alice") => {
      const e = (await rejected(c.sendMessage({ planId, recipient, inReplyTo }, { actor: "bob" }))) as { code: string; details: { problems: unknown[] } };
      expect(e.code).toBe("BAD_USER_INPUT");
      return e.details.problems;
    };
    expect(await problem(999_999)).toEqual([{ path: "inReplyTo", message: "no message has sequence 999999" }]);
    expect(await problem(0)).toEqual([{ path: "inReplyTo", message: "no message has sequence 0" }]);
    expect(await problem(custom.sequence)).toEqual([{ path: "inReplyTo", message: `no message has sequence ${custom.sequence}` }]);
    expect(await problem(plain.sequence)).toEqual([{ path: "inReplyTo", message: `message ${plain.sequence} is not a request (sent without expectReply or replyTimeoutMs)` }]);
    expect(await problem(foreign.sequence)).toEqual([{ path: "inReplyTo", message: `message ${foreign.sequence} belongs to another plan` }]);
    expect(await problem(request.sequence, "bob")).toEqual([{ path: "recipient", message: 'a reply goes to the request\'s sender "alice"' }]);
    expect((await c.sendMessage({ planId, recipient: "alice", inReplyTo: request.sequence }, { actor: "bob" })).payload).toMatchObject({ inReplyTo: request.sequence });
  });
});
